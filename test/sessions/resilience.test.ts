import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { Client } from "../http/client.ts";
import { startServerIn } from "../http/harness.ts";
import { waitUntil } from "../runner/harness.ts";
import { AgentTab, assertGapFree, createProject, piOf, type SessionWorld, startWorld } from "./harness.ts";

setDefaultTimeout(180_000);
let w: SessionWorld;
let projectId: string;

beforeAll(async () => {
  w = await startWorld();
  projectId = await createProject(w.admin, "Resilience");
});
afterAll(async () => {
  await w?.stop();
});

const gate = () => {
  let release: () => void = () => {};
  const until = new Promise<void>((r) => {
    release = r;
  });
  return { until, release };
};

test("a dropped socket resumes with after_seq: nothing duplicated, nothing lost", async () => {
  const a = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: s } = await a.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await a.ok("session.subscribe", { session_id: s });
  const g = gate();
  w.fx.enqueue([
    { text: "first half, ", chunks: 4 },
    { until: g.until },
    { text: "second half.", chunks: 4 },
  ]);
  await a.ok("prompt", { session_id: s, message: "stream", client_id: "r-1" });
  await a.mux.waitFor("first half", () => a.text(s) === "first half, ");
  const seen = a.events(s);
  const lastSeen = seen.at(-1)?.seq as number;
  a.mux.ws.close();
  g.release();

  const b = await AgentTab.open(w.t.url, w.admin.cookie);
  await b.ok("session.subscribe", { session_id: s, after_seq: lastSeen });
  await b.waitIdle(s);
  const resumed = b.events(s);
  expect(resumed[0]?.seq).toBe(lastSeen + 1);
  expect(a.text(s) + b.text(s)).toBe("first half, second half.");
  assertGapFree([...seen, ...resumed]);
  await b.close();
});

test("kill -9 of pi mid-turn: an error event, then the next prompt revives the session with its history", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id: s });
  await tab.ok("prompt", { session_id: s, message: "remember the word PELICAN", client_id: "k-0" });
  await tab.waitIdle(s);

  const g = gate();
  w.fx.enqueue([{ text: "about to" }, { until: g.until }]);
  await tab.ok("prompt", { session_id: s, message: "second turn", client_id: "k-1" });
  await tab.mux.waitFor("delta of turn 2", () => tab.text(s).includes("about to"));
  const pid = piOf(s);
  expect(pid).toBeGreaterThan(0);
  process.kill(pid as number, "SIGKILL");
  const err = await tab.waitEvent(s, (f) => f.event === "agent.error", "crash reported");
  expect(err).toMatchObject({ error: { code: "agent_crashed" }, recoverable: true });
  await tab.waitIdle(s, 2);
  g.release();

  w.fx.enqueue([{ text: "back again" }]);
  await tab.ok("prompt", { session_id: s, message: "are you there?", client_id: "k-2" });
  await tab.waitIdle(s, 3);
  expect(tab.text(s)).toEndWith("back again");
  // The revived pi continued its own session file: the model saw the earlier turns.
  const last = w.fx.requests.filter((r) => r.kind === "chat").at(-1);
  expect(last?.messages.map((m) => m.text).join("\n")).toContain("remember the word PELICAN");
  expect(piOf(s)).not.toBe(pid);
  assertGapFree(tab.events(s));
  await tab.close();
});

test("an idle agent is reaped and revived transparently on the next prompt", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id: s });
  await tab.ok("prompt", { session_id: s, message: "note OSTRICH", client_id: "i-1" });
  await tab.waitIdle(s);
  const before = piOf(s);
  const sessions = w.t.server.ctx.services.sessions;
  const reaped = await sessions.reapIdle(0);
  expect(reaped).toContain(s);
  const stopped = await tab.waitEvent(s, (f) => f.event === "agent.stopped", "agent.stopped");
  expect(stopped.reason).toBe("idle");
  const r = await w.admin.get<{ session: { status: string } }>(`/api/sessions/${s}`);
  expect(r.body.session.status).toBe("sleeping");
  // The sandbox is killed as the agent is stopped; pi's exit follows within moments (the kernel
  // tears the sandbox's pid namespace down), and nothing of it may stay.
  await waitUntil("pi gone after reaping", () => piOf(s) === undefined, 10_000);

  await tab.ok("prompt", { session_id: s, message: "what did I note?", client_id: "i-2" });
  await tab.waitIdle(s, 2);
  const last = w.fx.requests.filter((q) => q.kind === "chat").at(-1);
  expect(last?.messages.map((m) => m.text).join("\n")).toContain("note OSTRICH");
  expect(piOf(s)).not.toBe(before);
  await tab.close();
});

test("an agent still starting is not idle: the reaper counts from pi's first answer", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  const sessions = w.t.server.ctx.services.sessions;
  await tab.ok("session.subscribe", { session_id: s });
  // pi takes hundreds of ms to start (seconds under load): reap "everything idle" again and again.
  // The agent must not be taken before it has announced its state.
  while (!(await sessions.reapIdle(0)).includes(s)) await new Promise((r) => setImmediate(r));
  const stopped = await tab.waitEvent(s, (f) => f.event === "agent.stopped", "agent.stopped");
  const state = tab.events(s).find((f) => f.event === "session.state");
  expect(state?.seq).toBeLessThan(stopped.seq as number);
  await tab.close();
});

test("a server restart mid-stream: the agent keeps going and every event arrives exactly once", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id: s });
  const text = "one two three four five six seven eight nine ten";
  w.fx.enqueue([{ text, chunks: 20, delayMs: 40 }]);
  await tab.ok("prompt", { session_id: s, message: "count", client_id: "sr-1" });
  await tab.mux.waitFor("some deltas", () => tab.text(s).length > 0);
  const before = tab.events(s);

  // Stop the server while pi streams (the runner keeps pi and buffers its events), then start again.
  await w.t.server.stop();
  const again = await startServerIn({ home: w.t.home, env: w.t.env });
  w.t.server = again.server;
  w.t.url = again.url;
  w.t.stop = again.stop;
  const admin = new Client(again.url);
  await admin.login(w.t.admin.username, w.t.admin.password);
  w.admin = admin;

  const after = await AgentTab.open(again.url, admin.cookie);
  const lastSeen = before.at(-1)?.seq as number;
  await after.ok("session.subscribe", { session_id: s, after_seq: lastSeen });
  await after.waitIdle(s);
  const all = [...before, ...after.events(s)];
  assertGapFree(all);
  const deltas = all.filter((f) => f.event === "stream.text_delta").map((f) => String(f.delta));
  expect(deltas.join("")).toBe(text);
  await after.close();
});

test("the runner dies: the next prompt starts a new runner and revives the session with its history", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id: s });
  await tab.ok("prompt", { session_id: s, message: "the code word is HERON", client_id: "rd-1" });
  await tab.waitIdle(s);
  const pidFile = singleUserRunnerFiles(w.t.server.ctx.config.paths.socketDir).pidFile;
  const runnerPid = Number(readFileSync(pidFile, "utf8"));
  process.kill(runnerPid, "SIGKILL");

  w.fx.enqueue([{ text: "revived" }]);
  await tab.ok("prompt", { session_id: s, message: "and now?", client_id: "rd-2" });
  await tab.waitIdle(s, 2);
  expect(tab.text(s)).toEndWith("revived");
  expect(Number(readFileSync(pidFile, "utf8"))).not.toBe(runnerPid);
  const last = w.fx.requests.filter((r) => r.kind === "chat").at(-1);
  expect(last?.messages.map((m) => m.text).join("\n")).toContain("the code word is HERON");
  await tab.close();
});
