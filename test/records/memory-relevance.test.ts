import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * "Used N memories" offers only memories that are related to the first prompt (decision 0031): by
 * meaning, a cosine above `memory.context_min_similarity` (0.4 by default), or by words. The
 * fixture's embeddings are deterministic stand-ins (hashed trigrams), so the cosines below are fixed
 * numbers of that stand-in, not a real model's judgement: "Redeployment checklist" is 0.41 from
 * "How do we redeploy?" (and shares no stemmed word with it), the fern 0.22, the tea 0.05.
 */
setDefaultTimeout(240_000);

let w: SessionWorld;
let project: string;
let userId: string;
const ids = { checklist: "", fern: "", tea: "" };
const PROMPT = "How do we redeploy?";

beforeAll(async () => {
  w = await startWorld();
  project = await createProject(w.admin, "Relevance");
  userId = (await w.admin.get<{ user: { id: string } }>("/api/auth/me")).body.user.id;
  await w.admin.request("PATCH", `/api/projects/${project}`, { body: { use_memories: true } });
  for (const [key, text] of [
    ["checklist", "Redeployment checklist"],
    ["fern", "The office plant is a fern"],
    ["tea", "Ann likes green tea with mint"],
  ] as const) {
    const r = await w.admin.post<{ memory: { id: string } }>(`/api/projects/${project}/memories`, { text });
    ids[key] = r.body.memory.id;
  }
  const put = await w.admin.request("PUT", "/api/admin/embedding", { body: { model: "fx/embed-a" } });
  expect(put.status).toBe(200);
  await w.t.server.ctx.services.memoryEmbedder.idle();
});
afterAll(async () => {
  await w?.stop();
});

describe("used N memories has a minimum relevance", () => {
  test("the related memory (by meaning only) is used; the unrelated ones, which search still ranks, are not", async () => {
    const memory = w.t.server.ctx.services.memory;
    const scope = { userId, projectId: project };
    // Search ranks everything with any similarity (a search box shows the best of a poor lot) …
    const ranked = await memory.rank(scope, PROMPT);
    expect(ranked?.fts).toEqual([]); // no stemmed word in common: only the vectors relate them
    expect(ranked?.memories.map((m) => m.id)).toContain(ids.fern);
    // … but before a first prompt only what clears the bar goes.
    const cfg = w.t.server.ctx.config.memory;
    expect(cfg).toEqual({ context_min_similarity: 0.4, context_min_term_share: 0.5 });
    const opts = {
      limit: 5,
      minSimilarity: cfg.context_min_similarity,
      minTermShare: cfg.context_min_term_share,
    };
    expect((await memory.relevant(scope, PROMPT, opts)).map((m) => m.id)).toEqual([ids.checklist]);
    expect(await memory.relevant(scope, "Write a haiku about zebras", opts)).toEqual([]);
    // A stricter bar drops the related one too.
    expect(await memory.relevant(scope, PROMPT, { ...opts, minSimilarity: 0.5 })).toEqual([]);
  });

  test("through a real conversation: the model gets only the related memory, the chat is told so", async () => {
    const tab = await AgentTab.open(w.t.url, w.admin.cookie);
    try {
      const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", {
        project_id: project,
      });
      await tab.ok("session.subscribe", { session_id: s });
      await tab.waitEvent(s, (f) => f.event === "session.state", "session.state", 150_000);
      w.fx.enqueue([{ text: "noted" }]);
      await tab.ok("prompt", { session_id: s, message: PROMPT, client_id: "rel-1" });
      await tab.waitIdle(s, 1, 150_000);
      const used = tab.events(s).find((f) => f.event === "memory.used");
      expect(((used?.memories ?? []) as { id: string }[]).map((m) => m.id)).toEqual([ids.checklist]);
      const sent =
        w.fx.requests.filter((r) => r.kind === "chat" && r.lastUserText.endsWith(PROMPT)).at(-1)
          ?.lastUserText ?? "";
      expect(sent).toContain(`[${ids.checklist}] Redeployment checklist`);
      expect(sent).not.toContain("fern");
      expect(sent).not.toContain("green tea");
    } finally {
      await tab.close();
    }
  });
});
