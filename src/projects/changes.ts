import type { ChannelHandler, MuxConnection } from "../mux/connection.ts";
import { type ChangeArea, ChangesCommandSchema, type ChangesEvent } from "../protocol/changes.ts";
import { decode } from "../protocol/decode.ts";
import type { Result } from "../protocol/errors.ts";

/**
 * Which open tabs watch which project, and the fan-out when a project's memory or tasks change.
 * A user memory (project null) belongs to every project of its user: all of that user's watches hear.
 */
export class ProjectChanges {
  /** user id → connection → watched project ids */
  private readonly watches = new Map<string, Map<MuxConnection, Set<string>>>();

  watch(conn: MuxConnection, projectId: string): void {
    const byConn = this.watches.get(conn.user.id) ?? new Map<MuxConnection, Set<string>>();
    this.watches.set(conn.user.id, byConn);
    const set = byConn.get(conn) ?? new Set<string>();
    byConn.set(conn, set);
    set.add(projectId);
  }

  unwatch(conn: MuxConnection, projectId?: string): void {
    const byConn = this.watches.get(conn.user.id);
    if (!byConn) return;
    if (projectId === undefined) byConn.delete(conn);
    else byConn.get(conn)?.delete(projectId);
    if (byConn.size === 0) this.watches.delete(conn.user.id);
  }

  changed(userId: string, projectId: string | null, area: ChangeArea): void {
    for (const [conn, projects] of this.watches.get(userId) ?? []) {
      if (conn.closed) continue;
      for (const p of projectId === null ? projects : projects.has(projectId) ? [projectId] : []) {
        const event: ChangesEvent = { ch: "changes", event: "changed", area, project_id: p };
        conn.sink.send(JSON.stringify(event));
      }
    }
  }
}

/** The mux `changes` channel: `watch` is checked against the socket's user like every project id. */
export function changesChannel(
  changes: ProjectChanges,
  project: (caller: { id: string; username: string }, projectId: string) => Result<unknown>,
): ChannelHandler {
  return {
    async handle(conn, cmd, body) {
      const c = decode(ChangesCommandSchema, { ...body, cmd }, "changes");
      if (!c.ok) return c;
      const owned = project({ id: conn.user.id, username: conn.user.username }, c.value.project_id);
      if (!owned.ok) return owned;
      if (c.value.cmd === "watch") changes.watch(conn, c.value.project_id);
      else changes.unwatch(conn, c.value.project_id);
      return { ok: true, data: {} };
    },
    closed(conn) {
      changes.unwatch(conn);
    },
  };
}
