import type { ErrorBody } from "../../../src/protocol/errors.ts";
import {
  type AgentEventFrame,
  type Channel,
  decodeServerFrame,
  MUX_PROTOCOL_VERSION,
  type ServerFrame,
} from "../../../src/protocol/mux.ts";
import type { MuxStatus } from "./connection-state.ts";
import { isAuthClose, reconnectDelay } from "./mux-reconnect.ts";

/**
 * The browser end of `/api/ws/mux` (DESIGN.md): one socket per tab, every server frame decoded with
 * the shared contract, one promise per request id, and resume — after any reconnect each subscribed
 * session is re-subscribed with `after_seq` = the last seq its reducer applied, so the server replays
 * exactly what was missed. Duplicates are impossible to show because the chat reducer drops seq ≤ last.
 */

export type MuxResult =
  | { ok: true; data: unknown }
  | { ok: false; error: ErrorBody | { code: "network"; message: string } };

interface Subscription {
  /** Asked at every (re)subscribe, so it is always the reducer's current `lastSeq`. */
  afterSeq: () => number;
  onEvent: (frame: AgentEventFrame) => void;
  /** The server ended the watch (`watch.ended`): a share revoked, or removed from its project. */
  onEnded?: (reason: string) => void;
}

export interface MuxOptions {
  url?: string;
  onStatus?: (status: MuxStatus) => void;
  /** The socket was refused for auth: the session ended. */
  onUnauthorized?: () => void;
  /** A frame that did not match the protocol (dropped). */
  onInvalidFrame?: (message: string) => void;
}

export class MuxClient {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private nextId = 1;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly pending = new Map<string, (r: MuxResult) => void>();
  private readonly subs = new Map<string, Subscription>();
  private readonly accessListeners = new Set<(projectId: string) => void>();
  private readonly outbox: string[] = [];
  private readonly channelListeners = new Map<string, Set<(frame: Record<string, unknown>) => void>>();
  private readonly openListeners = new Set<() => void>();
  private readonly sharesListeners = new Set<() => void>();
  private readonly wake = () => this.reconnectNow();

  constructor(private readonly opts: MuxOptions = {}) {}

  start(): void {
    this.closed = false;
    window.addEventListener("online", this.wake);
    document.addEventListener("visibilitychange", this.wake);
    this.open();
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener("online", this.wake);
    document.removeEventListener("visibilitychange", this.wake);
    this.ws?.close(1000, "bye");
    this.ws = null;
    this.failPending("the connection was closed");
  }

  /** Send a command; resolves with its one response. Queued while the socket reconnects. */
  request(ch: Channel, cmd: string, body: Record<string, unknown> = {}): Promise<MuxResult> {
    const id = `r${this.nextId++}`;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send(JSON.stringify({ ...body, ch, id, cmd }));
    });
  }

  /** Follow a session from `afterSeq()` on, across reconnects. Returns an unsubscribe. */
  subscribe(sessionId: string, sub: Subscription): () => void {
    this.subs.set(sessionId, sub);
    this.sendSubscribe(sessionId, sub);
    return () => {
      if (this.subs.get(sessionId) !== sub) return;
      this.subs.delete(sessionId);
      this.send(JSON.stringify({ ch: "agent", cmd: "session.unsubscribe", session_id: sessionId }));
    };
  }

  /**
   * Pushed frames of a feature channel (`files`, `browser`, …), undecoded: the feature validates them
   * with its own schema from src/protocol/. Returns an unsubscribe.
   */
  onChannel(ch: Exclude<Channel, "agent" | "system">, listener: (frame: Record<string, unknown>) => void) {
    const set = this.channelListeners.get(ch) ?? new Set();
    set.add(listener);
    this.channelListeners.set(ch, set);
    return () => void set.delete(listener);
  }

  /** The conversations shared with this user changed (`shares.changed`). Returns an unsubscribe. */
  onSharesChanged(listener: () => void): () => void {
    this.sharesListeners.add(listener);
    return () => void this.sharesListeners.delete(listener);
  }

  /** My standing in a shared project changed (`access.changed`): fetch the project again. */
  onAccessChanged(listener: (projectId: string) => void): () => void {
    this.accessListeners.add(listener);
    return () => void this.accessListeners.delete(listener);
  }

  /** Whether the socket is connected now (a listener added later by `onOpen` waits for the next open). */
  isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** After every (re)connect, so a feature can re-establish server-side state (e.g. a file watch). */
  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => void this.openListeners.delete(listener);
  }

  /** The reducer saw a gap (`resync`): ask again from its lastSeq. */
  resubscribe(sessionId: string): void {
    const sub = this.subs.get(sessionId);
    if (sub) this.sendSubscribe(sessionId, sub);
  }

  // ---------------------------------------------------------------- socket lifecycle

  private open(): void {
    const url =
      this.opts.url ?? `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/ws/mux`;
    this.opts.onStatus?.(this.attempt === 0 ? "connecting" : "retrying");
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.opts.onStatus?.("open");
      ws.send(
        JSON.stringify({ ch: "system", cmd: "hello", protocol: MUX_PROTOCOL_VERSION, client: "octo-ui" }),
      );
      for (const [id, sub] of this.subs) this.sendSubscribe(id, sub);
      for (const frame of this.outbox.splice(0)) ws.send(frame);
      for (const listener of this.openListeners) listener();
    };
    ws.onmessage = (e) => this.receive(String(e.data));
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // Requests in flight may or may not have arrived; prompts carry a client_id, so a retry is safe.
      this.failPending("the connection dropped");
      if (this.closed) return;
      if (isAuthClose(e.code)) {
        this.opts.onStatus?.("idle");
        this.opts.onUnauthorized?.();
        return;
      }
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    this.opts.onStatus?.("retrying");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), reconnectDelay(this.attempt++));
  }

  /** The network came back or the phone woke up: do not wait for the backoff. */
  private reconnectNow(): void {
    if (this.closed || this.ws || document.visibilityState === "hidden") return;
    clearTimeout(this.retryTimer);
    this.open();
  }

  private send(frame: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame);
    else this.outbox.push(frame);
  }

  private sendSubscribe(sessionId: string, sub: Subscription): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return; // onopen subscribes everything
    this.ws.send(
      JSON.stringify({
        ch: "agent",
        cmd: "session.subscribe",
        session_id: sessionId,
        after_seq: sub.afterSeq(),
      }),
    );
  }

  private failPending(message: string): void {
    for (const resolve of this.pending.values()) resolve({ ok: false, error: { code: "network", message } });
    this.pending.clear();
  }

  // ---------------------------------------------------------------- incoming frames

  private receive(raw: string): void {
    if (this.channelListeners.size > 0 && this.toChannel(raw)) return;
    const decoded = decodeServerFrame(raw);
    if (!decoded.ok) {
      this.opts.onInvalidFrame?.(decoded.error.message);
      return;
    }
    this.dispatch(decoded.frame);
  }

  /** A pushed (non-response) frame of a feature channel goes to that channel's listeners. */
  private toChannel(raw: string): boolean {
    const m = /^\{"ch":"(\w+)"/.exec(raw);
    const listeners = m?.[1] ? this.channelListeners.get(m[1]) : undefined;
    if (!listeners?.size) return false;
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(raw);
    } catch {
      return false;
    }
    if (frame.event === "response") return false;
    for (const l of listeners) l(frame);
    return true;
  }

  private dispatch(frame: ServerFrame): void {
    if ("event" in frame && frame.event === "response") {
      const resolve = this.pending.get(frame.id);
      if (!resolve) return;
      this.pending.delete(frame.id);
      resolve(frame.ok ? { ok: true, data: frame.data } : { ok: false, error: frame.error });
      return;
    }
    if (frame.ch === "system") {
      if (frame.event === "ping") this.send(JSON.stringify({ ch: "system", cmd: "pong", ts: frame.ts }));
      else if (frame.event === "resync") this.resubscribe(frame.session_id);
      else if (frame.event === "watch.ended") {
        // Not followed any more, so a reconnect does not ask for it again.
        const sub = this.subs.get(frame.session_id);
        this.subs.delete(frame.session_id);
        sub?.onEnded?.(frame.reason);
      } else if (frame.event === "shares.changed") {
        for (const l of this.sharesListeners) l();
      } else if (frame.event === "access.changed")
        for (const listener of this.accessListeners) listener(frame.project_id);
      return;
    }
    if (frame.ch === "agent") this.subs.get(frame.session_id)?.onEvent(frame as AgentEventFrame);
  }
}
