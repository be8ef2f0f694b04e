import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { descendants } from "../../src/shared/proctree.ts";

/**
 * The sandboxes a runner has started (its own child: bwrap, decision 0034), on disk: `pid
 * starttime` per line. A runner that dies without stopping them (SIGKILL, OOM) leaves the file behind; the next
 * runner on the same socket kills whatever is still listed — the pid only if it is still the very
 * process that was started (same start time, so a reused pid is never hit) — with everything below
 * it. Sandboxes also die with their runner (bwrap's `--die-with-parent`): this is the second line,
 * for one that got no signal (started in the instant its runner died, or older than that rule).
 */
export class SandboxLedger {
  private readonly live = new Map<number, string>();

  constructor(readonly file: string) {}

  /** One ledger per runner socket, in the account's state directory (kept across runner restarts). */
  static forRunner(socketPath: string, env: Record<string, string | undefined> = process.env): SandboxLedger {
    const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
    const key = Bun.hash(socketPath).toString(16);
    return new SandboxLedger(join(state, "octo", `sandboxes-${key}.pids`));
  }

  record(pid: number): void {
    const start = startTimeOf(pid);
    if (start === undefined) return; // already gone
    this.live.set(pid, start);
    this.save();
  }

  forget(pid: number): void {
    if (this.live.delete(pid)) this.save();
  }

  /** Kills what a dead predecessor left (call only once no other runner serves this socket). */
  sweep(): number[] {
    let text = "";
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return [];
    }
    const killed: number[] = [];
    for (const line of text.split("\n")) {
      const [pidText, start] = line.trim().split(" ");
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 1 || !start || startTimeOf(pid) !== start) continue;
      const tree = [pid, ...descendants(pid)];
      for (const member of tree) {
        try {
          process.kill(member, "SIGKILL");
          killed.push(member);
        } catch {
          // gone meanwhile, or not ours to signal
        }
      }
    }
    this.save();
    return killed;
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const text = [...this.live].map(([pid, start]) => `${pid} ${start}\n`).join("");
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; undefined when gone. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
