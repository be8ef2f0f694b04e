import * as v from "valibot";
import { AdminStatus, Invite, type Role, User } from "../../../src/protocol/api.ts";
import { api, OkResponse } from "../api/http.ts";

/** Admin endpoints: users, invites, server status (contracts in src/protocol/api.ts). */

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
