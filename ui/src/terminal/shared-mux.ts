import * as v from "valibot";
import { terminalEventSchema } from "../../../src/protocol/terminal.ts";
import type { TerminalResult, TerminalTransport, TransportStatus } from "./transport.ts";

/**
 * The two hooks the app's shared mux client needs so terminals ride on the tab's one socket:
 * frames of the `terminal` channel handed on as decoded, and a call after every (re)connect.
 */
export interface SharedMux {
  request(ch: "terminal", cmd: string, body: Record<string, unknown>): Promise<TerminalResult>;
  onChannel(ch: "terminal", listener: (frame: unknown) => void): () => void;
  onOpen(listener: () => void): () => void;
  onStatus?(listener: (status: TransportStatus) => void): () => void;
}

export function sharedMuxTransport(mux: SharedMux): TerminalTransport {
  return {
    request: (cmd, body) => mux.request("terminal", cmd, body),
    send: (cmd, body) => void mux.request("terminal", cmd, body),
    onEvent: (listener) =>
      mux.onChannel("terminal", (frame) => {
        const parsed = v.safeParse(terminalEventSchema, frame);
        if (parsed.success) listener(parsed.output);
      }),
    onOpen: (listener) => mux.onOpen(listener),
    onStatus: (listener) => mux.onStatus?.(listener) ?? (() => {}),
  };
}
