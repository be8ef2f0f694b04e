/**
 * A browser-like mux client for benchmarks: one WebSocket with the user's cookie, every frame
 * JSON-parsed on arrival (as the UI does), and for each agent frame only what the measurements need:
 * arrival time, seq, event name, bytes, and the text deltas. No per-frame scans of the history
 * (test/terminals' MuxClient re-checks every frame on every arrival: fine for tests, O(n²) here).
 */
import { wallClock } from "../../runner/trace.ts";

type Frame = Record<string, unknown> & { event?: string; id?: string; ok?: boolean; seq?: number };

export class SessionLog {
  readonly times: number[] = [];
  readonly seqs: number[] = [];
  readonly events: string[] = [];
  /** Arrival time of each `stream.text_delta`, in order. */
  readonly deltaTimes: number[] = [];
  readonly deltas: string[] = [];
  bytes = 0;
  idles = 0;
  readonly waiters = new Set<() => void>();

  get lastSeq(): number {
    return this.seqs.at(-1) ?? 0;
  }

  /** Index of the first frame with `event` at or after `from`, or -1. */
  find(event: string, from = 0): number {
    for (let i = from; i < this.events.length; i++) if (this.events[i] === event) return i;
    return -1;
  }
}

const WIRE_HEADER = (n: number) => (n < 126 ? 2 : n < 65536 ? 4 : 10);

export class BenchSocket {
  readonly sessions = new Map<string, SessionLog>();
  private readonly pending = new Map<string, (f: Frame) => void>();
  private nextId = 1;
  /** Payload plus WebSocket framing, of every frame received. */
  wireBytes = 0;
  closed = false;
  private onClosed: (() => void) | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.onmessage = (m) => this.receive(m.data as string);
    ws.onclose = () => {
      this.closed = true;
      this.onClosed?.();
    };
  }

  static async connect(baseUrl: string, cookie: string): Promise<BenchSocket> {
    const url = `${baseUrl.replace(/^http/, "ws")}/api/ws/mux`;
    const ws = new WebSocket(url, {
      headers: { origin: baseUrl, cookie: `octo_session=${cookie}` },
    } as unknown as string[]);
    const socket = new BenchSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("mux socket failed to open"));
    });
    return socket;
  }

  log(sessionId: string): SessionLog {
    let log = this.sessions.get(sessionId);
    if (!log) {
      log = new SessionLog();
      this.sessions.set(sessionId, log);
    }
    return log;
  }

  private receive(raw: string): void {
    const t = wallClock();
    const bytes = Buffer.byteLength(raw);
    this.wireBytes += bytes + WIRE_HEADER(bytes);
    const f = JSON.parse(raw) as Frame;
    // Like the UI: a socket that says nothing for two heartbeats is closed by the server.
    if (f.ch === "system" && f.event === "ping") {
      this.ws.send(JSON.stringify({ ch: "system", cmd: "pong", ts: f.ts }));
      return;
    }
    if (f.event === "response") {
      const done = this.pending.get(f.id as string);
      this.pending.delete(f.id as string);
      done?.(f);
      return;
    }
    if (f.ch !== "agent" || typeof f.session_id !== "string") return;
    const log = this.log(f.session_id);
    log.times.push(t);
    log.seqs.push(f.seq as number);
    log.events.push(f.event as string);
    log.bytes += bytes + WIRE_HEADER(bytes);
    if (f.event === "stream.text_delta") {
      log.deltaTimes.push(t);
      log.deltas.push(f.delta as string);
    } else if (f.event === "agent.idle") log.idles++;
    for (const w of log.waiters) w();
  }

  /** One command on the agent channel; resolves with its data, throws on an error answer. */
  async ok<T = Record<string, unknown>>(cmd: string, body: Record<string, unknown> = {}): Promise<T> {
    const id = `b${this.nextId++}`;
    const answer = new Promise<Frame>((resolve) => this.pending.set(id, resolve));
    this.ws.send(JSON.stringify({ ch: "agent", id, cmd, ...body }));
    const f = await answer;
    if (!f.ok) throw new Error(`${cmd} failed: ${JSON.stringify(f.error)}`);
    return f.data as T;
  }

  /** Resolves once `check()` holds, re-checked on each frame of that session. */
  waitFor(sessionId: string, what: string, check: () => boolean, ms = 120_000): Promise<void> {
    const log = this.log(sessionId);
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        log.waiters.delete(waker);
        reject(
          new Error(
            `timed out waiting for ${what} on ${sessionId}; events so far: ${log.events.slice(-12).join(", ")}`,
          ),
        );
      }, ms);
      const waker = () => {
        if (!check()) return;
        clearTimeout(timer);
        log.waiters.delete(waker);
        resolve();
      };
      log.waiters.add(waker);
    });
  }

  waitIdle(sessionId: string, n: number, ms?: number): Promise<void> {
    const log = this.log(sessionId);
    return this.waitFor(sessionId, `agent.idle #${n}`, () => log.idles >= n, ms);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => {
      this.onClosed = resolve;
    });
    this.ws.close();
    return done;
  }
}
