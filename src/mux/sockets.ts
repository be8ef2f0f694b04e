import { END_MESSAGES, type SignIns, type SignInsEnded } from "../auth/sign-ins.ts";
import { type ErrorBody, fail, ok, type Result } from "../protocol/errors.ts";

/** WebSocket close codes of the mux (4000–4999 are the application's). */
export const CLOSE_SIGNED_OUT = 4401;
export const CLOSE_TOO_MANY = 4429;

/** What the registry needs of a connection: who, which sign-in, and how to end it. */
export interface TrackedSocket {
  /** `epoch`: the user's sign-in epoch when the credentials were checked (at the upgrade). */
  readonly user: { id: string; sid?: string; tokenVersion?: number; epoch?: number };
  end(code: number, reason: string): void;
  /**
   * Check every watch again and end those the user may no longer hold; with `projectId` the client
   * is also told its standing in that project changed.
   */
  recheckAccess?(projectId?: string): void;
  /** A small frame for the client (system events). */
  send?(frame: unknown): void;
}

/**
 * The open mux sockets, by user: caps how many one user may hold, and closes them when their
 * sign-in ends. Each socket remembers the user's sign-in epoch at upgrade, so a frame that
 * arrives after the end is refused by a comparison in memory (`revoked`).
 */
export class UserSockets<S extends TrackedSocket = TrackedSocket> {
  private readonly byUser = new Map<string, Set<S>>();
  private readonly epochAtOpen = new WeakMap<S, number>();
  /** The user's token_version a socket holds (its upgrade's, or the fresh one it was kept with). */
  private readonly tokenVersion = new WeakMap<S, number>();
  private readonly stop: () => void;

  constructor(
    private readonly signIns: SignIns,
    private readonly maxPerUser: number,
  ) {
    this.stop = signIns.onEnd((ended) => this.endAll(ended));
  }

  /** Whether one more socket may open for this user (checked at the upgrade, and again on open). */
  mayOpen(userId: string): Result<null> {
    const open = this.byUser.get(userId)?.size ?? 0;
    if (open >= this.maxPerUser)
      return fail(
        "connection_limit",
        `you already have ${this.maxPerUser} open connections (browser tabs); close one first`,
      );
    return ok(null);
  }

  /** Track an opened socket; refused over the cap, or when its sign-in ended since the upgrade. */
  add(socket: S): Result<null> {
    const allowed = this.mayOpen(socket.user.id);
    if (!allowed.ok) return allowed;
    const epoch = this.signIns.epoch(socket.user.id);
    const { sid } = socket.user;
    if ((socket.user.epoch ?? epoch) !== epoch || (sid !== undefined && this.signIns.isSignedOut(sid)))
      return fail("token_revoked", "this session ended while the connection opened; sign in again");
    const set = this.byUser.get(socket.user.id) ?? new Set();
    set.add(socket);
    this.byUser.set(socket.user.id, set);
    this.epochAtOpen.set(socket, epoch);
    if (socket.user.tokenVersion !== undefined) this.tokenVersion.set(socket, socket.user.tokenVersion);
    return ok(null);
  }

  remove(socket: S): void {
    const set = this.byUser.get(socket.user.id);
    if (!set?.delete(socket)) return;
    if (set.size === 0) this.byUser.delete(socket.user.id);
  }

  /** Null while the socket's sign-in holds; the refusal once it has ended. */
  revoked(socket: S): ErrorBody | null {
    const at = this.epochAtOpen.get(socket);
    if (
      at !== undefined &&
      at === this.signIns.epoch(socket.user.id) &&
      this.byUser.get(socket.user.id)?.has(socket)
    )
      return null;
    return { code: "token_revoked", message: "this session has ended; sign in again" };
  }

  /** Run now and then (the heartbeat): a change made outside this process ends sockets too. */
  recheck(): void {
    for (const [userId, set] of [...this.byUser]) {
      const versions = [...set].flatMap((s) => {
        const tv = this.tokenVersion.get(s);
        return tv === undefined ? [] : [tv];
      });
      this.signIns.recheck(userId, versions);
    }
  }

  /**
   * Access changed (a share revoked, a member removed or lowered): every socket of this user — of
   * every user when none is given — re-checks what it watches and ends what it may no longer hold,
   * at once; with `projectId` they are told their standing in that project changed.
   */
  recheckAccess(userId?: string, projectId?: string): void {
    for (const socket of this.socketsOf(userId)) socket.recheckAccess?.(projectId);
  }

  /** Send a frame to every open socket of a user (every user's when none is given). */
  sendTo(userId: string | undefined, frame: unknown): void {
    for (const socket of this.socketsOf(userId)) socket.send?.(frame);
  }

  private socketsOf(userId: string | undefined): S[] {
    if (userId !== undefined) return [...(this.byUser.get(userId) ?? [])];
    return [...this.byUser.values()].flatMap((set) => [...set]);
  }

  dispose(): void {
    this.stop();
  }

  private endAll(ended: SignInsEnded): void {
    const set = this.byUser.get(ended.userId);
    if (!set) return;
    for (const socket of [...set]) {
      if (ended.sid !== undefined && socket.user.sid !== ended.sid) continue;
      if (ended.keep !== undefined && socket.user.sid === ended.keep.sid) {
        this.epochAtOpen.set(socket, this.signIns.epoch(ended.userId));
        this.tokenVersion.set(socket, ended.keep.tokenVersion);
        continue;
      }
      set.delete(socket);
      socket.end(CLOSE_SIGNED_OUT, `session ended: ${END_MESSAGES[ended.reason]}`);
    }
    if (set.size === 0) this.byUser.delete(ended.userId);
  }
}
