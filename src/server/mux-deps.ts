import type { MuxRouteDeps } from "../http/routes/mux.ts";
import type { AgentService } from "../mux/connection.ts";
import { SessionHub } from "../sessions/hub.ts";
import { terminalChannel } from "../terminals/channel.ts";
import type { ServerContext } from "./context.ts";

/**
 * What `/api/ws/mux` serves. The terminal channel is live; the agent channel answers that sessions
 * are not available until the sessions service is wired here (it replaces `agents` and `hub`).
 */
export function muxDeps(ctx: ServerContext): MuxRouteDeps {
  const unavailable = {
    ok: false as const,
    error: {
      code: "unknown_command" as const,
      message: "agent sessions are not available on this server yet",
    },
  };
  const agents: AgentService = {
    canWatch: () => unavailable,
    run: async () => unavailable,
  };
  const hub = new SessionHub(() => {
    throw new Error("no agent sessions are wired: the hub has no history store");
  });
  return { hub, agents, channels: { terminal: terminalChannel(ctx.terminals) } };
}
