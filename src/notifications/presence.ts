import type { MuxConnection } from "../mux/connection.ts";

interface Focus {
  sessionId: string | null;
  visible: boolean;
}

/**
 * Which tabs hear notifications, and which conversation each one shows right now. A conversation
 * someone is looking at (open in a visible tab) gets no push: they see it happen.
 */
export class Presence {
  /** user id → their watching tabs and what each shows */
  private readonly tabs = new Map<string, Map<MuxConnection, Focus>>();

  watch(conn: MuxConnection): void {
    const byConn = this.tabs.get(conn.user.id) ?? new Map<MuxConnection, Focus>();
    this.tabs.set(conn.user.id, byConn);
    if (!byConn.has(conn)) byConn.set(conn, { sessionId: null, visible: false });
  }

  focus(conn: MuxConnection, sessionId: string | null, visible: boolean): void {
    this.watch(conn);
    this.tabs.get(conn.user.id)?.set(conn, { sessionId, visible });
  }

  forget(conn: MuxConnection): void {
    const byConn = this.tabs.get(conn.user.id);
    byConn?.delete(conn);
    if (byConn?.size === 0) this.tabs.delete(conn.user.id);
  }

  isLooking(userId: string, sessionId: string): boolean {
    for (const [conn, f] of this.tabs.get(userId) ?? [])
      if (!conn.closed && f.visible && f.sessionId === sessionId) return true;
    return false;
  }

  /** Send a frame to every open tab of the user that watches. */
  broadcast(userId: string, frame: string): void {
    for (const conn of this.tabs.get(userId)?.keys() ?? []) if (!conn.closed) conn.sink.send(frame);
  }
}
