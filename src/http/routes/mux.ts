import type { ServerWebSocket } from "bun";
import { Elysia } from "elysia";
import { type AgentService, type ChannelHandler, MuxConnection, type MuxUser } from "../../mux/connection.ts";
import { CLOSE_SIGNED_OUT, CLOSE_TOO_MANY, UserSockets } from "../../mux/sockets.ts";
import { HARD_BUFFER_LIMIT, wsSink } from "../../mux/ws-sink.ts";
import type { Channel } from "../../protocol/mux.ts";
import { MAX_CLIENT_FRAME_BYTES } from "../../protocol/mux.ts";
import type { SessionHub } from "../../sessions/hub.ts";
import { authenticate } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { errorResponse } from "../errors.ts";
import { checkOrigin } from "../origin.ts";

export interface MuxRouteDeps {
  hub: SessionHub;
  agents: AgentService;
  channels?: Partial<Record<Exclude<Channel, "agent" | "system">, ChannelHandler>>;
  heartbeatMs?: number;
  /** The open sockets by user (built here when not given). */
  sockets?: UserSockets<MuxConnection>;
}

/**
 * `/api/ws/mux`: one authenticated socket per tab. Auth and Origin are checked at the upgrade;
 * a browser never applies CORS to WebSockets, so the Origin check is what stops cross-site sockets.
 */
export function muxRoutes(ctx: HttpContext, deps: MuxRouteDeps) {
  const users = new WeakMap<Request, MuxUser>();
  const conns = new Map<ServerWebSocket<unknown>, MuxConnection>();
  const sockets =
    deps.sockets ??
    new UserSockets<MuxConnection>(ctx.services.signIns, ctx.config.server.max_sockets_per_user);
  // A member removed or lowered (decision 0030): their watches of that project end at once.
  ctx.services.access.on((change) => sockets.recheckAccess(change.userId, change.projectId));
  const heartbeatMs = deps.heartbeatMs ?? 25_000;
  const timer = setInterval(() => {
    for (const conn of conns.values()) conn.heartbeat();
    sockets.recheck();
  }, heartbeatMs);
  timer.unref?.();

  return new Elysia().ws("/api/ws/mux", {
    maxPayloadLength: MAX_CLIENT_FRAME_BYTES,
    backpressureLimit: HARD_BUFFER_LIMIT,
    closeOnBackpressureLimit: true,
    idleTimeout: Math.ceil((heartbeatMs * 3) / 1000),
    async beforeHandle({ request }) {
      const authed = await authenticate(ctx, request);
      if (!authed.ok) return errorResponse(authed.error.code, authed.error.message);
      const { user, via, role, sid, tokenVersion } = authed.value;
      if (!user) return errorResponse("forbidden", "the mux socket needs a user account");
      if (via === "cookie") {
        const origin = checkOrigin(ctx, request);
        if (!origin.ok) return errorResponse(origin.error.code, origin.error.message);
      }
      const room = sockets.mayOpen(user.id);
      if (!room.ok) return errorResponse(room.error.code, room.error.message);
      const epoch = ctx.services.signIns.epoch(user.id);
      users.set(request, { id: user.id, username: user.username, role, sid, tokenVersion, epoch });
    },
    open(ws) {
      const user = users.get(ws.data.request);
      if (!user) {
        ws.close(4401, "not authenticated");
        return;
      }
      const raw = ws.raw as ServerWebSocket<unknown>;
      const conn: MuxConnection = new MuxConnection(user, wsSink(raw), {
        hub: deps.hub,
        agents: deps.agents,
        channels: deps.channels,
        heartbeatMs,
        revoked: () => sockets.revoked(conn),
      });
      // Checked again here: upgrades racing past the check above must not exceed the cap.
      const added = sockets.add(conn);
      if (!added.ok) {
        const code = added.error.code === "connection_limit" ? CLOSE_TOO_MANY : CLOSE_SIGNED_OUT;
        ws.close(code, added.error.message.slice(0, 120));
        return;
      }
      conns.set(raw, conn);
    },
    message(ws, message) {
      const conn = conns.get(ws.raw as ServerWebSocket<unknown>);
      if (!conn) return;
      // Elysia has already parsed JSON text; the connection decodes that value (or text it left alone).
      void conn.receive(message);
    },
    drain(ws) {
      conns.get(ws.raw as ServerWebSocket<unknown>)?.drained();
    },
    close(ws) {
      const raw = ws.raw as ServerWebSocket<unknown>;
      const conn = conns.get(raw);
      if (conn) sockets.remove(conn);
      conn?.close();
      conns.delete(raw);
    },
  });
}
