import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/run.ts";
import { Client } from "../http/client.ts";
import { addUser, startServerIn, tempHome } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

// Drives real agents (pi in the sandbox) against the scripted LLM, then CLI subprocesses.
setDefaultTimeout(180_000);

let w: SessionWorld;
const backupDir = join(mkdtempSync(join(tmpdir(), "octo-backup-")), "b");
const fresh = tempHome();
/** Every session's messages as the original server serves them, by owner. */
const expected: { user: string; password: string; sessions: Map<string, unknown> }[] = [];

async function converse(c: Client, project: string, prompts: string[]) {
  const tab = await AgentTab.open(c.baseUrl, c.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: project });
  await tab.ok("session.subscribe", { session_id });
  // pi has started and answered once: prompts will not wait on its start-up (slow on a busy host).
  await tab.waitEvent(session_id, (f) => f.event === "session.state", "session.state", 120_000);
  for (const [i, message] of prompts.entries()) {
    w.fx.enqueue([{ text: `answer to ${message}`, chunks: 3 }]);
    await tab.ok("prompt", { session_id, message, client_id: `${session_id}-${i}` });
    await tab.waitIdle(session_id, i + 1, 120_000);
  }
  await tab.close();
  return session_id;
}

async function messagesOf(c: Client, sessionIds: string[]) {
  const tab = await AgentTab.open(c.baseUrl, c.cookie);
  const out = new Map<string, unknown>();
  for (const id of sessionIds) out.set(id, await tab.ok("get_messages", { session_id: id }));
  await tab.close();
  return out;
}

/** Every path under `dir` with its permission bits. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    out[name] = (statSync(join(dir, name)).mode & 0o777).toString(8);
  }
  return out;
}

beforeAll(async () => {
  w = await startWorld();
  await addUser(w.admin, "bob", "bob-password-1");
  const bob = new Client(w.t.url);
  await bob.login("bob", "bob-password-1");
  const adminProject = await createProject(w.admin, "Admin work");
  const bobProject = await createProject(bob, "Bob work");
  const adminSessions = [await converse(w.admin, adminProject, ["first question", "a follow-up"])];
  const bobSessions = [await converse(bob, bobProject, ["bob asks"])];
  expected.push(
    {
      user: w.t.admin.username,
      password: w.t.admin.password,
      sessions: await messagesOf(w.admin, adminSessions),
    },
    { user: "bob", password: "bob-password-1", sessions: await messagesOf(bob, bobSessions) },
  );
});
afterAll(async () => {
  await w?.stop();
  rmSync(join(backupDir, ".."), { recursive: true, force: true });
  rmSync(fresh.home, { recursive: true, force: true });
});

test("backup while the server runs; restore refuses a data dir a server holds, and a non-empty one without --force; a server on the restored data dir serves every session's messages unchanged", async () => {
  const backup = await runCli(["backup", backupDir], w.t.env);
  expect(backup.stderr).toBe("");
  expect(backup.code).toBe(0);
  expect(backup.stdout).toContain("2 history database(s)");
  expect(statSync(backupDir).mode & 0o777).toBe(0o700);
  const files = modes(backupDir);
  expect(Object.keys(files).sort()).toEqual(
    expect.arrayContaining(["config.toml", "jwt.secret", "manifest.json", "octo.db", "vapid.json"]),
  );
  for (const [name, mode] of Object.entries(files))
    expect([name, mode]).toEqual([name, statSync(join(backupDir, name)).isDirectory() ? "700" : "600"]);

  // Into the running server's own data dir: refused, nothing changed.
  const busy = await runCli(["restore", backupDir, "--force"], w.t.env);
  expect(busy.code).toBe(1);
  expect(busy.stderr).toContain(`another octo server (pid ${process.pid})`);
  expect(busy.stderr).toContain("[data_dir_in_use]");

  const restored = await runCli(["restore", backupDir], fresh.env);
  expect(restored.stderr).toBe("");
  expect(restored.code).toBe(0);
  expect(restored.stdout).toContain("2 user history database(s); config restored");
  const dataDir = join(fresh.home, ".local", "share", "octo");
  for (const [name, mode] of Object.entries(modes(dataDir)))
    expect([name, mode]).toEqual([name, statSync(join(dataDir, name)).isDirectory() ? "700" : "600"]);

  const again = await runCli(["restore", backupDir], fresh.env);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("[not_empty]");
  expect(again.stderr).toContain("--force");
  expect((await runCli(["restore", backupDir, "--force"], fresh.env)).code).toBe(0);

  const second = await startServerIn(fresh);
  try {
    for (const who of expected) {
      const c = new Client(second.url);
      await c.login(who.user, who.password);
      expect(await messagesOf(c, [...who.sessions.keys()])).toEqual(who.sessions);
    }
    const counts = expected.map((e) =>
      [...e.sessions.values()].map((m) => (m as { messages: unknown[] }).messages.length),
    );
    expect(counts).toEqual([[4], [2]]);
  } finally {
    await second.stop();
  }
});
