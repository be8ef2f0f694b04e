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
  isOpen(): boolean;
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
    // TerminalTransport's contract (as SocketTransport keeps it): a listener added while the socket is
    // already open runs at once. The app's mux is usually open long before the Terminal tab mounts.
    onOpen: (listener) => {
      const off = mux.onOpen(listener);
      if (mux.isOpen()) listener();
      return off;
    },
    onStatus: (listener) => mux.onStatus?.(listener) ?? (() => {}),
  };
}
