import type { Result } from "../../src/protocol/errors.ts";
import type { AgentSpawn, ProcessKind, RunnerEvent, RunnerEventBody } from "../../src/protocol/runner.ts";

export type OutputStream = "stdout" | "stderr" | "pty";

/**
 * How one kind of process turns its output into events. Spawning, seq numbering, acks,
 * buffering and supervision are shared; only this translation differs. `raw` forwards bytes
 * (terminals, commands); `agent` turns pi's stdout into canonical agent events and answers
 * canonical commands by writing pi's RPC to its stdin.
 */
export interface KindTranslator {
  output(stream: OutputStream, bytes: Uint8Array): void;
  /** The process's output has ended: flush anything held back (e.g. a partial line). */
  end(status: { code: number | null; signal: string | null }): void;
  /** A command for the process (kinds that speak a protocol on stdin). */
  command?(command: unknown): Promise<Result<unknown>>;
  /** Agents: work for `session` from now on, resuming its pi file at `sessionPath` (in the sandbox). */
  adopt?(session: string, sessionPath: string): Promise<Result<unknown>>;
}

/** What a translator may do to its process besides reading it. */
export interface ProcessStdin {
  write(bytes: Uint8Array): number;
  closeStdin(): void;
}

export interface ProcessKindImpl {
  readonly name: ProcessKind;
  /** A fresh translator per launch (a restart starts a new one). `emit` returns the numbered event. */
  translator(
    emit: (event: RunnerEventBody) => RunnerEvent,
    stdin: ProcessStdin,
    agent?: AgentSpawn,
    /** The project folder the process works in (an agent checkpoints it before each turn). */
    project?: string,
  ): KindTranslator;
}
