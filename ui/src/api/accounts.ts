import * as v from "valibot";
import {
  AdminStatus,
  ApiKey,
  CreatedApiKey,
  HealthResponse,
  Invite,
  MeResponse,
  type Role,
  User,
} from "../../../src/protocol/api.ts";
import { api, OkResponse } from "./http.ts";

/** Auth, account and admin endpoints (contracts in src/protocol/api.ts). */

export const health = () => api("GET", "/api/health", HealthResponse);

export const me = () => api("GET", "/api/auth/me", MeResponse, { authAttempt: true });
export const login = (username: string, password: string) =>
  api("POST", "/api/auth/login", MeResponse, { body: { username, password }, authAttempt: true });
export const signup = (invite_code: string, username: string, password: string) =>
  api("POST", "/api/auth/signup", MeResponse, {
    body: { invite_code, username, password },
    authAttempt: true,
  });
export const logout = () => api("POST", "/api/auth/logout", v.unknown(), { authAttempt: true });

export const changePassword = (current_password: string, new_password: string) =>
  api("POST", "/api/account/password", v.unknown(), { body: { current_password, new_password } });

export const listKeys = () => api("GET", "/api/account/keys", v.object({ keys: v.array(ApiKey) }));
export const createKey = (name: string) =>
  api("POST", "/api/account/keys", CreatedApiKey, { body: { name } });
export const revokeKey = (id: string) =>
  api("DELETE", `/api/account/keys/${encodeURIComponent(id)}`, OkResponse);

const UserEnvelope = v.object({ user: User });
export const listUsers = () => api("GET", "/api/admin/users", v.object({ users: v.array(User) }));
export const createUser = (username: string, password: string, role: Role) =>
  api("POST", "/api/admin/users", UserEnvelope, { body: { username, password, role } });
export const setUserDisabled = (id: string, disabled: boolean) =>
  api("POST", `/api/admin/users/${encodeURIComponent(id)}/${disabled ? "disable" : "enable"}`, UserEnvelope);
export const resetPassword = (id: string, password: string) =>
  api("POST", `/api/admin/users/${encodeURIComponent(id)}/password`, UserEnvelope, { body: { password } });
export const deleteUser = (id: string) =>
  api("DELETE", `/api/admin/users/${encodeURIComponent(id)}`, OkResponse);

export interface NewInvite {
  max_uses: number;
  expires_in?: number;
  note: string;
  role: Role;
}
export const listInvites = () => api("GET", "/api/admin/invites", v.object({ invites: v.array(Invite) }));
export const createInvite = (body: NewInvite) =>
  api("POST", "/api/admin/invites", v.object({ invite: Invite }), { body });
export const revokeInvite = (code: string) =>
  api("DELETE", `/api/admin/invites/${encodeURIComponent(code)}`, OkResponse);

export const adminStatus = () => api("GET", "/api/admin/status", AdminStatus);
