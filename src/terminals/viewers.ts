import { encodeExitFrame, encodeOutputFrame, encodeResetFrame } from "../protocol/terminal.ts";
import type { Scrollback } from "./scrollback.ts";

/** Where one browser socket's terminal frames go (`send` as the mux sink reports it). */
export interface Viewer {
  send(frame: string): "ok" | "full" | "dropped";
}

export interface ExitInfo {
  seq: number;
  code: number | null;
  signal: string | null;
}

/** One viewer's position in one terminal's stream. */
interface Attachment {
  readonly viewer: Viewer;
  /** Seq of the last event this viewer has been given. */
  cursor: number;
  /** Live events skip a viewer that is behind; `pump` catches it up from the scrollback. */
  behind: boolean;
}

/** Frames written per pump before yielding to other work; the rest follow on the next drain or tick. */
const PUMP_BYTES = 512 * 1024;
const CHUNK_BYTES = 64 * 1024;

/**
 * The viewers of one terminal. Live output goes straight to viewers that are keeping up; a viewer
 * whose socket is full stops receiving live output and, once drained, reads from the scrollback
 * from where it stopped. If that point has been evicted meanwhile it gets a `reset` and the retained
 * scrollback. A slow socket therefore never holds up the shell, the runner or other viewers.
 */
export class ViewerSet {
  private readonly attached = new Map<Viewer, Attachment>();

  constructor(
    private readonly terminalId: string,
    private readonly scrollback: Scrollback,
    private readonly exit: () => ExitInfo | null,
  ) {}

  get size(): number {
    return this.attached.size;
  }

  /** Starts (or restarts) a viewer after `afterSeq`; delivery begins on the next tick, after the response. */
  attach(viewer: Viewer, afterSeq: number | undefined): void {
    const cursor = afterSeq ?? this.scrollback.discardedThrough;
    const a: Attachment = { viewer, cursor, behind: true };
    this.attached.set(viewer, a);
    setImmediate(() => {
      if (this.attached.get(viewer) === a) this.pump(a);
    });
  }

  detach(viewer: Viewer): boolean {
    return this.attached.delete(viewer);
  }

  has(viewer: Viewer): boolean {
    return this.attached.has(viewer);
  }

  /** The viewer's socket has room again. */
  drained(viewer: Viewer): void {
    const a = this.attached.get(viewer);
    if (a?.behind) this.pump(a);
  }

  /** A new output event, already appended to the scrollback. */
  output(seq: number, base64: string): void {
    if (this.attached.size === 0) return;
    const frame = encodeOutputFrame(this.terminalId, seq, base64);
    for (const a of this.attached.values()) {
      if (!a.behind) this.deliver(a, frame, seq);
    }
  }

  exited(info: ExitInfo): void {
    const frame = encodeExitFrame(this.terminalId, info.seq, info);
    for (const a of this.attached.values()) {
      if (!a.behind) this.deliver(a, frame, info.seq);
    }
  }

  /** Sends one frame; on a full or refused socket the viewer falls behind. Returns whether it may go on. */
  private deliver(a: Attachment, frame: string, seq: number): boolean {
    const r = a.viewer.send(frame);
    if (r === "dropped") {
      a.behind = true;
      return false;
    }
    a.cursor = seq;
    if (r === "full") {
      a.behind = true;
      return false;
    }
    return true;
  }

  private pump(a: Attachment): void {
    a.behind = true;
    const sb = this.scrollback;
    if (a.cursor < sb.discardedThrough) {
      if (!this.deliver(a, encodeResetFrame(this.terminalId, sb.discardedThrough), sb.discardedThrough))
        return;
    }
    const chunks = sb.readAfter(a.cursor, CHUNK_BYTES, PUMP_BYTES);
    for (const c of chunks) {
      if (!this.deliver(a, encodeOutputFrame(this.terminalId, c.seq, c.bytes.toString("base64")), c.seq))
        return;
    }
    if (sb.lastSeq > a.cursor && chunks.length > 0) {
      // More than one pump's worth: continue after other work has had its turn.
      setImmediate(() => {
        if (this.attached.get(a.viewer) === a && a.behind) this.pump(a);
      });
      return;
    }
    const exit = this.exit();
    if (
      exit &&
      a.cursor < exit.seq &&
      !this.deliver(a, encodeExitFrame(this.terminalId, exit.seq, exit), exit.seq)
    )
      return;
    a.behind = false;
  }
}
