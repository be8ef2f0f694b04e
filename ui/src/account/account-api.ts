import * as v from "valibot";
import { ApiKey, CreatedApiKey } from "../../../src/protocol/api.ts";
import { api, OkResponse } from "../api/http.ts";

/** The signed-in person's own account: password and API keys (contracts in src/protocol/api.ts). */

export const changePassword = (current_password: string, new_password: string) =>
  api("POST", "/api/account/password", v.unknown(), { body: { current_password, new_password } });

export const listKeys = () => api("GET", "/api/account/keys", v.object({ keys: v.array(ApiKey) }));
export const createKey = (name: string) =>
  api("POST", "/api/account/keys", CreatedApiKey, { body: { name } });
export const revokeKey = (id: string) =>
  api("DELETE", `/api/account/keys/${encodeURIComponent(id)}`, OkResponse);
