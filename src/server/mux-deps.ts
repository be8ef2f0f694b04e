import { createFilesChannel } from "../files/wiring.ts";
import type { MuxRouteDeps } from "../http/routes/mux.ts";
import { terminalChannel } from "../terminals/channel.ts";
import type { ServerContext } from "./context.ts";

/** What `/api/ws/mux` serves: agent sessions over the hub, and the feature channels. */
export function muxDeps(ctx: ServerContext): MuxRouteDeps {
  const files = createFilesChannel({
    db: ctx.db,
    runners: ctx.runners,
    placement: ctx.placement,
    log: ctx.log,
  });
  return {
    hub: ctx.services.hub,
    agents: ctx.services.sessions,
    channels: { terminal: terminalChannel(ctx.terminals), files },
  };
}
