import { expect, test } from "bun:test";
import { fail, ok } from "../protocol/errors.ts";
import { createLogger } from "../shared/log.ts";
import { openMainDb } from "../storage/main-db.ts";
import { seedUserProject } from "../storage/seed.ts";
import type { EmbedFn } from "./embedder.ts";
import { MemoryService } from "./service.ts";
import { memoryVectors } from "./vectors.ts";

/** The provider's stand-in: words bucketed by their first two letters ("deploys" ~ "deployment"). */
const standIn = (t: string) => {
  const v = new Float32Array(32);
  for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) {
    const at = (w.charCodeAt(0) * 7 + w.charCodeAt(1)) % 32;
    v[at] = (v[at] as number) + 1;
  }
  return v;
};

function world(embed: EmbedFn) {
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const { userId, projectId } = seedUserProject(db);
  let model: string | null = "fx/a";
  const { vectors, embedder } = memoryVectors({
    db,
    model: () => model,
    embed,
    log: createLogger({ level: "error" }),
  });
  const memory = new MemoryService({ db, usernameOf: () => "ann", changed: () => {}, vectors });
  return {
    memory,
    embedder,
    scope: { userId, projectId },
    me: { kind: "person" as const, userId },
    setModel: (m: string | null) => {
      model = m;
    },
  };
}

test("while the provider fails, search falls back to FTS and the status says why; later calls embed", async () => {
  let failing = true;
  const calls: string[][] = [];
  const w = world(async (_u, _p, texts) => {
    calls.push(texts);
    return failing ? fail("agent_failed", "embeddings: HTTP 503") : ok(texts.map(standIn));
  });
  w.memory.add(w.scope, w.me, { text: "The deployment runs on Fridays" });
  await w.embedder.idle();
  expect(w.embedder.status()).toMatchObject({ embedded: 0, total: 1, last_error: "embeddings: HTTP 503" });
  // The query cannot be embedded either: the FTS list alone answers, nothing is thrown.
  expect((await w.memory.search(w.scope, "deployment")).map((m) => m.text)).toEqual([
    "The deployment runs on Fridays",
  ]);
  expect(await w.memory.search(w.scope, "deploys")).toEqual([]);

  failing = false;
  w.embedder.kick();
  await w.embedder.idle();
  expect(w.embedder.status()).toMatchObject({ embedded: 1, total: 1, last_error: null });
  const ranked = await w.memory.rank(w.scope, "deploys");
  expect(ranked?.fts).toEqual([]);
  expect(ranked?.memories.map((m) => m.text)).toEqual(["The deployment runs on Fridays"]);
  // A memory added later is embedded without anyone waiting on it: add returns at once.
  const before = calls.length;
  const added = w.memory.add(w.scope, w.me, { text: "Deploying needs CI", tags: ["ops"] });
  expect(added.ok).toBe(true);
  await w.embedder.idle();
  expect(calls.length).toBeGreaterThan(before);
  expect(calls.flat()).toContain("Deploying needs CI\ntags: ops");
});

test("a changed model re-embeds every memory; without a model nothing is embedded", async () => {
  const seen: string[] = [];
  const w = world(async (_u, _p, texts) => {
    seen.push(...texts);
    return ok(texts.map(standIn));
  });
  w.setModel(null);
  for (const text of ["one memory", "two memory", "three memory"]) w.memory.add(w.scope, w.me, { text });
  await w.embedder.idle();
  expect(seen).toEqual([]);
  w.setModel("fx/a");
  w.embedder.kick();
  await w.embedder.idle();
  expect(w.embedder.status()).toMatchObject({ model: "fx/a", embedded: 3 });
  w.setModel("fx/b");
  expect(w.embedder.status()).toMatchObject({ model: "fx/b", embedded: 0, total: 3 });
  w.embedder.kick();
  await w.embedder.idle();
  expect(w.embedder.status()).toMatchObject({ model: "fx/b", embedded: 3 });
  expect(seen.filter((t) => t === "one memory")).toHaveLength(2);
});
