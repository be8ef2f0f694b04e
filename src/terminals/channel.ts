import * as v from "valibot";
import type { ChannelHandler, CommandResult, MuxConnection } from "../mux/connection.ts";
import { describeIssues } from "../protocol/decode.ts";
import type { Result } from "../protocol/errors.ts";
import { isTerminalCommandName, type TerminalCommand, terminalCommandSchemas } from "../protocol/terminal.ts";
import type { Caller, TerminalService } from "./service.ts";
import type { Viewer } from "./viewers.ts";

const answer = <T>(r: Result<T>, data?: (value: T) => unknown): CommandResult =>
  r.ok ? { ok: true, data: data ? data(r.value) : {} } : { ok: false, error: r.error };

/**
 * The mux `terminal` channel: decodes each command's body with its schema and calls the service
 * with the socket's user. Each socket is one viewer; closing the socket detaches it (shells live on).
 */
export function terminalChannel(service: TerminalService): ChannelHandler {
  const viewers = new WeakMap<MuxConnection, Viewer>();
  const viewerOf = (conn: MuxConnection): Viewer => {
    let viewer = viewers.get(conn);
    if (!viewer) {
      viewer = { send: (frame) => (conn.closed ? "dropped" : conn.sink.send(frame)) };
      viewers.set(conn, viewer);
    }
    return viewer;
  };

  const run = async (
    conn: MuxConnection,
    cmd: string,
    body: Record<string, unknown>,
  ): Promise<CommandResult> => {
    if (!isTerminalCommandName(cmd))
      return { ok: false, error: { code: "unknown_command", message: `unknown terminal command: ${cmd}` } };
    const parsed = v.safeParse(terminalCommandSchemas[cmd], body);
    if (!parsed.success)
      return {
        ok: false,
        error: { code: "validation_failed", message: `${cmd}: ${describeIssues(parsed.issues)}` },
      };
    const caller: Caller = { id: conn.user.id, username: conn.user.username };
    const input = parsed.output;
    switch (cmd) {
      case "open": {
        const opened = await service.open(caller, input as TerminalCommand<"open">);
        // The user's sign-ins ended while the shell started: it must not outlive them.
        const ended = conn.revoked();
        if (opened.ok && ended) {
          await service.close(caller, opened.value.terminal_id);
          return { ok: false, error: ended };
        }
        return answer(opened, (terminal) => ({ terminal }));
      }
      case "list": {
        const { project_id } = input as TerminalCommand<"list">;
        return answer(await service.list(caller, project_id), (terminals) => ({ terminals }));
      }
      case "attach": {
        const { terminal_id, after_seq } = input as TerminalCommand<"attach">;
        return answer(await service.attach(caller, viewerOf(conn), terminal_id, after_seq), (terminal) => ({
          terminal,
        }));
      }
      case "detach": {
        const { terminal_id } = input as TerminalCommand<"detach">;
        return answer(await service.detach(caller, viewerOf(conn), terminal_id));
      }
      case "input": {
        const { terminal_id, data, encoding } = input as TerminalCommand<"input">;
        const bytes = Buffer.from(data, encoding === "base64" ? "base64" : "utf8");
        return answer(await service.input(caller, terminal_id, bytes));
      }
      case "resize": {
        const { terminal_id, cols, rows } = input as TerminalCommand<"resize">;
        return answer(await service.resize(caller, terminal_id, cols, rows));
      }
      case "close": {
        const { terminal_id } = input as TerminalCommand<"close">;
        return answer(await service.close(caller, terminal_id));
      }
    }
  };

  return {
    handle: run,
    closed(conn) {
      const viewer = viewers.get(conn);
      if (viewer) service.viewerClosed(viewer);
    },
    drained(conn) {
      const viewer = viewers.get(conn);
      if (viewer) service.viewerDrained(viewer);
    },
  };
}
