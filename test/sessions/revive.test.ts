import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { sessionsRepo } from "../../src/storage/sessions.ts";
import { waitUntil } from "../runner/harness.ts";
import {
  AgentTab,
  assertGapFree,
  createProject,
  descendantsOf,
  type SessionWorld,
  sandboxNeedle,
  startWorld,
} from "./harness.ts";

// Reaped conversations revived through the warm pool (docs/decisions/0036-reap-early-revive-warm.md).
setDefaultTimeout(240_000);
let w: SessionWorld;
let projectId: string;
let admin: { id: string; username: string };
let tab: AgentTab;

beforeAll(async () => {
  w = await startWorld({ runnerToml: "warm_agents = 1" });
  projectId = await createProject(w.admin, "Revive");
  const me = await w.admin.get<{ user: { id: string; username: string } }>("/api/auth/me");
  admin = { id: me.body.user.id, username: me.body.user.username };
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
});

const repo = () => sessionsRepo(w.t.server.ctx.db);
const sessions = () => w.t.server.ctx.services.sessions;
const history = () => w.t.server.ctx.services.history.for(admin.id);
const turn = async () => new Promise((r) => setImmediate(r));

/** A conversation with one answered prompt (its pi has written its session file). */
async function conversation(word: string, model?: string): Promise<string> {
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
    ...(model ? { model } : {}),
  });
  await tab.ok("session.subscribe", { session_id: s, after_seq: 0 });
  w.fx.enqueue([{ text: `noted ${word}`, chunks: 3 }]);
  await tab.ok("prompt", { session_id: s, message: `remember ${word}`, client_id: `${s}-1` });
  await tab.waitIdle(s);
  return s;
}

/** Reap until every one of `ids` is stopped (the reaper takes idle agents; spares go too at 0). */
async function reap(...ids: string[]): Promise<void> {
  const left = new Set(ids);
  const deadline = Date.now() + 60_000;
  while (left.size > 0 && Date.now() < deadline) {
    for (const id of await sessions().reapIdle(0)) left.delete(id);
    await turn();
  }
  expect([...left]).toEqual([]);
  for (const id of ids) expect(repo().byId(id)?.status).toBe("sleeping");
}

/** Fill the pool and wait for its spare's pi to be up (it has announced its state). */
async function readySpare(): Promise<{ id: string; proc: string; stateDir: string }> {
  await sessions().warmFor(admin, projectId);
  const spare = repo().spares(admin.id)[0];
  expect(spare?.proc_id).toBeTruthy();
  const id = spare?.id as string;
  const deadline = Date.now() + 60_000;
  while (history().currentSeq(id) === 0 && Date.now() < deadline) await turn();
  expect(history().currentSeq(id)).toBeGreaterThan(0);
  // The runner's state directory for the spare, as its sandbox binds it.
  const bind = descendantsOf(sandboxNeedle(id))
    .map((p) => /(\S+\/agents\/ses_\w+) \/opt\/octo\/state/.exec(p.cmd)?.[1])
    .find(Boolean);
  expect(bind).toBeTruthy();
  return { id, proc: spare?.proc_id as string, stateDir: bind as string };
}

/** The texts of the messages pi sent to the LLM in its latest request. */
function lastRequestTexts(): string[] {
  const body = w.fx.requests.at(-1)?.body as { messages?: { content?: unknown }[] } | undefined;
  return (body?.messages ?? []).map((m) => JSON.stringify(m.content ?? ""));
}

function liveTokens(table: "llm_tokens" | "tool_tokens", session: string): number {
  const row = w.t.server.ctx.db
    .query<{ n: number }, [string]>(
      `SELECT COUNT(*) AS n FROM ${table} WHERE session_id = ? AND revoked_at IS NULL`,
    )
    .get(session);
  return row?.n ?? 0;
}

test("a reaped conversation is revived through the spare: its whole history, exactly once, the pool refilled", async () => {
  const s = await conversation("PELICAN");
  await reap(s);
  const spare = await readySpare();

  w.fx.enqueue([{ text: "it was PELICAN", chunks: 3 }]);
  await tab.ok("prompt", { session_id: s, message: "which word?", client_id: `${s}-2` });
  await tab.waitIdle(s, 2);

  // The spare's process answered, now as the conversation's agent; the spare itself is gone.
  expect(repo().byId(s)?.proc_id).toBe(spare.proc);
  expect(repo().byId(s)?.status).toBe("ready");
  expect(repo().byId(spare.id)).toBeNull();
  expect(history().currentSeq(spare.id)).toBe(0);
  // pi sent the LLM the whole conversation: the earlier prompt and answer, then the new prompt.
  const texts = lastRequestTexts();
  expect(texts.some((t) => t.includes("remember PELICAN"))).toBe(true);
  expect(texts.some((t) => t.includes("noted PELICAN"))).toBe(true);
  expect(texts.at(-1)).toContain("which word?");
  expect(tab.text(s)).toBe("noted PELICANit was PELICAN");

  // The timeline is whole and exactly once, live and replayed.
  const live = assertGapFree(tab.events(s));
  expect(live[0]).toBe(1);
  const replay = await AgentTab.open(w.t.url, w.admin.cookie);
  await replay.ok("session.subscribe", { session_id: s, after_seq: 0 });
  await replay.waitIdle(s, 2);
  expect(assertGapFree(replay.events(s))).toEqual(assertGapFree(tab.events(s)));
  await replay.close();

  // The spare's tokens act for the conversation now; none is left for the spare.
  expect(liveTokens("llm_tokens", s)).toBe(1);
  expect(liveTokens("llm_tokens", spare.id)).toBe(0);
  expect(liveTokens("tool_tokens", spare.id)).toBe(0);
  // Its pi files moved under the conversation's name: the spare's directory is gone.
  expect(existsSync(spare.stateDir)).toBe(false);
  const convDir = spare.stateDir.replace(spare.id, s);
  expect(readdirSync(`${convDir}/sessions`).filter((f) => f.endsWith(".jsonl"))).toHaveLength(1);

  // The pool refills in the background with a new spare.
  await sessions().warmFor(admin, projectId);
  const next = repo().spares(admin.id);
  expect(next).toHaveLength(1);
  expect(next[0]?.id).not.toBe(spare.id);

  // Reaping it again stops the adopted process (its tag is the conversation's now): nothing remains.
  await reap(s);
  await waitUntil(
    "no process of spare.id left",
    () => descendantsOf(sandboxNeedle(spare.id)).length === 0,
    10_000,
  );
});

test("with no spare, a reaped conversation is revived cold with its whole history", async () => {
  const s = await conversation("HERON");
  await reap(s); // at 0 the reaper takes the spare too; nothing refills it here
  // A spare the conversation's create began refilling may still be starting (not idle yet): the
  // reaper takes it once pi has announced its state.
  const deadline = Date.now() + 60_000;
  while (repo().spares(admin.id).length > 0 && Date.now() < deadline) {
    await sessions().reapIdle(0);
    await turn();
  }
  expect(repo().spares(admin.id)).toEqual([]);
  const before = repo().byId(s)?.proc_id;
  expect(before).toBeNull();

  w.fx.enqueue([{ text: "it was HERON", chunks: 2 }]);
  await tab.ok("prompt", { session_id: s, message: "which word?", client_id: `${s}-2` });
  await tab.waitIdle(s, 2);
  expect(repo().byId(s)?.proc_id).toBeTruthy();
  expect(lastRequestTexts().some((t) => t.includes("remember HERON"))).toBe(true);
  expect(tab.text(s)).toBe("noted HERONit was HERON");
  assertGapFree(tab.events(s));
  await reap(s);
});

test("a conversation of another model is revived cold; the spare stays for its own shape", async () => {
  const s = await conversation("EGRET", "fx/fake-r");
  await reap(s);
  const spare = await readySpare();

  w.fx.enqueue([{ text: "it was EGRET", chunks: 2 }]);
  await tab.ok("prompt", { session_id: s, message: "which word?", client_id: `${s}-2` });
  await tab.waitIdle(s, 2);
  expect(repo().byId(s)?.proc_id).not.toBe(spare.proc);
  expect(repo().byId(spare.id)?.status).toBe("spare");
  expect(lastRequestTexts().some((t) => t.includes("remember EGRET"))).toBe(true);
  expect(w.fx.requests.at(-1)?.model).toBe("fake-r");
  await reap(s);
});

test("two revivals racing for one spare: one takes it, the other starts cold, both answer whole", async () => {
  const a = await conversation("IBIS");
  const b = await conversation("STORK");
  await reap(a, b);
  const spare = await readySpare();

  w.fx.enqueue([{ text: "again", chunks: 2 }]);
  w.fx.enqueue([{ text: "again", chunks: 2 }]);
  await Promise.all([
    tab.ok("prompt", { session_id: a, message: "which word?", client_id: `${a}-2` }),
    tab.ok("prompt", { session_id: b, message: "which word?", client_id: `${b}-2` }),
  ]);
  await Promise.all([tab.waitIdle(a, 2), tab.waitIdle(b, 2)]);
  const procs = [repo().byId(a)?.proc_id, repo().byId(b)?.proc_id];
  expect(procs.filter((p) => p === spare.proc)).toHaveLength(1);
  expect(new Set(procs).size).toBe(2);
  for (const [s, word] of [
    [a, "IBIS"],
    [b, "STORK"],
  ] as const) {
    expect(tab.text(s)).toBe(`noted ${word}again`);
    assertGapFree(tab.events(s));
    const req = w.fx.requests.filter((r) => r.rawBody.includes(`remember ${word}`)).at(-1);
    expect(req?.rawBody).toContain("which word?");
  }
  await reap(a, b);
});

test("the revived agent acts for the conversation: its tool calls and its LLM usage are the conversation's", async () => {
  const s = await conversation("CRANE");
  await reap(s);
  const spare = await readySpare();
  const usage = (session: string) =>
    w.t.server.ctx.db
      .query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM llm_usage WHERE session_id = ?")
      .get(session)?.n ?? 0;
  const before = usage(s);

  w.fx.enqueue(
    [{ toolCall: { name: "bash", args: { command: "octo-tool memory add 'revived crane note'" } } }],
    [{ text: "saved" }],
  );
  await tab.ok("prompt", { session_id: s, message: "save a note", client_id: `${s}-2` });
  await tab.waitIdle(s, 2);
  expect(repo().byId(s)?.proc_id).toBe(spare.proc);
  const end = tab
    .events(s)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  expect(end?.is_error).toBe(false);
  const saved = /Saved (mem_[0-9a-f]{28})/.exec(String(end?.output))?.[1];
  expect(saved).toBeTruthy();
  const memory = await w.admin.get<{ memory: { source: { session_id: string } } }>(
    `/api/projects/${projectId}/memories/${saved}`,
  );
  expect(memory.body.memory.source.session_id).toBe(s);
  // Both LLM calls of that turn were metered to the conversation, none to the spare.
  expect(usage(s)).toBe(before + 2);
  expect(usage(spare.id)).toBe(0);
  await reap(s);
});
