import type { Subprocess } from "bun";
import { MAIN } from "../cli/run.ts";

/** A real `octo serve` from source as its own process, its output collected as it comes. */
export interface ServeProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the URL once the server says it is running; rejects if it exits first. */
  running: Promise<string>;
  exited: Promise<number>;
}

const spawned = new Set<Subprocess>();

/** Kill every server this file started that is still running (a failed test must not leave one). */
export function killServes(): void {
  for (const p of spawned) if (p.exitCode === null) p.kill("SIGKILL");
}

export function spawnServe(env: Record<string, string>, args: string[] = []): ServeProcess {
  const proc = Bun.spawn([process.execPath, MAIN, "serve", "--port", "0", ...args], {
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  spawned.add(proc);
  let out = "";
  let err = "";
  let onLine: () => void = () => {};
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      add(decoder.decode(chunk, { stream: true }));
      onLine();
    }
  };
  const drained = Promise.all([
    pump(proc.stdout, (s) => {
      out += s;
    }),
    pump(proc.stderr, (s) => {
      err += s;
    }),
  ]);
  const exited = drained.then(() => proc.exited);
  const running = new Promise<string>((resolve, reject) => {
    onLine = () => {
      const m = /octo is running at (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    };
    exited.then((code) => reject(new Error(`octo serve exited ${code} before running:\n${out}\n${err}`)));
  });
  running.catch(() => {});
  return { proc, stdout: () => out, stderr: () => err, running, exited };
}
