import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { gatewayFiles } from "../../src/llm/gateway-files.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * Vector memory search through the real server and the real LLM gateway process: the admin picks
 * an embedding model; memories are embedded in the background over the gateway's `/embeddings`
 * route (metered); search fuses FTS5 with cosine by RRF. The fixture's vectors are stand-ins
 * (hashed trigrams): these tests check plumbing, not ranking quality.
 */
setDefaultTimeout(120_000);

let w: SessionWorld;
let project: string;
const ids = { redeployed: "", deploys: "", tea: "" };

interface Status {
  model: string | null;
  total: number;
  embedded: number;
  running: boolean;
  last_error: string | null;
}

const status = async () => (await w.admin.get<{ embedding: Status }>("/api/admin/embedding")).body.embedding;
const embedder = () => w.t.server.ctx.services.memoryEmbedder;
const search = async (q: string) =>
  (
    await w.admin.get<{ memories: { id: string }[] }>(
      `/api/projects/${project}/memories?q=${encodeURIComponent(q)}&limit=5`,
    )
  ).body.memories.map((m) => m.id);
const embedCalls = (model: string) =>
  w.fx.requests.filter(
    (r) => r.path.endsWith("/embeddings") && (r.body as { model?: string })?.model === model,
  );

beforeAll(async () => {
  w = await startWorld();
  project = await createProject(w.admin, "Vectors");
  for (const [key, text] of [
    ["redeployed", "We redeployed the cluster on Friday night"],
    ["deploys", "Deploys need a green CI run first"],
    ["tea", "Ann likes green tea"],
  ] as const) {
    const r = await w.admin.post<{ memory: { id: string } }>(`/api/projects/${project}/memories`, { text });
    ids[key] = r.body.memory.id;
  }
});
afterAll(async () => {
  await w?.stop();
});

describe("vector memory search", () => {
  test("without an embedding model search is FTS5 only: a word-piece match is not found", async () => {
    expect(await status()).toMatchObject({ model: null, embedded: 0 });
    const found = await search("deploys");
    expect(found).toContain(ids.deploys);
    expect(found).not.toContain(ids.redeployed);
    expect(w.fx.requests.some((r) => r.path.endsWith("/embeddings"))).toBe(false);
  });

  test("bad embedding models are refused with validation_failed; non-admins are forbidden", async () => {
    for (const model of ["nope/embed", "fx", "fx/has space", 42]) {
      const r = await w.admin.request("PUT", "/api/admin/embedding", { body: { model } });
      expect([r.status, r.code]).toEqual([422, "validation_failed"]);
    }
    await addUser(w.admin, "carol", "carol-password-1");
    const carol = new Client(w.t.url);
    await carol.login("carol", "carol-password-1");
    expect(
      (await carol.request("PUT", "/api/admin/embedding", { body: { model: "fx/embed-a" } })).status,
    ).toBe(403);
    expect((await carol.get("/api/admin/embedding")).status).toBe(403);
  });

  test("a model is set: every memory is embedded in the background through the gateway, and metered", async () => {
    const put = await w.admin.request<{ embedding: Status }>("PUT", "/api/admin/embedding", {
      body: { model: "fx/embed-a" },
    });
    expect(put.status).toBe(200);
    expect(put.body.embedding.model).toBe("fx/embed-a");
    await embedder().idle();
    expect(await status()).toMatchObject({ model: "fx/embed-a", total: 3, embedded: 3, last_error: null });
    // The provider saw the memories' texts with the provider's key (the gateway swapped it in).
    const inputs = embedCalls("embed-a").flatMap((r) => (r.body as { input: string[] }).input);
    expect(inputs).toContain("We redeployed the cluster on Friday night");
    const usage = await w.admin.get<{
      by_model: { model: string; requests: number; input_tokens: number }[];
    }>("/api/usage");
    const row = usage.body.by_model.find((m) => m.model === "fx/embed-a");
    expect(row?.requests).toBeGreaterThan(0);
    expect(row?.input_tokens).toBeGreaterThan(0);
  });

  test("hybrid search fuses both lists: the word-piece match comes from the vector list", async () => {
    const found = await search("deploys");
    // "deploys" is in both lists; "redeployed" only in the cosine one (FTS stems differ).
    expect(new Set(found.slice(0, 2))).toEqual(new Set([ids.deploys, ids.redeployed]));
    const me = await w.admin.get<{ user: { id: string } }>("/api/auth/me");
    const ranked = await w.t.server.ctx.services.memory.rank(
      { userId: me.body.user.id, projectId: project },
      "deploys",
    );
    expect(ranked?.fts).toHaveLength(1);
    expect(ranked?.vector.length).toBeGreaterThanOrEqual(2);
  });

  test("an edited memory is embedded again; a new model re-embeds everything", async () => {
    const before = embedCalls("embed-a").length;
    await w.admin.request("PATCH", `/api/projects/${project}/memories/${ids.tea}`, {
      body: { text: "Ann likes green tea with mint" },
    });
    await embedder().idle();
    const after = embedCalls("embed-a");
    expect(after.length).toBe(before + 1);
    expect((after.at(-1)?.body as { input?: string[] } | undefined)?.input).toEqual([
      "Ann likes green tea with mint",
    ]);
    expect(await status()).toMatchObject({ embedded: 3, total: 3 });

    await w.admin.request("PUT", "/api/admin/embedding", { body: { model: "fx/embed-b" } });
    await embedder().idle();
    const again = embedCalls("embed-b").flatMap((r) => (r.body as { input: string[] }).input);
    // Three memories, plus the queries of searches made since.
    for (const text of ["We redeployed the cluster on Friday night", "Deploys need a green CI run first"])
      expect(again).toContain(text);
    expect(await status()).toMatchObject({ model: "fx/embed-b", total: 3, embedded: 3 });
    expect(await search("deploys")).toContain(ids.redeployed);
  });

  test("the gateway's control route refuses bad requests", async () => {
    const control = gatewayFiles(w.t.server.ctx.config.paths.socketDir).control;
    const post = (body: unknown) =>
      fetch("http://llm-gateway/embeddings", { method: "POST", unix: control, body: JSON.stringify(body) });
    expect((await post({ user_id: "usr_x", project_id: "", input: [] })).status).toBe(400);
    expect((await post({ user_id: "not-a-user", project_id: "", input: ["x"] })).status).toBe(400);
    expect((await post("nonsense")).status).toBe(400);
  });

  test("turned off, search is FTS5 only again", async () => {
    await w.admin.request("PUT", "/api/admin/embedding", { body: { model: null } });
    expect(await search("deploys")).not.toContain(ids.redeployed);
    const control = gatewayFiles(w.t.server.ctx.config.paths.socketDir).control;
    const none = await fetch("http://llm-gateway/embeddings", {
      method: "POST",
      unix: control,
      body: JSON.stringify({ user_id: "usr_abc", project_id: "", input: ["x"] }),
    });
    expect(none.status).toBe(404);
  });
});
