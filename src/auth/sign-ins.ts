import type { Database } from "bun:sqlite";
import { revokedSessionsRepo } from "../storage/revoked-sessions.ts";
import { usersRepo } from "../storage/users.ts";

/** Why a user's live connections end. The mux close reason is built from it. */
export type EndReason =
  | "password_changed"
  | "account_disabled"
  | "account_deleted"
  | "signed_out"
  | "credentials_changed";

export interface SignInsEnded {
  userId: string;
  /** Set when only one sign-in ended (logout); absent when every sign-in of the user did. */
  sid?: string;
  /** The sign-in that continues (the one that changed its own password, with a fresh token). */
  keep?: { sid: string; tokenVersion: number };
  reason: EndReason;
}

export const END_MESSAGES: Record<EndReason, string> = {
  password_changed: "the password was changed; sign in again",
  account_disabled: "this account was disabled",
  account_deleted: "this account was deleted",
  signed_out: "signed out",
  credentials_changed: "the account's password or status changed; sign in again",
};

/**
 * Live sign-ins, for what outlives a request: open WebSockets and the terminals they opened.
 * A token is checked once, at the upgrade; afterwards a socket relies on this. `endUser` raises the
 * user's in-memory epoch (so a frame already on its way is refused by a comparison, no database
 * read) and tells listeners to close everything of that user now.
 */
export class SignIns {
  private readonly epochs = new Map<string, number>();
  private readonly listeners = new Set<(ended: SignInsEnded) => void>();

  constructor(private readonly db: Database) {}

  epoch(userId: string): number {
    return this.epochs.get(userId) ?? 0;
  }

  /**
   * Every sign-in of this user ends (disable, password change, token-version bump, deletion), but
   * `keep`: a user changing their own password stays signed in where they did it.
   */
  endUser(userId: string, reason: EndReason, keep?: SignInsEnded["keep"]): void {
    this.epochs.set(userId, this.epoch(userId) + 1);
    this.emit(keep === undefined ? { userId, reason } : { userId, reason, keep });
  }

  /**
   * Compare what a connection was opened with against the database, for changes made outside this
   * process (`octo user passwd` on the same database): ends the user's sign-ins when the account is
   * gone, disabled, or its token_version has moved on. Returns whether they still hold.
   */
  recheck(userId: string, tokenVersions: Iterable<number>): boolean {
    const user = usersRepo(this.db).byId(userId);
    const reason: EndReason | null = !user
      ? "account_deleted"
      : user.disabled
        ? "account_disabled"
        : [...tokenVersions].some((tv) => tv !== user.token_version)
          ? "credentials_changed"
          : null;
    if (reason) this.endUser(userId, reason);
    return reason === null;
  }

  /**
   * One sign-in ends (logout): its `sid` is refused until every token of it has expired
   * (`untilMs`: now + token TTL, since renewals extend the chain), and its sockets close.
   */
  endSignIn(userId: string, sid: string, untilMs: number, now = Date.now()): void {
    revokedSessionsRepo(this.db).revoke(sid, untilMs, now);
    this.emit({ userId, sid, reason: "signed_out" });
  }

  /** Whether this sign-in was signed out (for a socket whose upgrade raced its logout). */
  isSignedOut(sid: string): boolean {
    return revokedSessionsRepo(this.db).isRevoked(sid);
  }

  onEnd(listener: (ended: SignInsEnded) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(ended: SignInsEnded): void {
    for (const listener of [...this.listeners]) listener(ended);
  }
}
