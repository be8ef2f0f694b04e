import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../protocol/errors.ts";
import {
  type DirectoryUser,
  EVERYONE_GRANTEE,
  type ForkSharedResult,
  type ShareBody,
  type SharedSession,
  type ShareInfo,
} from "../protocol/shares.ts";
import type { SessionService } from "../sessions/service.ts";
import type { Logger } from "../shared/log.ts";
import {
  EVERYONE,
  type SessionSharesRepo,
  type SharedSessionRow,
  sessionSharesRepo,
  userDirectory,
} from "../storage/session-shares.ts";
import type { SessionRow } from "../storage/sessions.ts";
import { usersRepo } from "../storage/users.ts";

type Caller = { id: string; username: string };

/** The open sockets, as sharing needs them (src/mux/sockets.ts `UserSockets`). */
export interface ShareSockets {
  /** End at once the watches of sessions this user (every user when none) may no longer see. */
  recheckAccess(userId?: string): void;
  sendTo(userId: string | undefined, frame: unknown): void;
}

export interface ConversationSharingDeps {
  db: Database;
  sessions: Pick<SessionService, "owned" | "viewable" | "copyInto">;
  /** Bound late: the mux's sockets are made with the routes. */
  sockets: () => ShareSockets | undefined;
  /** Where shares made and removed are recorded (who, what, with whom). */
  audit: Logger;
  now?: () => number;
}

/**
 * Read-only sharing of a conversation with named users of this server or with everyone signed in
 * here. The owner manages the shares; a grantee may watch the conversation live and read it, and
 * copy it into a project of their own ("Fork into my project"). Revoking ends an open viewer's
 * watch at once (`recheckAccess`), and their list of shared conversations is told to reload.
 */
export class ConversationSharing {
  private readonly repo: SessionSharesRepo;

  constructor(private readonly deps: ConversationSharingDeps) {
    this.repo = sessionSharesRepo(deps.db);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** For the session service: may this user read this session (not their own)? */
  isSharedWith(sessionId: string, userId: string): boolean {
    return this.repo.isSharedWith(sessionId, userId);
  }

  list(owner: Caller, sessionId: string): Result<ShareInfo[]> {
    const row = this.deps.sessions.owned(owner, sessionId);
    if (!row.ok) return row;
    return ok(
      this.repo.listForSession(sessionId).map((s) => ({
        kind: s.grantee === EVERYONE ? "everyone" : "user",
        username: s.grantee === EVERYONE ? null : s.username,
        created_at: s.created_at,
      })),
    );
  }

  share(owner: Caller, sessionId: string, body: ShareBody): Result<ShareInfo> {
    const row = this.deps.sessions.owned(owner, sessionId);
    if (!row.ok) return row;
    let grantee = EVERYONE;
    let username: string | null = null;
    if ("username" in body) {
      const user = usersRepo(this.deps.db).byUsername(body.username);
      if (!user || user.disabled) return fail("not_found", `no user ${body.username}`);
      if (user.id === owner.id) return fail("validation_failed", "this conversation is yours already");
      grantee = user.id;
      username = user.username;
    }
    const now = this.now();
    if (this.repo.add(sessionId, grantee, owner.id, now)) {
      this.deps.audit.info("conversation shared", {
        session: sessionId,
        by: owner.username,
        with: username ?? EVERYONE_GRANTEE,
      });
      this.listsChanged(grantee);
    }
    const kept = this.repo.listForSession(sessionId).find((s) => s.grantee === grantee);
    return ok({ kind: username ? "user" : "everyone", username, created_at: kept?.created_at ?? now });
  }

  /** `grantee`: a username, or `everyone`. Takes effect at once, also for open viewers. */
  unshare(owner: Caller, sessionId: string, grantee: string): Result<{ ok: true }> {
    const row = this.deps.sessions.owned(owner, sessionId);
    if (!row.ok) return row;
    let key = EVERYONE;
    if (grantee !== EVERYONE_GRANTEE) {
      const user = usersRepo(this.deps.db).byUsername(grantee);
      if (!user) return fail("not_found", `not shared with ${grantee}`);
      key = user.id;
    }
    if (!this.repo.remove(sessionId, key)) return fail("not_found", `not shared with ${grantee}`);
    this.deps.audit.info("conversation unshared", { session: sessionId, by: owner.username, with: grantee });
    const target = key === EVERYONE ? undefined : key;
    this.deps.sockets()?.recheckAccess(target);
    this.listsChanged(key);
    return ok({ ok: true });
  }

  /** Other people's conversations shared with the caller, most recently updated first. */
  sharedWithMe(user: Caller): SharedSession[] {
    return this.repo.sharedWith(user.id).map(publicShared);
  }

  sharedOne(user: Caller, sessionId: string): Result<SharedSession> {
    const row = this.repo.sharedOne(user.id, sessionId);
    return row ? ok(publicShared(row)) : fail("not_found", "no such session");
  }

  /** Copy a conversation shared with the caller into one of their projects (history, not files). */
  async fork(
    user: Caller,
    sessionId: string,
    projectId: string | undefined,
  ): Promise<Result<ForkSharedResult>> {
    const shared = this.repo.sharedOne(user.id, sessionId);
    const seen = shared ? this.deps.sessions.viewable(user, sessionId) : null;
    if (!shared || !seen?.ok) return fail("not_found", "no such session");
    const title = `${shared.title || "Conversation"} (from ${shared.owner_username})`;
    const r = await this.deps.sessions.copyInto(user, seen.value.row, projectId, title);
    if (r.ok)
      this.deps.audit.info("shared conversation forked", {
        session: sessionId,
        by: user.username,
        into: r.value.session_id,
      });
    return r;
  }

  /** A session is being deleted (its shares go with it by the foreign key): its viewers' lists reload. */
  deleting(row: SessionRow): void {
    const grantees = this.repo.listForSession(row.id).map((s) => s.grantee);
    if (grantees.length === 0) return;
    // After the delete has happened (it runs on in the same turn), so a reload no longer lists it.
    queueMicrotask(() => {
      for (const g of grantees.includes(EVERYONE) ? [EVERYONE] : grantees) this.listsChanged(g);
    });
  }

  /**
   * A shared conversation's row changed in what "Shared with me" shows (its title, its status, the
   * time of its last turn): its viewers' lists are told to refresh. A hub observer; events of
   * sessions without shares cost one indexed read, and only for these few event types.
   */
  observe = (_userId: string, session: { id: string }, events: readonly { event: string }[]): void => {
    if (!events.some((e) => LISTED_CHANGES.has(e.event))) return;
    const grantees = this.repo.listForSession(session.id).map((s) => s.grantee);
    for (const g of grantees.includes(EVERYONE) ? [EVERYONE] : grantees) this.listsChanged(g);
  };

  /** An account is gone (its conversations and shares with it): every open watch is checked again. */
  accountDeleted(): void {
    this.deps.sockets()?.recheckAccess();
    this.listsChanged(EVERYONE);
  }

  /** People to share with: enabled accounts whose username contains `query`, not the caller. */
  directory(user: Caller, query: string, limit = 20): DirectoryUser[] {
    return userDirectory(this.deps.db, query, limit + 1)
      .filter((u) => u.id !== user.id)
      .slice(0, limit)
      .map((u) => ({ username: u.username, display_name: u.username }));
  }

  private listsChanged(grantee: string): void {
    this.deps.sockets()?.sendTo(grantee === EVERYONE ? undefined : grantee, {
      ch: "system",
      event: "shares.changed",
    });
  }
}

/** Events after which a shared conversation looks different in its viewers' "Shared with me". */
const LISTED_CHANGES = new Set(["session.title_changed", "session.closed", "agent.idle"]);

const publicShared = (r: SharedSessionRow): SharedSession => ({
  id: r.id,
  title: r.title,
  owner: r.owner_username,
  status: r.status,
  last_seq: r.last_seq,
  created_at: r.created_at,
  updated_at: r.updated_at,
  shared_at: r.shared_at,
});
