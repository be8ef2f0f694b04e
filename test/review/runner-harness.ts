import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunnerClient } from "../../src/runners/client.ts";
import { commandFor } from "../../src/shared/paths.ts";
import { newHandshakeSecret, singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";

export interface ReviewRunner {
  proc: Bun.Subprocess;
  client: RunnerClient;
  stderr: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A real octo-runner in single-user layout under `root` (as the current user), with its checkpoint
 * store in `<root>/state`; started again on the same root after a kill, it finds what it left.
 */
export async function runnerAt(root: string, env: Record<string, string> = {}): Promise<ReviewRunner> {
  const sockDir = join(root, "run");
  mkdirSync(sockDir, { recursive: true, mode: 0o700 });
  chmodSync(root, 0o755);
  const files = singleUserRunnerFiles(sockDir);
  writeFileSync(files.runnerSecret, `${newHandshakeSecret()}\n`, { mode: 0o600 });
  mkdirSync(join(root, "octo", "proj"), { recursive: true });
  const argv = [
    ...commandFor("octo-runner"),
    "--user",
    "local",
    "--socket-dir",
    sockDir,
    "--workspace",
    join(root, "octo"),
  ];
  let stderr = "";
  let listening!: () => void;
  const ready = new Promise<void>((r) => {
    listening = r;
  });
  const proc = Bun.spawn(argv, {
    env: { ...process.env, XDG_STATE_HOME: join(root, "state"), ...env },
    stdout: "ignore",
    stderr: "pipe",
  });
  (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
      stderr += Buffer.from(chunk).toString();
      if (stderr.includes("runner listening")) listening();
    }
  })();
  await Promise.race([
    ready,
    proc.exited.then((code) => {
      throw new Error(`runner exited ${code}: ${stderr}`);
    }),
  ]);
  const client = new RunnerClient({
    user: "local",
    socketPath: files.socket,
    secretFile: files.serverSecret,
  });
  const r = await client.connect();
  if (!r.ok) throw new Error(r.error.message);
  return {
    proc,
    client,
    stderr: () => stderr,
    async kill(signal = "SIGKILL") {
      client.close();
      proc.kill(signal);
      await proc.exited;
    },
  };
}
