import * as v from "valibot";
import { Identity, type LocalSignIn, SignInSettings } from "../../../src/protocol/sso.ts";
import { api, OkResponse } from "../api/http.ts";

/** Admin side of single sign-on (contracts in src/protocol/sso.ts). */

export const listIdentities = () =>
  api("GET", "/api/admin/identities", v.object({ identities: v.array(Identity) }));
export const linkIdentity = (userId: string, provider: string, subject: string) =>
  api("POST", `/api/admin/users/${encodeURIComponent(userId)}/identities`, OkResponse, {
    body: { provider, subject },
  });
export const unlinkIdentity = (userId: string, provider: string) =>
  api(
    "DELETE",
    `/api/admin/users/${encodeURIComponent(userId)}/identities/${encodeURIComponent(provider)}`,
    OkResponse,
  );
export const setLocalSignIn = (local_sign_in: LocalSignIn) =>
  api("PUT", "/api/admin/sign-in", SignInSettings, { body: { local_sign_in } });
