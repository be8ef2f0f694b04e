import * as v from "valibot";
import { MeResponse } from "../../../src/protocol/api.ts";
import { api } from "../api/http.ts";

/** Sign-in, sign-up and sign-out (contracts in src/protocol/api.ts). A 401 here answers, it does not redirect. */

export const me = () => api("GET", "/api/auth/me", MeResponse, { authAttempt: true });
export const login = (username: string, password: string) =>
  api("POST", "/api/auth/login", MeResponse, { body: { username, password }, authAttempt: true });
export const signup = (invite_code: string, username: string, password: string) =>
  api("POST", "/api/auth/signup", MeResponse, {
    body: { invite_code, username, password },
    authAttempt: true,
  });
export const logout = () => api("POST", "/api/auth/logout", v.unknown(), { authAttempt: true });
