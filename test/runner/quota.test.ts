import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { isMountPoint } from "../../runner/system/workspace-quota.ts";
import { SystemClient } from "../../src/runners/system-client.ts";
import { commandFor } from "../../src/shared/paths.ts";
import { systemSocketPath } from "../../src/shared/runner-layout.ts";

/**
 * Size-capped workspaces for real: `octo-runner --system --workspace-quota-mb 8` as root, a real
 * octo_* account. Filling the workspace stops at the cap (ENOSPC) while the same write into the
 * user's home — where the runner keeps its own state — goes through (the positive control: the
 * disk itself is not full), and the runner still starts.
 */
setDefaultTimeout(120_000);
const isRoot = process.getuid?.() === 0;
const tag = Math.random().toString(36).slice(2, 7);
const A = `rqa${tag}`;
const C = `rqc${tag}`;
const SERVER_GROUP = `octo-rq-${tag}`;
const QUOTA_MB = 8;
let runtime: string;
let images: string;
let system: Bun.Subprocess;
let systemLog = "";
let sys: SystemClient;

const sh = (argv: string[]) => Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
const passwd = (user: string) =>
  readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`))
    ?.split(":");

/** As the account really is (its own uid and primary group). */
function asUser(user: string, argv: string[]) {
  const entry = passwd(user);
  return Bun.spawnSync(argv, {
    uid: Number(entry?.[2]),
    gid: Number(entry?.[3]),
    env: { PATH: "/usr/bin:/bin", HOME: entry?.[5] ?? "/" },
    stdout: "pipe",
    stderr: "pipe",
  });
}

const fill = (user: string, file: string, mb: number) =>
  asUser(user, ["dd", "if=/dev/zero", `of=${file}`, "bs=1M", `count=${mb}`, "conv=fsync"]);

describe.skipIf(!isRoot)("workspace disk quota (real loop-mounted image)", () => {
  beforeAll(async () => {
    expect(sh(["groupadd", SERVER_GROUP]).exitCode).toBe(0);
    runtime = mkdtempSync("/tmp/octo-quota-test-");
    chmodSync(runtime, 0o755);
    images = join(runtime, "images");
    system = Bun.spawn(
      [
        ...commandFor("octo-runner"),
        "--system",
        "--runtime-dir",
        runtime,
        "--server-group",
        SERVER_GROUP,
        "--workspace-quota-mb",
        String(QUOTA_MB),
        "--workspace-images",
        images,
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    for await (const chunk of system.stderr as ReadableStream<Uint8Array>) {
      systemLog += Buffer.from(chunk).toString();
      if (systemLog.includes("system component listening")) break;
    }
    sys = new SystemClient(systemSocketPath(runtime));
  });

  afterAll(async () => {
    for (const name of [A, C]) {
      if (passwd(`octo_${name}`)) await sys.deleteUser(name, true);
      const home = `/home/octo_${name}`;
      if (isMountPoint(join(home, "octo"))) sh(["umount", join(home, "octo")]);
      if (passwd(`octo_${name}`)) sh(["userdel", "-r", `octo_${name}`]);
      rmSync(home, { recursive: true, force: true });
    }
    system.kill("SIGTERM");
    await system.exited;
    sh(["groupdel", SERVER_GROUP]);
    rmSync(runtime, { recursive: true, force: true });
  });

  test("ensure_user mounts a capped workspace owned by the user (0700), idempotent", async () => {
    const r = await sys.ensureUser(A);
    if (!r.ok) throw new Error(`${r.error.message}\n${systemLog}`);
    expect(isMountPoint(r.value.workspace)).toBe(true);
    expect(statSync(r.value.workspace)).toMatchObject({ uid: r.value.uid, gid: r.value.gid });
    expect(statSync(r.value.workspace).mode & 0o777).toBe(0o700);
    expect(existsSync(join(r.value.workspace, "lost+found"))).toBe(false);
    expect(statSync(join(images, `${A}.img`)).mode & 0o777).toBe(0o600);
    expect((await sys.ensureUser(A)).ok).toBe(true);
  });

  test("a full workspace refuses writes; the home (runner state) and the runner keep working", async () => {
    const user = `octo_${A}`;
    const workspace = `/home/${user}/octo`;
    const filled = fill(user, join(workspace, "big"), QUOTA_MB * 2);
    expect(filled.exitCode).not.toBe(0);
    expect(filled.stderr.toString()).toContain("No space left on device");
    // Positive control: the same amount written outside the workspace goes through.
    const state = `/home/${user}/.local/state`;
    expect(asUser(user, ["mkdir", "-p", state]).exitCode).toBe(0);
    const outside = fill(user, join(state, "big"), QUOTA_MB * 2);
    expect({ code: outside.exitCode, err: outside.stderr.toString() }).toMatchObject({ code: 0 });
    const started = await sys.startRunner(A);
    if (!started.ok) throw new Error(`${started.error.message}\n${systemLog}`);
    expect(started.value.running).toBe(true);
    expect((await sys.stopRunner(A)).ok).toBe(true);
  });

  test("start_runner mounts the image again when the mount is gone (as after a reboot)", async () => {
    const workspace = `/home/octo_${A}/octo`;
    expect(sh(["umount", workspace]).exitCode).toBe(0);
    expect(isMountPoint(workspace)).toBe(false);
    const started = await sys.startRunner(A);
    if (!started.ok) throw new Error(`${started.error.message}\n${systemLog}`);
    expect(isMountPoint(workspace)).toBe(true);
    expect(existsSync(join(workspace, "big"))).toBe(true);
    expect((await sys.stopRunner(A)).ok).toBe(true);
  });

  test("delete_user --purge unmounts and removes the image", async () => {
    const r = await sys.deleteUser(A, true);
    if (!r.ok) throw new Error(`${r.error.message}\n${systemLog}`);
    expect(isMountPoint(`/home/octo_${A}/octo`)).toBe(false);
    expect(existsSync(join(images, `${A}.img`))).toBe(false);
  });

  test("a workspace that already has files is refused, not mounted over (its files stay visible)", async () => {
    const workspace = `/home/octo_${C}/octo`;
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, "notes.txt"), "mine\n");
    const r = await sys.ensureUser(C);
    expect(!r.ok && r.error.code).toBe("conflict");
    expect(isMountPoint(workspace)).toBe(false);
    expect(readFileSync(join(workspace, "notes.txt"), "utf8")).toBe("mine\n");
    expect(existsSync(join(images, `${C}.img`))).toBe(false);
  });
});
