import { appendFileSync } from "node:fs";

/**
 * Opt-in timing of the agent streaming path, for `bench/stream.ts`. With `OCTO_TRACE_FILE` set, the
 * runner notes for every agent event when the chunk of pi's stdout that produced it reached the
 * runner, and when the event got its runner seq; lines `proc seq event arrived numbered` (wall clock
 * in ms, with fractions, comparable across processes) are appended to that file in batches.
 * Unset — always, outside benchmarks — `streamTrace` is null and nothing below runs: the hot path
 * pays one null check per event.
 */
export interface StreamTrace {
  record(proc: string, seq: number, event: string, arrivedAt: number): void;
}

/** Wall-clock milliseconds with sub-millisecond precision, the same clock in every process. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

const FLUSH_MS = 50;

class FileTrace implements StreamTrace {
  private lines: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly path: string) {
    process.once("exit", () => this.flush());
  }

  record(proc: string, seq: number, event: string, arrivedAt: number): void {
    this.lines.push(`${proc} ${seq} ${event} ${arrivedAt.toFixed(3)} ${wallClock().toFixed(3)}\n`);
    // Written off the hot path, in batches: one syscall per event would perturb what is measured.
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  private flush(): void {
    this.timer = null;
    if (this.lines.length === 0) return;
    appendFileSync(this.path, this.lines.join(""));
    this.lines = [];
  }
}

export const streamTrace: StreamTrace | null = process.env.OCTO_TRACE_FILE
  ? new FileTrace(process.env.OCTO_TRACE_FILE)
  : null;

/** A byte stream fed by `push`, read by the pi adapter. */
export interface StdoutPipe {
  readonly stream: ReadableStream<Uint8Array>;
  push(bytes: Uint8Array): void;
  close(): void;
  /** When the chunk being read now reached the runner (0 when not traced). */
  arrivedAt(): number;
}

export function stdoutPipe(): StdoutPipe {
  return streamTrace ? tracedPipe() : plainPipe();
}

function plainPipe(): StdoutPipe {
  let push: (bytes: Uint8Array) => void = () => {};
  let close: () => void = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (bytes) => controller.enqueue(bytes);
      close = () => controller.close();
    },
  });
  return { stream, push: (b) => push(b), close: () => close(), arrivedAt: () => 0 };
}

/**
 * Pull-based (high-water mark 0): a chunk is handed over only when the reader asks for it, so the
 * arrival noted at hand-over is that of the chunk whose lines are being translated.
 */
function tracedPipe(): StdoutPipe {
  const queue: { bytes: Uint8Array; at: number }[] = [];
  let waiting: ReadableStreamDefaultController<Uint8Array> | null = null;
  let ended = false;
  let current = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = queue.shift();
        if (next) {
          current = next.at;
          controller.enqueue(next.bytes);
        } else if (ended) controller.close();
        else waiting = controller;
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    push(bytes) {
      const at = wallClock();
      if (waiting) {
        current = at;
        waiting.enqueue(bytes);
        waiting = null;
      } else queue.push({ bytes, at });
    },
    close() {
      ended = true;
      if (waiting && queue.length === 0) {
        waiting.close();
        waiting = null;
      }
    },
    arrivedAt: () => current,
  };
}
