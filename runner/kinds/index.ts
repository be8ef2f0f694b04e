import type { ProcessKind, RunnerEventBody } from "../../src/protocol/runner.ts";
import { rawKind } from "./raw.ts";

export type OutputStream = "stdout" | "stderr" | "pty";

/**
 * How one kind of process turns its output into events. Spawning, seq numbering, acks,
 * buffering and supervision are shared; only this translation differs. `raw` forwards bytes
 * (terminals, commands); a later `agent` kind will turn pi's stdout into canonical agent events.
 */
export interface KindTranslator {
  output(stream: OutputStream, bytes: Uint8Array): void;
  /** The process's output has ended: flush anything held back (e.g. a partial line). */
  end(): void;
}

export interface ProcessKindImpl {
  readonly name: ProcessKind;
  /** A fresh translator per launch (a restart starts a new one). */
  translator(emit: (event: RunnerEventBody) => void): KindTranslator;
}

export const PROCESS_KIND_IMPLS: Record<ProcessKind, ProcessKindImpl> = {
  raw: rawKind,
};
