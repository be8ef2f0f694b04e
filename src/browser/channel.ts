import * as v from "valibot";
import type { AgentService, ChannelHandler, CommandResult, MuxConnection } from "../mux/connection.ts";
import {
  type BrowserCommand,
  type BrowserControl,
  browserCommandSchemas,
  isBrowserCommandName,
} from "../protocol/browser.ts";
import { describeIssues } from "../protocol/decode.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import type { BrowserHub, BrowserViewer } from "./hub.ts";

const refused = (
  code: "unknown_command" | "validation_failed" | "not_found",
  message: string,
): CommandResult => ({
  ok: false,
  error: { code, message },
});

/**
 * The mux `browser` channel. Every frame names a session and is checked against the socket's user:
 * only the session's owner watches or acks (an admin who may read a transcript still cannot watch
 * or steer someone's browser).
 */
export function browserChannel(
  hub: BrowserHub,
  agents: AgentService,
  placement: Placement,
  runners: Pick<RunnerManager, "forUser">,
): ChannelHandler {
  /** The person's take/release/input goes to the runner serving them, which holds the driver. */
  const toRunner = async (
    username: string,
    session: string,
    control: BrowserControl,
  ): Promise<CommandResult> => {
    const runner = await runners.forUser(placement.runnerUser(username));
    if (!runner.ok) return runner;
    const r = await runner.value.call("browser", { session, control });
    return r.ok ? { ok: true, data: r.value ?? {} } : r;
  };
  // Per socket, one viewer that takes frames (the Browser tab) and one for the state only (the
  // chat), so the two parts of one page watch and unwatch independently.
  const viewers = new WeakMap<MuxConnection, { frames: BrowserViewer; state: BrowserViewer }>();
  const viewersOf = (conn: MuxConnection) => {
    let pair = viewers.get(conn);
    if (!pair) {
      const send: BrowserViewer["send"] = (frame) =>
        conn.closed ? "dropped" : conn.sink.send(JSON.stringify(frame));
      pair = { frames: { send }, state: { send } };
      viewers.set(conn, pair);
    }
    return pair;
  };
  return {
    async handle(conn, cmd, body) {
      if (!isBrowserCommandName(cmd)) return refused("unknown_command", `unknown browser command: ${cmd}`);
      const parsed = v.safeParse(browserCommandSchemas[cmd], body);
      if (!parsed.success) return refused("validation_failed", `${cmd}: ${describeIssues(parsed.issues)}`);
      const { session_id } = parsed.output;
      const owned = agents.canWatch(conn.user, session_id);
      if (!owned.ok || owned.ownerId !== conn.user.id)
        return refused("not_found", `no session ${session_id}`);
      const pair = viewersOf(conn);
      switch (cmd) {
        case "watch": {
          const { frames } = parsed.output as BrowserCommand<"watch">;
          const viewer = frames ? pair.frames : pair.state;
          hub.watch(session_id, placement.runnerUser(conn.user.username), viewer, { frames });
          return { ok: true, data: {} };
        }
        case "unwatch": {
          const { frames } = parsed.output as BrowserCommand<"unwatch">;
          hub.unwatch(session_id, frames ? pair.frames : pair.state);
          return { ok: true, data: {} };
        }
        case "ack":
          hub.ack(session_id, pair.frames, (parsed.output as BrowserCommand<"ack">).seq);
          return { ok: true, data: {} };
        case "control": {
          const { take } = parsed.output as BrowserCommand<"control">;
          return toRunner(conn.user.username, session_id, { type: take ? "take" : "release" });
        }
        case "input": {
          const { input } = parsed.output as BrowserCommand<"input">;
          if (input.type === "take" || input.type === "release")
            return refused("validation_failed", "input: use control to take or hand back the browser");
          return toRunner(conn.user.username, session_id, input);
        }
      }
      return refused("unknown_command", `unknown browser command: ${cmd}`);
    },
    closed(conn) {
      const pair = viewers.get(conn);
      if (!pair) return;
      hub.dropViewer(pair.frames);
      hub.dropViewer(pair.state);
    },
  };
}
