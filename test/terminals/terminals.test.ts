import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import type { RunningServer } from "../../src/server/start.ts";
import { addUser, startServerIn, startTestServer, type TestServer } from "../http/harness.ts";
import { waitUntil } from "../runner/harness.ts";
import { login, MuxClient, makeProject, pidsMatching, stopLocalRunner } from "./harness.ts";

/**
 * Terminals end to end: the real server (port 0, temp HOME), the real single-user runner it starts,
 * the real sandbox (bwrap) and a real WebSocket on the mux.
 */
setDefaultTimeout(60_000);

let t: TestServer;
let server: RunningServer;
let alice: { id: string; cookie: string | undefined };
let bob: { id: string; cookie: string | undefined };
let project: ReturnType<typeof makeProject>;
let bobProject: ReturnType<typeof makeProject>;
const sockets: MuxClient[] = [];

async function socket(cookie = alice.cookie): Promise<MuxClient> {
  const s = await MuxClient.connect(t.url, cookie);
  sockets.push(s);
  return s;
}

async function openTerminal(s: MuxClient, projectId = project.id, cols = 80, rows = 24): Promise<string> {
  const { terminal } = await s.ok<{ terminal: { terminal_id: string } }>("open", {
    project_id: projectId,
    cols,
    rows,
  });
  await s.ok("attach", { terminal_id: terminal.terminal_id });
  return terminal.terminal_id;
}

/** Waits for a prompt-independent marker: the command is typed with quotes the output does not have. */
async function run(s: MuxClient, id: string, command: string, marker: string) {
  await s.input(id, `${command}\r`);
  return s.waitText(id, marker);
}

beforeAll(async () => {
  t = await startTestServer();
  server = t.server;
  const admin = await login(t.url, t.admin.username, t.admin.password);
  const bobId = await addUser(admin, "bob", "bob-password-123");
  const bobClient = await login(t.url, "bob", "bob-password-123");
  const me = await admin.get<{ user: { id: string } }>("/api/auth/me");
  alice = { id: me.body.user.id, cookie: admin.cookie };
  bob = { id: bobId, cookie: bobClient.cookie };
  project = makeProject(server, alice.id, "alpha");
  bobProject = makeProject(server, bob.id, "bravo", "strict");
});

afterAll(async () => {
  for (const s of sockets) if (!s.closed) s.ws.close();
  const socketDir = server.ctx.config.paths.socketDir;
  await server.stop();
  stopLocalRunner(socketDir);
  rmSync(t.home, { recursive: true, force: true });
});

describe("a shell in the project's sandbox", () => {
  test("echo round trip, in /workspace, with TERM set", async () => {
    const s = await socket();
    const id = await openTerminal(s);
    expect(id).toMatch(/^trm_[0-9a-f]{28}$/);
    await run(s, id, 'echo "hel""lo from $(pwd) as $TERM"', "hello from /workspace as xterm-256color");
    await run(s, id, 'cat README.md; echo "do""ne"', "done");
    expect(s.text(id)).toContain("# alpha");
    const seqs = s.events(id).map((f) => f.seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  test("resize changes what stty size reports", async () => {
    const s = await socket();
    const id = await openTerminal(s, project.id, 90, 20);
    await run(s, id, 'echo "si""ze $(stty size)"', "size 20 90");
    await s.ok("resize", { terminal_id: id, cols: 132, rows: 43 });
    await run(s, id, 'echo "ne""w $(stty size)"', "new 43 132");
    const { terminals } = await s.ok<{ terminals: { terminal_id: string; cols: number; rows: number }[] }>(
      "list",
      {
        project_id: project.id,
      },
    );
    expect(terminals.find((x) => x.terminal_id === id)).toMatchObject({ cols: 132, rows: 43 });
  });

  test("Ctrl-C interrupts a foreground sleep", async () => {
    const s = await socket();
    const id = await openTerminal(s);
    await run(s, id, 'echo "rea""dy"', "ready");
    await s.input(id, "sleep 100; echo not-interrupted\r");
    await waitUntil("sleep 100 running", () => pidsMatching("^sleep 100$").length > 0);
    await s.input(id, "\x03");
    await run(s, id, 'echo "af""ter $?"', "after 130");
    // The typed line contains the words; only an output line would start with them.
    expect(s.text(id)).not.toMatch(/[\r\n]not-interrupted\r\n/);
    expect(s.text(id)).toContain("^C");
  });

  test("two terminals of one project are independent", async () => {
    const s = await socket();
    const one = await openTerminal(s);
    const two = await openTerminal(s);
    expect(one).not.toBe(two);
    await run(s, two, 'export MARK=two; cd /tmp; echo "t""wo-set"', "two-set");
    await run(s, one, 'echo "one:[$MARK]:$(pwd)"', "one:[]:/workspace");
    expect(s.text(two)).not.toContain("one:[");
    expect(s.text(one)).not.toContain("two-set");
  });
});

describe("re-attaching", () => {
  test("a new socket re-attaches with scrollback and without duplicates; closing a socket keeps the shell", async () => {
    const a = await socket();
    const id = await openTerminal(a);
    await run(a, id, 'echo "fir""st-line"', "first-line");
    const seen = a.lastSeq(id);
    const seenText = a.text(id);
    await a.close();

    // Input without being attached: the shell lives on while nobody watches.
    const b = await socket();
    await b.input(id, 'echo "whi""le-away"\r');
    await b.ok("attach", { terminal_id: id, after_seq: seen });
    await b.waitText(id, "while-away");
    const firstNew = Math.min(...b.events(id).map((f) => f.seq as number));
    expect(firstNew).toBeGreaterThan(seen);
    expect(b.text(id)).not.toContain("first-line");

    // A fresh tab (no after_seq) gets the retained scrollback: everything, in order, once.
    const c = await socket();
    await c.ok("attach", { terminal_id: id });
    await c.waitText(id, "while-away");
    const full = c.text(id);
    expect(full.startsWith(seenText)).toBe(true);
    expect(full.split("first-line").length).toBe(seenText.split("first-line").length);
    expect(full.endsWith(b.text(id))).toBe(true);
  });

  test("detach stops the stream; the terminal keeps running", async () => {
    const s = await socket();
    const id = await openTerminal(s);
    await run(s, id, 'echo "be""fore"', "before");
    await s.ok("detach", { terminal_id: id });
    const count = s.events(id).length;
    const other = await socket();
    await other.ok("attach", { terminal_id: id });
    await run(other, id, 'echo "aft""er-detach"', "after-detach");
    expect(s.events(id).length).toBe(count);
  });

  test("after a server restart the shell is found again with its scrollback", async () => {
    const s = await socket();
    const id = await openTerminal(s);
    await run(s, id, 'export KEEP=kept; echo "pre""-restart"', "pre-restart");
    // The shell is idle at its next prompt, so nothing new is written while the server is down.
    await s.waitText(id, /pre-restart\r\n[\s\S]*[#$] $/);
    const seen = s.lastSeq(id);
    const before = s.text(id);
    // Open sockets would hold the old server's stop() open.
    await Promise.all(sockets.filter((x) => !x.closed).map((x) => x.close()));
    await server.stop();
    const restarted = await startServerIn({ home: t.home, env: t.env });
    server = restarted.server;
    t = { ...t, server, url: restarted.url, origin: restarted.url };

    const fresh = await socket();
    const { terminals } = await fresh.ok<{ terminals: { terminal_id: string; state: string }[] }>("list", {
      project_id: project.id,
    });
    expect(terminals.find((x) => x.terminal_id === id)?.state).toBe("running");
    await fresh.ok("attach", { terminal_id: id });
    await fresh.waitText(id, /pre-restart\r\n[\s\S]*[#$] $/);
    expect(fresh.text(id)).toBe(before);

    const resumed = await socket();
    await resumed.ok("attach", { terminal_id: id, after_seq: seen });
    await run(resumed, id, 'echo "still-$KEEP"', "still-kept");
    expect(resumed.text(id)).not.toContain("pre-restart");
  });
});

describe("ending shells", () => {
  test("close kills the whole process tree and the terminal leaves the list", async () => {
    const s = await socket();
    const id = await openTerminal(s);
    await run(s, id, '(sleep 1001 &) ; sleep 1002 & echo "bg""-started"', "bg-started");
    await waitUntil("background sleeps", () => pidsMatching("^sleep 100[12]$").length === 2);
    await s.ok("close", { terminal_id: id });
    const exit = await s.waitEvent(id, "exit");
    expect(exit.seq).toBeGreaterThan(0);
    await waitUntil("sleeps gone", () => pidsMatching("^sleep 100[12]$").length === 0);
    // Every event acknowledged: the runner has forgotten the process.
    const runner = await server.ctx.services.runners.forUser("admin");
    if (!runner.ok) throw new Error(runner.error.message);
    await waitUntil("the runner to forget the shell", async () => {
      const listed = await runner.value.list();
      return listed.ok && !listed.value.processes.some((p) => p.tag?.endsWith(id));
    });
    const { terminals } = await s.ok<{ terminals: { terminal_id: string }[] }>("list", {
      project_id: project.id,
    });
    expect(terminals.map((x) => x.terminal_id)).not.toContain(id);
    expect((await s.cmd("input", { terminal_id: id, data: "x" })).error?.code).toBe("not_found");
  });

  test("a shell that exits reports its code and stays listed until closed", async () => {
    const s = await socket();
    const id = await openTerminal(s);
    await s.input(id, "exit 7\r");
    const exit = await s.waitEvent(id, "exit");
    expect(exit.code).toBe(7);
    const listed = await s.ok<{ terminals: { terminal_id: string; state: string; exit: unknown }[] }>(
      "list",
      {
        project_id: project.id,
      },
    );
    expect(listed.terminals.find((x) => x.terminal_id === id)).toMatchObject({
      state: "exited",
      exit: { code: 7 },
    });
    expect((await s.cmd("input", { terminal_id: id, data: "x" })).error?.code).toBe("conflict");
    await s.ok("close", { terminal_id: id });
    const after = await s.ok<{ terminals: { terminal_id: string }[] }>("list", { project_id: project.id });
    expect(after.terminals.map((x) => x.terminal_id)).not.toContain(id);
  });

  test("deleting a project ends its terminals", async () => {
    const doomed = makeProject(server, alice.id, "doomed");
    const s = await socket();
    const one = await openTerminal(s, doomed.id);
    const two = await openTerminal(s, doomed.id);
    await run(s, one, '(sleep 1003 &); echo "o""k"', "ok");
    const r = await server.ctx.services.terminals.closeProject(
      { id: alice.id, username: "admin" },
      doomed.id,
    );
    expect(r.ok && [...r.value.closed].sort()).toEqual([one, two].sort());
    await s.waitEvent(one, "exit");
    await s.waitEvent(two, "exit");
    await waitUntil("sleep 1003 gone", () => pidsMatching("^sleep 1003$").length === 0);
    const { terminals } = await s.ok<{ terminals: unknown[] }>("list", { project_id: doomed.id });
    expect(terminals).toEqual([]);
  });
});

describe("ownership and bad input", () => {
  test("another user's terminal id and project are not found, on every command", async () => {
    const mine = await socket();
    const id = await openTerminal(mine);
    const theirs = await socket(bob.cookie);
    const cases: [string, Record<string, unknown>][] = [
      ["attach", { terminal_id: id }],
      ["attach", { terminal_id: id, after_seq: 0 }],
      ["detach", { terminal_id: id }],
      ["input", { terminal_id: id, data: "echo pwned\r" }],
      ["resize", { terminal_id: id, cols: 10, rows: 10 }],
      ["close", { terminal_id: id }],
      ["list", { project_id: project.id }],
      ["open", { project_id: project.id, cols: 80, rows: 24 }],
    ];
    for (const [cmd, body] of cases) {
      const r = await theirs.cmd(cmd, body);
      expect([cmd, r.ok, r.error?.code]).toEqual([cmd, false, "not_found"]);
    }
    expect(theirs.events(id)).toEqual([]);
    // Bob's own project works for bob and is invisible to alice.
    const bobs = await openTerminal(theirs, bobProject.id);
    await run(theirs, bobs, 'echo "bo""b:$OCTO_SANDBOX"', "bob:strict");
    expect((await mine.cmd("attach", { terminal_id: bobs })).error?.code).toBe("not_found");
    // Alice's shell was not touched.
    await run(mine, id, 'echo "al""ive"', "alive");
    expect(mine.text(id)).not.toContain("pwned");
  });

  test("the socket needs a session and an allowed Origin", async () => {
    await expect(MuxClient.connect(t.url, undefined)).rejects.toThrow("failed to open");
    await expect(MuxClient.connect(t.url, alice.cookie, "http://evil.example")).rejects.toThrow(
      "failed to open",
    );
    const s = await socket();
    expect(
      (await s.ok<{ terminals: unknown[] }>("list", { project_id: project.id })).terminals.length,
    ).toBeGreaterThan(0);
  });

  test("bad frames get clear errors and change nothing", async () => {
    const s = await socket();
    const id = await openTerminal(s);
    const bad: [string, Record<string, unknown>, string][] = [
      ["launch", { project_id: project.id }, "unknown_command"],
      ["input", { terminal_id: id, data: "!!not base64!!", encoding: "base64" }, "validation_failed"],
      ["input", { terminal_id: id, data: "abc", encoding: "base64" }, "validation_failed"],
      ["input", { terminal_id: id, data: 42 }, "validation_failed"],
      ["input", { terminal_id: id, data: "x", encoding: "hex" }, "validation_failed"],
      ["input", { terminal_id: id, data: "x".repeat(200_000) }, "validation_failed"],
      ["resize", { terminal_id: id, cols: 0, rows: 24 }, "validation_failed"],
      ["resize", { terminal_id: id, cols: 100_000, rows: 24 }, "validation_failed"],
      ["resize", { terminal_id: id, cols: 80, rows: -1 }, "validation_failed"],
      ["resize", { terminal_id: id, cols: 80.5, rows: 24 }, "validation_failed"],
      ["open", { project_id: project.id, cols: 1e9, rows: 24 }, "validation_failed"],
      ["open", { project_id: project.id }, "validation_failed"],
      ["open", { project_id: "prj_nope", cols: 80, rows: 24 }, "validation_failed"],
      ["open", { project_id: `prj_${"0".repeat(28)}`, cols: 80, rows: 24 }, "not_found"],
      ["attach", { terminal_id: "ses_0000" }, "validation_failed"],
      ["attach", { terminal_id: id, after_seq: -1 }, "validation_failed"],
      ["attach", { terminal_id: id, after_seq: 1e9 }, "bad_request"],
      ["attach", { terminal_id: `trm_${"0".repeat(28)}` }, "not_found"],
      ["close", { terminal_id: id, extra: true }, "validation_failed"],
    ];
    for (const [cmd, body, code] of bad) {
      const r = await s.cmd(cmd, body);
      expect([cmd, JSON.stringify(body).slice(0, 80), r.ok, r.error?.code]).toEqual([
        cmd,
        JSON.stringify(body).slice(0, 80),
        false,
        code,
      ]);
      expect(r.error?.message.length).toBeGreaterThan(0);
    }
    s.sendRaw("{not json");
    await s.waitFor("system error", () => s.frames.find((f) => f.ch === "system" && f.event === "error"));
    // Base64 input that is valid works, and the shell is unharmed by all of the above.
    await s.ok("input", {
      terminal_id: id,
      data: Buffer.from('echo "b6""4-ok"\r').toString("base64"),
      encoding: "base64",
    });
    await s.waitText(id, "b64-ok");
  });
});
