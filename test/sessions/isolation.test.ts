import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../http/client.ts";
import { addUser, runnerHome, startTestServer } from "../http/harness.ts";
import { stopLocalRunner } from "../terminals/harness.ts";
import {
  AgentTab,
  createProject,
  descendantsOf,
  PROVIDER_KEY,
  type SessionWorld,
  sandboxNeedle,
  startWorld,
} from "./harness.ts";

setDefaultTimeout(120_000);
let w: SessionWorld;
let projectId: string;
let session: string;
let tab: AgentTab;
let bob: Client;

beforeAll(async () => {
  w = await startWorld();
  projectId = await createProject(w.admin, "Private");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  ({ session_id: session } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
  }));
  await tab.ok("session.subscribe", { session_id: session });
  await tab.ok("prompt", { session_id: session, message: "secret plans", client_id: "iso-1" });
  await tab.waitIdle(session);
  await addUser(w.admin, "bob", "bob-password-123");
  bob = new Client(w.t.url);
  await bob.login("bob", "bob-password-123");
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
});

test("another user cannot see or touch a session: every command answers not_found", async () => {
  const b = await AgentTab.open(w.t.url, bob.cookie);
  const s = { session_id: session };
  const attempts: [string, Record<string, unknown>][] = [
    ["session.subscribe", { ...s, after_seq: 0 }],
    ["session.unsubscribe", s],
    ["prompt", { ...s, message: "hi", client_id: "b-1" }],
    ["steer", { ...s, message: "hi", client_id: "b-2" }],
    ["follow_up", { ...s, message: "hi", client_id: "b-3" }],
    ["abort", s],
    ["input_response", { ...s, request_id: "x", confirmed: true }],
    ["get_state", s],
    ["get_messages", s],
    ["session.history", s],
    ["session.history", { ...s, before_seq: 5 }],
    ["set_model", { ...s, model: "fx/fake-1" }],
    ["set_thinking_level", { ...s, level: "high" }],
    ["compact", s],
    ["set_session_name", { ...s, name: "mine now" }],
    ["fork", { ...s, message_id: "msg_0000000000000000000000000000" }],
    ["session.close", s],
    ["session.delete", s],
    ["session.create", { project_id: projectId }],
  ];
  for (const [cmd, body] of attempts) {
    const r = await b.cmd(cmd, body);
    if (cmd === "session.unsubscribe") continue; // unsubscribing from nothing is harmless
    expect({ cmd, code: r.error?.code }).toEqual({ cmd, code: "not_found" });
  }
  expect(b.events(session)).toEqual([]);
  for (const path of [
    `/api/sessions/${session}`,
    `/api/sessions/${session}/messages`,
    `/api/projects/${projectId}`,
    `/api/projects/${projectId}/sessions`,
  ]) {
    expect({ path, status: (await bob.get(path)).status }).toEqual({ path, status: 404 });
  }
  const search = await bob.get<{ hits: unknown[] }>("/api/sessions/search?q=secret");
  expect(search.body.hits).toEqual([]);
  // Nothing bob did changed alice's session.
  const mine = await w.admin.get<{ session: { title: string; status: string } }>(`/api/sessions/${session}`);
  expect(mine.body.session.status).toBe("ready");
  await b.close();
});

test("the provider key is nowhere in the sandbox: environment, files, process list", async () => {
  const procs = descendantsOf(sandboxNeedle(session));
  expect(procs.length).toBeGreaterThan(0);
  let sawToken = false;
  for (const p of procs) {
    expect(p.cmd).not.toContain(PROVIDER_KEY);
    let environ = "";
    try {
      environ = readFileSync(`/proc/${p.pid}/environ`, "utf8");
    } catch {
      continue;
    }
    expect(environ).not.toContain(PROVIDER_KEY);
    if (environ.includes("OCTO_LLM_TOKEN=octo_llm_")) sawToken = true;
  }
  expect(sawToken).toBe(true);
  const scan = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      const st = statSync(path);
      return st.isDirectory() ? scan(path) : st.size < 5_000_000 ? [path] : [];
    });
  const home = runnerHome();
  const stateDir = join(
    (process.getuid?.() !== 0 && process.env.XDG_STATE_HOME) || join(home, ".local", "state"),
    "octo",
    "agents",
    session,
  );
  const projectDir = w.t.server.ctx.services.placement.project(w.t.admin.username, "private").projectDir;
  for (const file of [...scan(stateDir), ...scan(projectDir)]) {
    expect({ file, leaked: readFileSync(file, "utf8").includes(PROVIDER_KEY) }).toEqual({
      file,
      leaked: false,
    });
  }
  w.fx.assertNoSecret("octo_llm_");
});

test("bad input: malformed frames, unknown commands, missing sessions, bad models; the session stays usable", async () => {
  const t = tab.mux;
  t.sendRaw("{not json");
  await t.waitFor("system error", () => t.frames.find((f) => f.ch === "system" && f.event === "error"));
  expect((await tab.cmd("no_such_thing", {})).error?.code).toBe("unknown_command");
  expect((await tab.cmd("prompt", { session_id: session })).error?.code).toBe("validation_failed");
  expect(
    (
      await tab.cmd("prompt", {
        session_id: "ses_0000000000000000000000000000",
        message: "x",
        client_id: "m",
      })
    ).error?.code,
  ).toBe("not_found");
  expect(
    (await tab.cmd("prompt", { session_id: "not-an-id", message: "x", client_id: "m" })).error?.code,
  ).toBe("validation_failed");
  expect((await tab.cmd("set_model", { session_id: session, model: "fx/nope" })).ok).toBe(false);
  expect((await tab.cmd("session.create", { project_id: projectId, model: "ghost/model" })).ok).toBe(false);
  expect(
    (await tab.cmd("session.create", { project_id: projectId, profile: "no-such-profile" })).error?.code,
  ).toBe("validation_failed");
  const big = "x".repeat(1_000_001);
  expect((await tab.cmd("prompt", { session_id: session, message: big, client_id: "big" })).error?.code).toBe(
    "validation_failed",
  );
  // Still works after all that.
  w.fx.enqueue([{ text: "still here" }]);
  await tab.ok("prompt", { session_id: session, message: "ping", client_id: "after-bad" });
  await tab.waitIdle(session, 2);
  expect(tab.text(session)).toEndWith("still here");
});

test("with no provider configured, session.create refuses with an actionable message", async () => {
  const t = await startTestServer("");
  try {
    const admin = new Client(t.url);
    await admin.login(t.admin.username, t.admin.password);
    const p = await createProject(admin, "No LLM");
    const a = await AgentTab.open(t.url, admin.cookie);
    const r = await a.cmd("session.create", { project_id: p });
    expect(r.error?.code).toBe("no_provider");
    expect(r.error?.message).toMatch(/llm\.providers|Admin/i);
    await a.close();
  } finally {
    stopLocalRunner(t.server.ctx.config.paths.socketDir);
    await t.stop();
  }
});
