import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { RunnerClient } from "../../src/runners/client.ts";
import { EventLog, type LocalRunner, rawLines, startLocalRunner } from "./harness.ts";

/**
 * Bad input never takes the runner down or disturbs other connections: a bystander client keeps
 * a process running and talks to it before and after every hostile connection below.
 */
setDefaultTimeout(60_000);
let runner: LocalRunner;
let bystander: RunnerClient;
let echoProc: string;
let echoLog: EventLog;
let round = 0;

beforeAll(async () => {
  runner = await startLocalRunner({ user: "alice" });
  bystander = await runner.client();
  const r = await bystander.spawn({
    profile: "minimal",
    project: runner.project,
    argv: ["sh", "-c", 'while read -r l; do echo "pong-$l"; done'],
  });
  if (!r.ok) throw new Error(r.error.message);
  echoProc = r.value.proc;
  echoLog = new EventLog();
  await bystander.subscribe(echoProc, 0, echoLog.push);
});

afterAll(async () => {
  // The bystander was never disturbed: one last round trip on the same connection.
  await bystanderRoundTrip();
  expect(runner.proc.exitCode).toBeNull();
  await runner.stop();
});

async function bystanderRoundTrip() {
  const n = ++round;
  expect((await bystander.write(echoProc, `${n}\n`)).ok).toBe(true);
  await echoLog.waitText(`pong-${n}\n`);
}

const secret = () => readFileSync(runner.files.runnerSecret, "utf8").trim();

async function authed() {
  const c = await rawLines(runner.files.socket);
  c.send(`${JSON.stringify({ id: 1, op: "hello", secret: secret(), protocol: 1 })}\n`);
  const hello = await c.next();
  expect(hello.ok).toBe(true);
  return c;
}

describe("bad input", () => {
  test("a wrong handshake secret gets an error and the connection is closed", async () => {
    const c = await rawLines(runner.files.socket);
    c.send(`${JSON.stringify({ id: 1, op: "hello", secret: "not-the-secret", protocol: 1 })}\n`);
    const r = await c.next();
    expect(r).toMatchObject({ id: 1, ok: false, error: { code: "unauthorized" } });
    await c.closed();
    await bystanderRoundTrip();
  });

  test("any request before hello is refused and closes the connection", async () => {
    const c = await rawLines(runner.files.socket);
    c.send(`${JSON.stringify({ id: 7, op: "list" })}\n`);
    expect(await c.next()).toMatchObject({ id: 7, ok: false, error: { code: "unauthorized" } });
    await c.closed();
  });

  test("garbage before hello closes the connection", async () => {
    const c = await rawLines(runner.files.socket);
    c.send("\x00\xff not json\n");
    expect(await c.next()).toMatchObject({ id: null, ok: false, error: { code: "invalid_json" } });
    await c.closed();
    await bystanderRoundTrip();
  });

  test("the real client refuses a runner that serves someone else", async () => {
    const wrong = runner.client("bob");
    await expect(wrong).rejects.toThrow(/serves alice, not bob/);
  });

  test("after hello: malformed lines, unknown ops and invalid fields get clear errors; the connection carries on", async () => {
    const c = await authed();
    c.send("{not json\n");
    expect(await c.next()).toMatchObject({ id: null, ok: false, error: { code: "invalid_json" } });
    c.send(`${JSON.stringify([1, 2, 3])}\n`);
    expect(await c.next()).toMatchObject({ ok: false, error: { code: "validation_failed" } });
    c.send(`${JSON.stringify({ id: 2, op: "format_disk" })}\n`);
    expect(await c.next()).toMatchObject({ id: 2, ok: false, error: { code: "unknown_command" } });
    c.send(`${JSON.stringify({ id: 3, op: "kill", proc: "../../etc" })}\n`);
    expect(await c.next()).toMatchObject({ id: 3, ok: false, error: { code: "validation_failed" } });
    c.send(
      `${JSON.stringify({ id: 4, op: "spawn", user: "alice", profile: "minimal", project: runner.project, argv: [] })}\n`,
    );
    expect(await c.next()).toMatchObject({ id: 4, ok: false, error: { code: "validation_failed" } });
    c.send(`${JSON.stringify({ id: 5, op: "write", proc: echoProc, data: "%%%not base64" })}\n`);
    expect(await c.next()).toMatchObject({ id: 5, ok: false, error: { code: "validation_failed" } });
    c.send(`${JSON.stringify({ id: 6, op: "status", extra: "key" })}\n`);
    expect(await c.next()).toMatchObject({ id: 6, ok: false, error: { code: "validation_failed" } });
    c.send(`${JSON.stringify({ id: 8, op: "kill", proc: "prc_0000000000000000000000000000" })}\n`);
    expect(await c.next()).toMatchObject({ id: 8, ok: false, error: { code: "not_found" } });
    c.send(`${JSON.stringify({ id: 9, op: "hello", secret: secret(), protocol: 1 })}\n`);
    expect(await c.next()).toMatchObject({ id: 9, ok: false, error: { code: "conflict" } });
    // still usable
    c.send(`${JSON.stringify({ id: 10, op: "status" })}\n`);
    expect(await c.next()).toMatchObject({ id: 10, ok: true, data: { user: "alice" } });
    expect(c.isClosed()).toBe(false);
    c.close();
    await bystanderRoundTrip();
  });

  test("an over-long line is refused without losing the connection", async () => {
    const c = await authed();
    c.send(`${JSON.stringify({ id: 2, op: "write", proc: echoProc, data: "A".repeat(5 * 1024 * 1024) })}\n`);
    expect(await c.next()).toMatchObject({ id: null, ok: false, error: { code: "payload_too_large" } });
    c.send(`${JSON.stringify({ id: 3, op: "status" })}\n`);
    expect(await c.next()).toMatchObject({ id: 3, ok: true });
    c.close();
    await bystanderRoundTrip();
  });

  test("a project outside the workspace is refused, also through a symlink or ..", async () => {
    const outside = join(runner.root, "outside");
    mkdirSync(outside, { recursive: true });
    const link = join(runner.workspace, "sneaky");
    symlinkSync(outside, link);
    for (const project of ["/etc", outside, link, join(runner.workspace), "/nonexistent/x"]) {
      const r = await bystander.spawn({ profile: "minimal", project, argv: ["true"] });
      expect(!r.ok && r.error.code).toBe("path_outside_workspace");
    }
    const dotdot = await bystander.call("spawn", {
      user: "alice",
      profile: "minimal",
      project: `${runner.project}/../../outside`,
      argv: ["true"],
    });
    expect(!dotdot.ok && dotdot.error.code).toBe("validation_failed");
    const missing = await bystander.spawn({
      profile: "minimal",
      project: join(runner.workspace, "nope"),
      argv: ["true"],
    });
    expect(!missing.ok && missing.error.code).toBe("not_found");
    await bystanderRoundTrip();
  });

  test("spawning for another user, or an invalid user name, is refused", async () => {
    const other = await bystander.call("spawn", {
      user: "bob",
      profile: "minimal",
      project: runner.project,
      argv: ["id"],
    });
    expect(!other.ok && other.error.code).toBe("forbidden");
    for (const user of ["Bob", "../root", "a".repeat(40), "", "root;id"]) {
      const r = await bystander.call("spawn", {
        user,
        profile: "minimal",
        project: runner.project,
        argv: ["id"],
      });
      expect(!r.ok && r.error.code).toBe("validation_failed");
    }
    await bystanderRoundTrip();
  });

  test("a profile that does not exist: the sandbox refuses, the runner reports it as the process's exit", async () => {
    const r = await bystander.spawn({ profile: "no-such-profile", project: runner.project, argv: ["true"] });
    if (!r.ok) throw new Error(r.error.message);
    const log = new EventLog();
    await bystander.subscribe(r.value.proc, 0, log.push);
    const exit = await log.waitExit();
    expect(exit.code).not.toBe(0);
    expect(log.text()).toContain("no-such-profile");
    await bystanderRoundTrip();
  });

  test("adopt: a bad session id, an unknown process or one that is not an agent is refused clearly", async () => {
    for (const session of ["../ses_x", "ses_", "notases_1", "ses_a/b"]) {
      const r = await bystander.call("adopt", { proc: echoProc, session });
      expect(!r.ok && r.error.code).toBe("validation_failed");
    }
    const unknown = await bystander.adopt(
      "prc_0000000000000000000000000000",
      "ses_0123456789abcdef0123456789ab",
      5000,
    );
    expect(!unknown.ok && unknown.error.code).toBe("agent_crashed");
    const raw = await bystander.adopt(echoProc, "ses_0123456789abcdef0123456789ab", 5000);
    expect(!raw.ok && raw.error.code).toBe("conflict");
    await bystanderRoundTrip();
  });

  test("writing raw bytes: a base64 payload arrives byte for byte", async () => {
    const r = await bystander.write(echoProc, Buffer.from("bytes-\u00e9\n"));
    expect(r.ok && r.value.bytes).toBe(9);
    await echoLog.waitText("pong-bytes-é\n");
  });
});
