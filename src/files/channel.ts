import type { ChannelHandler, CommandResult, MuxConnection } from "../mux/connection.ts";
import type { FileOp, FileOpInput } from "../protocol/files.ts";
import { parseFilesCommand, toFileRequest } from "../protocol/files.ts";
import type { FileAccess } from "./access.ts";
import type { ProjectWatches, WatchSubscriber } from "./watches.ts";

/** Commands that change the project's files: editors and the owner only (decision 0030). */
const CHANGING = new Set(["write", "mkdir", "move", "delete"]);

const changedPath = (c: Record<string, unknown>): string =>
  typeof c.path === "string" ? c.path : typeof c.from === "string" ? `${c.from} → ${String(c.to)}` : "";

const watchId = () => `fsw_${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("hex")}`;

/**
 * The mux `files` channel: `{ch:"files", id, cmd, project_id, …}`. Every command names a project,
 * and every one is checked against the socket's user before anything reaches the runner; the
 * runner then confines the path to that project's folder.
 */
export function filesChannel(access: FileAccess, watches: ProjectWatches): ChannelHandler {
  const subscribers = new WeakMap<MuxConnection, WatchSubscriber>();
  const subscriberOf = (conn: MuxConnection): WatchSubscriber => {
    let s = subscribers.get(conn);
    if (!s) {
      s = { send: (frame) => (conn.closed ? "dropped" : conn.sink.send(frame)) };
      subscribers.set(conn, s);
    }
    return s;
  };

  return {
    async handle(conn, cmd, body): Promise<CommandResult> {
      const command = parseFilesCommand(cmd, body);
      if (!command.ok) return command;
      const caller = { id: conn.user.id, username: conn.user.username };
      const c = command.value;
      const files = await access.open(caller, c.project_id, CHANGING.has(c.cmd) ? "write" : "read");
      if (!files.ok) return files;
      if (c.cmd === "watch") {
        if (conn.closed) return { ok: false, error: { code: "bad_request", message: "socket closed" } };
        const added = await watches.add(files.value, subscriberOf(conn), c.include_node_modules);
        // The socket may have closed while the watch started: do not leave it behind.
        if (conn.closed) watches.removeAll(subscriberOf(conn));
        return added.ok ? { ok: true, data: { watch: watchId() } } : added;
      }
      if (c.cmd === "unwatch") {
        watches.remove(c.project_id, subscriberOf(conn));
        return { ok: true, data: {} };
      }
      const request = toFileRequest(c, files.value.folder);
      if (!request)
        return { ok: false, error: { code: "unknown_command", message: `unknown files command` } };
      const { op, ...params } = request;
      const r = await files.value.runner.fs(op as FileOp, params as FileOpInput<FileOp>);
      if (r.ok && files.value.member && CHANGING.has(c.cmd))
        access.record?.(caller, c.project_id, c.cmd, changedPath(c));
      return r.ok ? { ok: true, data: r.value } : r;
    },
    closed(conn) {
      const s = subscribers.get(conn);
      if (s) watches.removeAll(s);
    },
    /** Someone's access changed: this socket's watches of projects its user may no longer read end. */
    recheckAccess(conn) {
      const s = subscribers.get(conn);
      if (!s) return;
      const caller = { id: conn.user.id, username: conn.user.username };
      for (const projectId of new Set(watches.watching(s))) {
        if (access.allowed(caller, projectId, "read")) continue;
        watches.remove(projectId, s);
        conn.send({
          ch: "files",
          event: "changes",
          project_id: projectId,
          changes: [],
          overflow: false,
          closed: true,
        });
      }
    },
    drained(conn) {
      const s = subscribers.get(conn);
      if (s) watches.drained(s);
    },
  };
}
