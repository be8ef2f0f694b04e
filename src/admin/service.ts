import type { Database } from "bun:sqlite";
import { deleteUser, resetPassword, setUserDisabled } from "../auth/accounts.ts";
import { createInvite, type NewInvite, publicInvite, revokeInvite } from "../auth/invites.ts";
import type { SignIns } from "../auth/sign-ins.ts";
import { type CreateUserInput, createUser, publicUser } from "../auth/users.ts";
import type { ServerMode } from "../config/index.ts";
import { ISOLATION } from "../config/mode.ts";
import type { AdminStatus, Invite, SessionSummary, User } from "../protocol/api.ts";
import { ok, type Result } from "../protocol/errors.ts";
import type { RunnerManager } from "../runners/manager.ts";
import { invitesRepo } from "../storage/invites.ts";
import { sessionsOverview } from "../storage/sessions-overview.ts";
import { type UserRow, usersRepo } from "../storage/users.ts";
import { operatorStatus } from "./dashboard.ts";

export interface AdminServiceDeps {
  db: Database;
  runners: Pick<RunnerManager, "status">;
  version: string;
  mode: ServerMode;
  startedAt: number;
  /** Set in multi-user mode: new accounts map to Linux user `<prefix><username>`. */
  linuxPrefix?: string;
  /** The folders whose free space the operator's dashboard shows. */
  dirs: { data: string; workspaces: string };
  /** The per-user data directory (history database) that goes with a deleted user. */
  userDir: (userId: string) => string;
  /** Stop the user's agents and shells and close their history before their rows go. */
  removeUserData: (user: { id: string; username: string }) => Promise<void>;
  /** Live sign-ins: disabling, a password reset and deletion end every one of the user's. */
  signIns: Pick<SignIns, "endUser">;
}

/** Administration: users, invites, status, every user's sessions. Callers check the admin role. */
export interface AdminService {
  status(): Promise<AdminStatus>;
  users(): User[];
  createUser(input: Omit<CreateUserInput, "linuxPrefix">): Promise<Result<User>>;
  setDisabled(id: string, disabled: boolean): Result<User>;
  resetPassword(id: string, password: string): Promise<Result<User>>;
  deleteUser(id: string): Promise<Result<User>>;
  invites(): Invite[];
  createInvite(input: NewInvite, createdBy: string | null): Invite;
  revokeInvite(code: string): Result<null>;
  sessions(): SessionSummary[];
}

const asPublic = (r: Result<UserRow>): Result<User> => (r.ok ? ok(publicUser(r.value)) : r);

export function createAdminService(deps: AdminServiceDeps): AdminService {
  const { db } = deps;
  return {
    status: async () => ({
      ...(await operatorStatus({
        db,
        runners: deps.runners,
        version: deps.version,
        mode: deps.mode,
        startedAt: deps.startedAt,
        dirs: deps.dirs,
      })),
      isolation: ISOLATION[deps.mode],
    }),
    users: () => usersRepo(db).list().map(publicUser),
    createUser: async (input) => asPublic(await createUser(db, { ...input, linuxPrefix: deps.linuxPrefix })),
    setDisabled(id, disabled) {
      const user = setUserDisabled(db, id, disabled);
      if (user.ok && disabled) deps.signIns.endUser(user.value.id, "account_disabled");
      return asPublic(user);
    },
    async resetPassword(id, password) {
      const user = await resetPassword(db, id, password);
      if (user.ok) deps.signIns.endUser(user.value.id, "password_changed");
      return asPublic(user);
    },
    async deleteUser(id) {
      const target = usersRepo(db).byId(id);
      if (target) await deps.removeUserData({ id: target.id, username: target.username });
      const deleted = deleteUser(db, id, deps.userDir);
      if (deleted.ok) deps.signIns.endUser(deleted.value.id, "account_deleted");
      return asPublic(deleted);
    },
    invites: () =>
      invitesRepo(db)
        .list()
        .map((row) => publicInvite(row)),
    createInvite: (input, createdBy) => publicInvite(createInvite(db, input, createdBy)),
    revokeInvite: (code) => revokeInvite(db, code),
    sessions: () => sessionsOverview(db).list(),
  };
}
