import * as v from "valibot";
import type { ErrorBody } from "../../../src/protocol/errors.ts";
import { MUX_PROTOCOL_VERSION, responseSchema } from "../../../src/protocol/mux.ts";
import { type TerminalEvent, terminalEventSchema } from "../../../src/protocol/terminal.ts";

export type TerminalResult =
  | { ok: true; data: unknown }
  | { ok: false; error: ErrorBody | { code: "network"; message: string } };

export type TransportStatus = "connecting" | "open" | "retrying";

/**
 * What the terminal view needs of the mux socket: terminal-channel requests, terminal events,
 * and a signal after every (re)connect so it can re-attach with `after_seq`. The app's shared mux
 * client can provide this for the one socket per tab; `SocketTransport` is a standalone one.
 */
export interface TerminalTransport {
  request(cmd: string, body: Record<string, unknown>): Promise<TerminalResult>;
  /** Fire-and-forget (keystrokes): errors come back as a response the view may ignore. */
  send(cmd: string, body: Record<string, unknown>): void;
  onEvent(listener: (event: TerminalEvent) => void): () => void;
  /** Called now if open, and after each reconnect. */
  onOpen(listener: () => void): () => void;
  onStatus(listener: (status: TransportStatus) => void): () => void;
}

/** Decode one server frame for the terminal channel (validated like every other frame). */
export function decodeTerminalFrame(
  raw: string,
):
  | { kind: "event"; event: TerminalEvent }
  | { kind: "response"; id: string; result: TerminalResult }
  | { kind: "ping"; ts: number }
  | null {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof obj !== "object" || obj === null) return null;
  if (obj.event === "response") {
    const r = v.safeParse(responseSchema, obj);
    if (!r.success) return null;
    const f = r.output;
    return {
      kind: "response",
      id: f.id,
      result: f.ok ? { ok: true, data: f.data } : { ok: false, error: f.error },
    };
  }
  if (obj.ch === "system" && obj.event === "ping" && typeof obj.ts === "number")
    return { kind: "ping", ts: obj.ts };
  if (obj.ch === "terminal") {
    const e = v.safeParse(terminalEventSchema, obj);
    return e.success ? { kind: "event", event: e.output } : null;
  }
  return null;
}

const delay = (attempt: number) => Math.min(15_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);

/** A reconnecting socket on `/api/ws/mux` that speaks only the terminal (and system) channels. */
export class SocketTransport implements TerminalTransport {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly pending = new Map<string, (r: TerminalResult) => void>();
  private readonly events = new Set<(e: TerminalEvent) => void>();
  private readonly opens = new Set<() => void>();
  private readonly statuses = new Set<(s: TransportStatus) => void>();
  private readonly wake = () => {
    if (!this.ws && !this.stopped && document.visibilityState !== "hidden") {
      clearTimeout(this.timer);
      this.open();
    }
  };

  constructor(
    private readonly url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/ws/mux`,
  ) {
    window.addEventListener("online", this.wake);
    document.addEventListener("visibilitychange", this.wake);
    this.open();
  }

  request(cmd: string, body: Record<string, unknown>): Promise<TerminalResult> {
    if (this.ws?.readyState !== WebSocket.OPEN)
      return Promise.resolve({ ok: false, error: { code: "network", message: "not connected" } });
    const id = `t${this.nextId++}`;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws?.send(JSON.stringify({ ...body, ch: "terminal", id, cmd }));
    });
  }

  send(cmd: string, body: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN)
      this.ws.send(JSON.stringify({ ...body, ch: "terminal", cmd }));
  }

  onEvent(listener: (e: TerminalEvent) => void) {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }

  onOpen(listener: () => void) {
    this.opens.add(listener);
    if (this.ws?.readyState === WebSocket.OPEN) listener();
    return () => this.opens.delete(listener);
  }

  onStatus(listener: (s: TransportStatus) => void) {
    this.statuses.add(listener);
    return () => this.statuses.delete(listener);
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.wake);
    document.removeEventListener("visibilitychange", this.wake);
    this.ws?.close(1000, "bye");
    this.ws = null;
  }

  private status(s: TransportStatus) {
    for (const l of this.statuses) l(s);
  }

  private open(): void {
    this.status(this.attempt === 0 ? "connecting" : "retrying");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      ws.send(
        JSON.stringify({
          ch: "system",
          cmd: "hello",
          protocol: MUX_PROTOCOL_VERSION,
          client: "octo-terminal",
        }),
      );
      this.status("open");
      for (const l of this.opens) l();
    };
    ws.onmessage = (m) => this.receive(String(m.data));
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const resolve of this.pending.values())
        resolve({ ok: false, error: { code: "network", message: "the connection dropped" } });
      this.pending.clear();
      if (this.stopped || e.code === 4401 || e.code === 4403 || e.code === 1008) return;
      this.status("retrying");
      this.timer = setTimeout(() => this.open(), delay(this.attempt++));
    };
  }

  private receive(raw: string): void {
    const f = decodeTerminalFrame(raw);
    if (!f) return;
    if (f.kind === "ping") this.ws?.send(JSON.stringify({ ch: "system", cmd: "pong", ts: f.ts }));
    else if (f.kind === "response") {
      const resolve = this.pending.get(f.id);
      this.pending.delete(f.id);
      resolve?.(f.result);
    } else for (const l of this.events) l(f.event);
  }
}
