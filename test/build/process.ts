import type { Subprocess } from "bun";

/** Helpers to drive a real child process: wait for a line, collect output, stop it. No sleeps. */

export interface LineReader {
  lines: string[];
  /** Resolves with the first line (already seen or future) that matches; rejects on timeout or EOF. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  closed: Promise<void>;
}

export function readLines(stream: ReadableStream<Uint8Array>): LineReader {
  const lines: string[] = [];
  const waiters = new Set<{ match: (l: string) => boolean; resolve: (l: string) => void }>();
  let ended = false;
  const endWaiters = new Set<() => void>();
  const closed = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        for (const w of waiters) {
          if (w.match(line)) {
            waiters.delete(w);
            w.resolve(line);
          }
        }
        nl = buffer.indexOf("\n");
      }
    }
    if (buffer) lines.push(buffer);
    ended = true;
    for (const f of endWaiters) f();
  })();
  return {
    lines,
    closed,
    waitFor(match, timeoutMs = 15_000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      if (ended)
        return Promise.reject(new Error(`stream ended without a matching line:\n${lines.join("\n")}`));
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (l: string) => {
            clearTimeout(timer);
            endWaiters.delete(onEnd);
            resolve(l);
          },
        };
        const onEnd = () => {
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`stream ended without a matching line:\n${lines.join("\n")}`));
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          endWaiters.delete(onEnd);
          reject(new Error(`no matching line within ${timeoutMs} ms:\n${lines.join("\n")}`));
        }, timeoutMs);
        waiters.add(waiter);
        endWaiters.add(onEnd);
      });
    },
  };
}

export interface Served {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  stdout: LineReader;
  stderr: LineReader;
}

/** Starts `octo serve --port 0 --log-format json …` and resolves once it logged where it listens. */
export async function startServe(
  argv: string[],
  opts: { cwd: string; env: Record<string, string> },
): Promise<Served> {
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd,
    env: opts.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = readLines(proc.stdout);
  const stderr = readLines(proc.stderr);
  const listening = await stderr.waitFor((l) => l.includes('"octo listening"'));
  const url = (JSON.parse(listening) as { url: string }).url;
  return { proc, url, stdout, stderr };
}

/**
 * `octo serve` (single-user) starts a detached runner and LLM gateway that outlive it by design; a
 * test that started a server stops them too, by their pid files in `$XDG_RUNTIME_DIR/octo`.
 */
export async function stopDetachedRunner(xdgRuntimeDir: string, timeoutMs = 10_000): Promise<void> {
  await stopByPidFile(`${xdgRuntimeDir}/octo/llm-gateway/gateway.pid`, timeoutMs);
  await stopByPidFile(`${xdgRuntimeDir}/octo/runner.pid`, timeoutMs);
}

async function stopByPidFile(path: string, timeoutMs: number): Promise<void> {
  const pidFile = Bun.file(path);
  if (!(await pidFile.exists())) return;
  const pid = Number((await pidFile.text()).trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (alive()) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL");
      return;
    }
    await Bun.sleep(20); // polling a condition (the pid is not our child: no exit event to await)
  }
}
