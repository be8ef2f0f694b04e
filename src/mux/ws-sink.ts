import type { ServerWebSocket } from "bun";
import type { Sink } from "../sessions/hub.ts";

/** Bytes queued on one socket beyond which live events stop and the store takes over. */
export const SOFT_BUFFER_LIMIT = 1 << 20;
/** Bun's own hard limit; far above the soft one so responses and system frames always fit. */
export const HARD_BUFFER_LIMIT = 64 << 20;

/** A Sink over a Bun WebSocket with a bounded send buffer. */
export function wsSink(ws: ServerWebSocket<unknown>): Sink & { close(code: number, reason: string): void } {
  return {
    send(frame) {
      const r = ws.send(frame);
      if (r === 0) return "dropped";
      return ws.getBufferedAmount() > SOFT_BUFFER_LIMIT ? "full" : "ok";
    },
    batch(fn) {
      return ws.cork(fn);
    },
    close(code, reason) {
      ws.close(code, reason);
    },
  };
}
