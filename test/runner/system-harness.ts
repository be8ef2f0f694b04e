import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRunnerManager, type RunnerManager } from "../../src/runners/manager.ts";
import { SystemClient } from "../../src/runners/system-client.ts";
import { createLogger } from "../../src/shared/log.ts";
import { commandFor } from "../../src/shared/paths.ts";
import { systemSocketPath } from "../../src/shared/runner-layout.ts";

const sh = (argv: string[]) => Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
export const passwd = (user: string) =>
  readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
export const uidOf = (user: string) => Number(passwd(user)?.split(":")[2]);

export interface SystemHarness {
  runtime: string;
  sys: SystemClient;
  manager: RunnerManager;
  log: () => string;
  /** A project folder in the user's workspace, owned by the user's account. */
  project(name: string): string;
  stop(): Promise<void>;
}

/**
 * A real `octo-runner --system` as root (a fresh runtime dir and server group), its client and a
 * multi-user runner manager. `stop` deletes the given platform users (their `octo_*` accounts and
 * homes) and the group.
 */
export async function startSystem(opts: {
  users: string[];
  env?: Record<string, string>;
  maxProcesses?: number;
}): Promise<SystemHarness> {
  const tag = Math.random().toString(36).slice(2, 7);
  const group = `octo-rt-${tag}`;
  if (sh(["groupadd", group]).exitCode !== 0) throw new Error(`groupadd ${group} failed`);
  const runtime = mkdtempSync("/tmp/octo-system-test-");
  chmodSync(runtime, 0o755);
  const max = String(opts.maxProcesses ?? 8);
  const proc = Bun.spawn(
    [
      ...commandFor("octo-runner"),
      "--system",
      "--runtime-dir",
      runtime,
      "--server-group",
      group,
      "--max-processes",
      max,
    ],
    { env: { ...process.env, ...opts.env }, stdout: "ignore", stderr: "pipe" },
  );
  let log = "";
  const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
  while (!log.includes("system component listening")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`system component exited: ${log}`);
    log += Buffer.from(value).toString();
  }
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      log += Buffer.from(value).toString();
    }
  })();
  const sys = new SystemClient(systemSocketPath(runtime));
  const manager = createRunnerManager({
    mode: "multi-user",
    socketDir: runtime,
    workspaceDir: "/home",
    maxProcesses: Number(max),
    logFormat: "text",
    log: createLogger({ level: "warn" }),
  });
  return {
    runtime,
    sys,
    manager,
    log: () => log,
    project(name) {
      const dir = `/home/octo_${name}/octo/proj`;
      mkdirSync(dir, { recursive: true });
      const uid = uidOf(`octo_${name}`);
      for (const d of [`/home/octo_${name}/octo`, dir]) chownSync(d, uid, uid);
      return dir;
    },
    async stop() {
      manager.close();
      for (const name of opts.users) {
        if (passwd(`octo_${name}`)) await sys.deleteUser(name, true);
        if (passwd(`octo_${name}`)) sh(["userdel", "-r", `octo_${name}`]);
        rmSync(`/home/octo_${name}`, { recursive: true, force: true });
      }
      proc.kill("SIGTERM");
      await proc.exited;
      sh(["groupdel", group]);
      rmSync(runtime, { recursive: true, force: true });
    },
  };
}
