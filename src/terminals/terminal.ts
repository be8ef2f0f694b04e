import { ok, type Result } from "../protocol/errors.ts";
import type { RunnerEvent } from "../protocol/runner.ts";
import type { TerminalInfo } from "../protocol/terminal.ts";
import type { RunnerClient } from "../runners/client.ts";
import type { Logger } from "../shared/log.ts";
import { Scrollback } from "./scrollback.ts";
import { type ExitInfo, type Viewer, ViewerSet } from "./viewers.ts";

export interface TerminalRecord {
  id: string;
  ownerId: string;
  projectId: string;
  proc: string;
  createdAt: number;
  cols: number | null;
  rows: number | null;
}

/**
 * One shell: a PTY process on the owner's runner, its scrollback and its viewers.
 *
 * The runner numbers and keeps the process's events; this side mirrors the newest
 * `scrollbackBytes` of output and acknowledges events to the runner only as they fall out of
 * that window. So the runner's own buffer holds exactly the scrollback too, and a restarted
 * server that resubscribes from the acknowledged seq gets the same scrollback back.
 */
export class Terminal {
  readonly scrollback: Scrollback;
  readonly viewers: ViewerSet;
  private exitInfo: ExitInfo | null = null;
  private lastSeq = 0;
  private acked = 0;
  private ackInFlight = false;
  private ackWanted = 0;
  private readonly exitWaiters = new Set<() => void>();
  /** Set once the user closed it: the record is forgotten on the runner after its exit. */
  closing = false;

  constructor(
    readonly record: TerminalRecord,
    readonly client: RunnerClient,
    scrollbackBytes: number,
    private readonly log: Logger,
    ackedSeq = 0,
  ) {
    this.scrollback = new Scrollback(scrollbackBytes);
    this.viewers = new ViewerSet(record.id, this.scrollback, () => this.exitInfo);
    this.acked = ackedSeq;
    this.lastSeq = ackedSeq;
  }

  get id(): string {
    return this.record.id;
  }
  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  info(): TerminalInfo {
    const r = this.record;
    return {
      terminal_id: r.id,
      project_id: r.projectId,
      state: this.exitInfo ? "exited" : "running",
      created_at: r.createdAt,
      cols: r.cols,
      rows: r.rows,
      last_seq: this.lastSeq,
      exit: this.exitInfo ? { code: this.exitInfo.code, signal: this.exitInfo.signal } : null,
    };
  }

  /** Follow the runner's events from `afterSeq` (what the runner still holds for us). */
  subscribe(afterSeq: number) {
    return this.client.subscribe(this.record.proc, afterSeq, (e) => this.onEvent(e));
  }

  write(bytes: Uint8Array): Promise<Result<unknown>> {
    return this.client.write(this.record.proc, bytes);
  }

  async resize(cols: number, rows: number): Promise<Result<unknown>> {
    const r = await this.client.resize(this.record.proc, cols, rows);
    if (r.ok) {
      this.record.cols = cols;
      this.record.rows = rows;
    }
    return r;
  }

  /** Kill the whole process tree (if still running), then let the runner forget it. */
  async close(): Promise<Result<void>> {
    this.closing = true;
    if (!this.exitInfo) {
      const killed = await this.client.kill(this.record.proc);
      if (!killed.ok && killed.error.code !== "not_found") return killed;
      if (!killed.ok) this.markExited({ seq: this.lastSeq + 1, code: null, signal: null }, false);
    } else {
      this.finish();
    }
    return ok(undefined);
  }

  /** Resolves once the process has exited (for tests and for deleting a project). */
  exited(): Promise<ExitInfo> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    return new Promise((resolve) => {
      this.exitWaiters.add(() => resolve(this.exitInfo as ExitInfo));
    });
  }

  /** The runner no longer has this process (it restarted): report it ended. */
  lost(): void {
    if (!this.exitInfo) this.markExited({ seq: this.lastSeq + 1, code: null, signal: null }, false);
  }

  attach(viewer: Viewer, afterSeq: number | undefined): void {
    this.viewers.attach(viewer, afterSeq);
  }

  private onEvent(e: RunnerEvent): void {
    if (e.seq > this.lastSeq) this.lastSeq = e.seq;
    switch (e.event) {
      case "output": {
        const bytes = Buffer.from(e.data, "base64");
        if (bytes.byteLength === 0) return;
        const evicted = this.scrollback.append(e.seq, bytes);
        if (evicted > 0) this.ack(evicted);
        this.viewers.output(e.seq, e.data);
        return;
      }
      case "resync_needed":
        this.scrollback.discard(e.lost_to);
        this.ack(e.lost_to);
        return;
      case "exit":
        if (!e.restarting) this.markExited({ seq: e.seq, code: e.code, signal: e.signal });
        return;
      default:
        return;
    }
  }

  /** `onRunner`: the runner still holds the process's record (so it can be acknowledged away). */
  private markExited(info: ExitInfo, onRunner = true): void {
    this.exitInfo = info;
    if (info.seq > this.lastSeq) this.lastSeq = info.seq;
    this.log.info("terminal exited", { terminal: this.id, code: info.code, signal: info.signal });
    this.viewers.exited(info);
    for (const w of this.exitWaiters) w();
    this.exitWaiters.clear();
    if (this.closing && onRunner) this.finish();
  }

  /** Acknowledge everything: the runner drops the record of the exited process. */
  private finish(): void {
    this.ack(this.lastSeq);
    void this.client.unsubscribe(this.record.proc);
  }

  /** Acks are coalesced: one in flight at a time, the newest wanted seq sent next. */
  private ack(seq: number): void {
    if (seq <= this.acked) return;
    this.ackWanted = Math.max(this.ackWanted, seq);
    if (this.ackInFlight) return;
    this.ackInFlight = true;
    const target = this.ackWanted;
    void this.client.ack(this.record.proc, target).then((r) => {
      this.ackInFlight = false;
      if (r.ok) this.acked = Math.max(this.acked, target);
      else this.log.warn("ack refused", { terminal: this.id, seq: target, error: r.error.message });
      if (r.ok && this.ackWanted > this.acked) this.ack(this.ackWanted);
    });
  }
}
