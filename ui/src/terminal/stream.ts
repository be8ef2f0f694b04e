import type { TerminalEvent } from "../../../src/protocol/terminal.ts";

/** The part of a terminal emulator a stream drives. */
export interface Screen {
  write(bytes: Uint8Array): void;
  reset(): void;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export function decodeBase64(data: string): Uint8Array {
  const bin = atob(data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * One terminal's events onto one screen. Seqs only rise: anything at or below the last applied
 * seq is a duplicate (a replay racing live output) and is skipped, so re-attaching with
 * `after_seq = lastSeq` after any reconnect shows every byte exactly once.
 */
export class TerminalStream {
  lastSeq = 0;
  exit: ExitStatus | null = null;

  constructor(
    readonly id: string,
    private readonly screen: Screen,
  ) {}

  /** What to send as `after_seq` when (re)attaching. */
  afterSeq(): number | undefined {
    return this.lastSeq > 0 ? this.lastSeq : undefined;
  }

  apply(e: TerminalEvent): boolean {
    if (e.terminal_id !== this.id || e.seq <= this.lastSeq) return false;
    this.lastSeq = e.seq;
    if (e.event === "output") this.screen.write(decodeBase64(e.data));
    else if (e.event === "reset") this.screen.reset();
    else this.exit = { code: e.code, signal: e.signal };
    return true;
  }
}
