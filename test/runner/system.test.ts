import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import type { LlmProxy } from "../../src/llm/proxy.ts";
import { serveLlmSocket } from "../../src/llm/socket.ts";
import { createRunnerManager, type RunnerManager } from "../../src/runners/manager.ts";
import { SystemClient } from "../../src/runners/system-client.ts";
import { LLM_SOCKET_MODE, llmSocketsDir, multiUserLlmSocket } from "../../src/shared/llm-socket-layout.ts";
import { createLogger } from "../../src/shared/log.ts";
import { commandFor } from "../../src/shared/paths.ts";
import { isAlive } from "../../src/shared/proctree.ts";
import { multiUserRunnerFiles, systemSocketPath } from "../../src/shared/runner-layout.ts";
import { EventLog, rawLines, waitUntil } from "./harness.ts";

/**
 * Multi-user mode for real: `octo-runner --system` as root creates real `octo_*` Linux users and
 * starts each one's runner as that uid; the server side reaches them through the manager.
 */
setDefaultTimeout(120_000);
const tag = Math.random().toString(36).slice(2, 7);
const A = `rta${tag}`;
const B = `rtb${tag}`;
const SERVER_GROUP = `octo-rt-${tag}`;
let runtime: string;
let system: Bun.Subprocess;
let systemLog = "";
let sys: SystemClient;
let manager: RunnerManager;

const sh = (argv: string[]) => Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
const passwd = (user: string) =>
  readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
const uidOf = (user: string) => Number(passwd(user)?.split(":")[2]);
const gidOfGroup = (g: string) =>
  Number(
    readFileSync("/etc/group", "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${g}:`))
      ?.split(":")[2],
  );
const mode = (p: string) => statSync(p).mode & 0o777;

/** Run a command as a platform user's Linux account (for the permission checks). */
function asUser(user: string, argv: string[]) {
  const uid = uidOf(user);
  return Bun.spawnSync(argv, {
    uid,
    gid: uid,
    env: { PATH: "/usr/bin:/bin", HOME: "/" },
    stdout: "pipe",
    stderr: "pipe",
  });
}

beforeAll(async () => {
  expect(sh(["groupadd", SERVER_GROUP]).exitCode).toBe(0);
  runtime = mkdtempSync("/tmp/octo-system-test-");
  chmodSync(runtime, 0o755);
  system = Bun.spawn(
    [
      ...commandFor("octo-runner"),
      "--system",
      "--runtime-dir",
      runtime,
      "--server-group",
      SERVER_GROUP,
      "--max-processes",
      "4",
    ],
    {
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  const ready = (async () => {
    for await (const chunk of system.stderr as ReadableStream<Uint8Array>) {
      systemLog += Buffer.from(chunk).toString();
      if (systemLog.includes("system component listening")) return;
    }
    throw new Error(`system component exited: ${systemLog}`);
  })();
  await ready;
  (async () => {
    for await (const chunk of system.stderr as ReadableStream<Uint8Array>)
      systemLog += Buffer.from(chunk).toString();
  })();
  sys = new SystemClient(systemSocketPath(runtime));
  manager = createRunnerManager({
    mode: "multi-user",
    socketDir: runtime,
    workspaceDir: "/home",
    maxProcesses: 4,
    logFormat: "text",
    log: createLogger({ level: "warn" }),
  });
});

afterAll(async () => {
  manager?.close();
  for (const name of [A, B]) {
    if (passwd(`octo_${name}`)) await sys.deleteUser(name, true);
    if (passwd(`octo_${name}`)) sh(["userdel", "-r", `octo_${name}`]);
    rmSync(`/home/octo_${name}`, { recursive: true, force: true });
  }
  system.kill("SIGTERM");
  await system.exited;
  sh(["groupdel", SERVER_GROUP]);
  rmSync(runtime, { recursive: true, force: true });
});

describe("octo-runner --system (real Linux users)", () => {
  test("the system socket is root:<server group> 0660", () => {
    const st = statSync(systemSocketPath(runtime));
    expect(st.uid).toBe(0);
    expect(st.gid).toBe(gidOfGroup(SERVER_GROUP));
    expect(mode(systemSocketPath(runtime))).toBe(0o660);
  });

  test("ensure_user creates octo_<name> with a 0700 home and workspace; idempotent", async () => {
    const r = await sys.ensureUser(A);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.linux_user).toBe(`octo_${A}`);
    expect(passwd(`octo_${A}`)).toContain(`/home/octo_${A}:/usr/sbin/nologin`);
    for (const dir of [r.value.home, r.value.workspace]) {
      expect(statSync(dir).uid).toBe(r.value.uid);
      expect(mode(dir)).toBe(0o700);
    }
    const again = await sys.ensureUser(A);
    expect(again.ok && again.value.uid).toBe(r.value.uid);
    expect((await sys.ensureUser(B)).ok).toBe(true);
  });

  test("invalid names, unknown ops and smuggled paths are refused; the component keeps serving", async () => {
    for (const name of ["Alice", "../etc", "a b", "", "x".repeat(31), "root;id", "-x"]) {
      const r = await sys.ensureUser(name);
      expect(!r.ok && r.error.code).toBe("validation_failed");
    }
    const c = await rawLines(systemSocketPath(runtime));
    c.send(`${JSON.stringify({ id: 1, op: "ensure_user", name: "ok", home: "/etc" })}\n`);
    expect(await c.next()).toMatchObject({ id: 1, ok: false, error: { code: "validation_failed" } });
    c.send(`${JSON.stringify({ id: 2, op: "exec", argv: ["id"] })}\n`);
    expect(await c.next()).toMatchObject({ id: 2, ok: false, error: { code: "unknown_command" } });
    c.send("}{\n");
    expect(await c.next()).toMatchObject({ id: null, ok: false, error: { code: "invalid_json" } });
    c.send(`${JSON.stringify({ id: 3, op: "start_runner", name: "nobodyhere" })}\n`);
    expect(await c.next()).toMatchObject({ id: 3, ok: false, error: { code: "not_found" } });
    c.close();
    expect(passwd("octo_ok")).toBeUndefined();
    expect((await sys.status()).ok).toBe(true);
  });

  test("start_runner runs each runner as its own uid, in a directory only it and the server group can enter", async () => {
    const pids: number[] = [];
    for (const name of [A, B]) {
      const r = await sys.startRunner(name);
      if (!r.ok) throw new Error(`${r.error.message}\n${systemLog}`);
      expect(r.value.running).toBe(true);
      pids.push(r.value.pid as number);
      const files = multiUserRunnerFiles(runtime, name);
      const uid = uidOf(`octo_${name}`);
      expect(Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${r.value.pid}/status`, "utf8"))?.[1])).toBe(
        uid,
      );
      expect(statSync(files.dir)).toMatchObject({ uid, gid: gidOfGroup(SERVER_GROUP) });
      expect(mode(files.dir)).toBe(0o750);
      expect(mode(files.socket)).toBe(0o660);
      expect(statSync(files.serverSecret)).toMatchObject({ uid: 0, gid: gidOfGroup(SERVER_GROUP) });
      expect(mode(files.serverSecret)).toBe(0o440);
      expect(statSync(files.runnerSecret).uid).toBe(uid);
      expect(mode(files.runnerSecret)).toBe(0o400);
    }
    // starting again reuses the live runner
    const again = await sys.startRunner(A);
    expect(again.ok && again.value.pid).toBe(pids[0] as number);
  });

  test("user B can neither connect to A's runner socket nor read A's secret (control: A can)", () => {
    const files = multiUserRunnerFiles(runtime, A);
    const connectArgv = ["socat", "-u", "/dev/null", `UNIX-CONNECT:${files.socket}`];
    const denied = asUser(`octo_${B}`, connectArgv);
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr.toString()).toContain("Permission denied");
    expect(asUser(`octo_${A}`, connectArgv).exitCode).toBe(0);
    for (const f of [files.runnerSecret, files.serverSecret]) {
      const r = asUser(`octo_${B}`, ["cat", f]);
      expect(r.exitCode).not.toBe(0);
    }
    expect(asUser(`octo_${A}`, ["cat", files.runnerSecret]).exitCode).toBe(0);
  });

  test("A's LLM socket is 0660, group octo_A, in a setgid dir only the server owns; B cannot connect (control: A can)", async () => {
    const place = multiUserLlmSocket(runtime, A);
    const gidA = Number(passwd(`octo_${A}`)?.split(":")[3]);
    // No user is named like the test's server group: the server is root here, as these tests are.
    expect(statSync(place.dir)).toMatchObject({ uid: 0, gid: gidA });
    expect(statSync(place.dir).mode & 0o7777).toBe(0o2750);
    expect(statSync(llmSocketsDir(runtime)).mode & 0o777).toBe(0o711);
    const socket = serveLlmSocket((() => new Response("llm")) as unknown as LlmProxy, {
      path: place.path,
      userId: "usr_test",
      mode: LLM_SOCKET_MODE.multiUser,
    });
    try {
      expect(statSync(place.path)).toMatchObject({ uid: 0, gid: gidA });
      expect(mode(place.path)).toBe(0o660);
      // As the account really is: its own primary group (which need not share the uid's number).
      const connectAs = (user: string) =>
        Bun.spawnSync(["socat", "-u", "/dev/null", `UNIX-CONNECT:${place.path}`], {
          uid: uidOf(user),
          gid: Number(passwd(user)?.split(":")[3]),
          env: { PATH: "/usr/bin:/bin", HOME: "/" },
          stdout: "pipe",
          stderr: "pipe",
        });
      expect(connectAs(`octo_${A}`).exitCode).toBe(0);
      const denied = connectAs(`octo_${B}`);
      expect(denied.exitCode).not.toBe(0);
      expect(denied.stderr.toString()).toContain("Permission denied");
      // A second runner start keeps the directory (and the server's live socket in it).
      expect((await sys.startRunner(A)).ok).toBe(true);
      expect(existsSync(place.path)).toBe(true);
    } finally {
      await socket.stop();
    }
  });

  test("through the manager: A's process runs sandboxed as octo_A; A's runner refuses B and B's workspace", async () => {
    const client = await manager.forUser(A);
    if (!client.ok) throw new Error(client.error.message);
    const ws = `/home/octo_${A}/octo/proj`;
    mkdirSync(ws, { recursive: true });
    chownSync(ws, uidOf(`octo_${A}`), uidOf(`octo_${A}`));
    const r = await client.value.spawn({
      profile: "minimal",
      project: ws,
      argv: ["sh", "-c", "id -u; pwd; ls /home 2>&1"],
    });
    if (!r.ok) throw new Error(r.error.message);
    const log = new EventLog();
    await client.value.subscribe(r.value.proc, 0, log.push);
    const exit = await log.waitExit();
    expect(exit.code).toBe(0);
    expect(log.text()).toContain(`${uidOf(`octo_${A}`)}\n/workspace\n`);
    expect(log.text()).not.toContain(`octo_${B}`);

    const forB = await client.value.call("spawn", { user: B, profile: "minimal", project: ws, argv: ["id"] });
    expect(!forB.ok && forB.error.code).toBe("forbidden");
    const bWorkspace = await client.value.spawn({
      profile: "minimal",
      project: `/home/octo_${B}/octo`,
      argv: ["id"],
    });
    expect(!bWorkspace.ok && bWorkspace.error.code).toBe("path_outside_workspace");
    const badName = await manager.forUser("../root");
    expect(!badName.ok && badName.error.code).toBe("validation_failed");
  });

  test("status: the manager reports each runner's user, pid, uptime and processes", async () => {
    expect((await manager.forUser(B)).ok).toBe(true);
    const rows = await manager.status();
    const names = rows.map((r) => r.user).sort();
    expect(names).toEqual([A, B].sort());
    for (const row of rows) {
      expect(row.connected).toBe(true);
      expect(row.pid).toBeGreaterThan(1);
      expect(row.uptime_ms).toBeGreaterThan(0);
      expect(row.processes).toBe(0);
    }
  });

  test("stop_runner stops it; after start_runner the server's client reconnects with the new secret", async () => {
    const client = await manager.forUser(A);
    if (!client.ok) throw new Error(client.error.message);
    const before = await sys.status();
    const pid = before.ok ? before.value.runners.find((r) => r.name === A)?.pid : null;
    expect(pid).toBeGreaterThan(1);
    const oldSecret = readFileSync(multiUserRunnerFiles(runtime, A).serverSecret, "utf8");
    const stopped = await sys.stopRunner(A);
    expect(stopped.ok && stopped.value.stopped).toBe(true);
    expect(isAlive(pid as number)).toBe(false);
    const started = await sys.startRunner(A);
    expect(started.ok).toBe(true);
    expect(readFileSync(multiUserRunnerFiles(runtime, A).serverSecret, "utf8")).not.toBe(oldSecret);
    await waitUntil("the client to reconnect", async () => {
      const s = await client.value.status();
      return s.ok && s.value.pid === (started.ok && started.value.pid);
    });
  });

  test("delete_user: purge removes account, home and runner; without purge the home stays", async () => {
    const a = await sys.deleteUser(A, true);
    expect(a.ok && a.value.purged).toBe(true);
    expect(passwd(`octo_${A}`)).toBeUndefined();
    expect(existsSync(`/home/octo_${A}`)).toBe(false);
    expect(existsSync(multiUserRunnerFiles(runtime, A).dir)).toBe(false);

    const b = await sys.deleteUser(B, false);
    expect(b.ok && b.value.purged).toBe(false);
    expect(passwd(`octo_${B}`)).toBeUndefined();
    expect(existsSync(`/home/octo_${B}`)).toBe(true);
    rmSync(`/home/octo_${B}`, { recursive: true, force: true });
    const gone = await sys.deleteUser(B, true);
    expect(!gone.ok && gone.error.code).toBe("not_found");
  });
});
