import { expect, test } from "bun:test";
import { newId } from "../protocol/ids.ts";
import { openMainDb } from "../storage/main-db.ts";
import { projectsRepo } from "../storage/projects.ts";
import { usersRepo } from "../storage/users.ts";
import { MemoryService } from "./service.ts";

/** A real database with two users and their projects. */
function world() {
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const changes: [string, string | null][] = [];
  const memory = new MemoryService({
    db,
    usernameOf: (id) => usersRepo(db).byId(id)?.username ?? null,
    changed: (u, p) => changes.push([u, p]),
  });
  const user = (username: string) => {
    const now = Date.now();
    const id = newId("usr");
    usersRepo(db).insert({
      id,
      username,
      password_hash: "x",
      role: "user",
      linux_user: null,
      disabled: 0,
      created_at: now,
      updated_at: now,
    });
    return id;
  };
  const project = (userId: string) => {
    const id = newId("prj");
    const now = Date.now();
    projectsRepo(db).insert({
      id,
      user_id: userId,
      name: "P",
      slug: id.slice(-8),
      profile: "default",
      default_model: null,
      template: null,
      created_at: now,
      updated_at: now,
      last_activity_at: now,
    });
    return { userId, projectId: id };
  };
  return { memory, user, project, changes };
}

test("a memory is found by bm25 over its words and tags; stems match (deploying ~ deploy)", async () => {
  const w = world();
  const p = w.project(w.user("ann"));
  const me = { kind: "person" as const, userId: p.userId };
  w.memory.add(p, me, { text: "The staging server is deployed with ./ship.sh", tags: ["deploy"] });
  w.memory.add(p, me, { text: "Ann prefers tabs over spaces" });
  const hits = await w.memory.search(p, "how is staging deploying?");
  expect(hits.map((m) => m.text)).toEqual(["The staging server is deployed with ./ship.sh"]);
  expect(hits[0]?.source).toMatchObject({ kind: "person", username: "ann" });
  expect((await w.memory.search(p, "tab")).map((m) => m.text)).toEqual(["Ann prefers tabs over spaces"]);
});

test("user memories show in every project of their user, project memories only in theirs", async () => {
  const w = world();
  const ann = w.user("ann");
  const [a, b] = [w.project(ann), w.project(ann)];
  const other = w.project(w.user("bob"));
  const me = { kind: "person" as const, userId: ann };
  const mine = w.memory.add(a, me, { text: "likes short answers", scope: "user" });
  const local = w.memory.add(a, me, { text: "project a uses postgres" });
  if (!mine.ok || !local.ok) throw new Error("add failed");
  expect(mine.value.project_id).toBeNull();
  expect((await w.memory.search(b, "short answers")).map((m) => m.id)).toEqual([mine.value.id]);
  expect(await w.memory.search(b, "postgres")).toEqual([]);
  expect(w.memory.get(b, local.value.id)).toMatchObject({ ok: false, error: { code: "not_found" } });
  // Another user sees neither, by search or by id, and cannot change or forget them.
  const bob = { kind: "person" as const, userId: other.userId };
  expect(await w.memory.search(other, "short postgres")).toEqual([]);
  expect(w.memory.get(other, mine.value.id)).toMatchObject({ ok: false, error: { code: "not_found" } });
  expect(w.memory.update(other, bob, mine.value.id, { text: "x" })).toMatchObject({
    ok: false,
    error: { code: "not_found" },
  });
  expect(w.memory.forget(other, bob, local.value.id)).toMatchObject({
    ok: false,
    error: { code: "not_found" },
  });
});

test("edits, pins and forgets are attributed and announced; bad input is validation_failed", async () => {
  const w = world();
  const p = w.project(w.user("ann"));
  const agent = { kind: "session" as const, userId: p.userId, sessionId: newId("ses"), messageId: "m1" };
  const made = w.memory.add(p, agent, { text: "uses bun", tags: ["Stack"] });
  if (!made.ok) throw new Error(made.error.message);
  expect(made.value.source).toEqual({ kind: "session", session_id: agent.sessionId, message_id: "m1" });
  expect(made.value.tags).toEqual(["stack"]);
  const me = { kind: "person" as const, userId: p.userId };
  const edited = w.memory.update(p, me, made.value.id, { text: "uses bun 1.3", pinned: true });
  expect(edited).toMatchObject({
    ok: true,
    value: { text: "uses bun 1.3", pinned: true, updated_by: { kind: "person" } },
  });
  expect((await w.memory.search(p, "1.3")).length).toBe(1);
  expect(w.memory.forget(p, me, made.value.id).ok).toBe(true);
  expect(await w.memory.search(p, "bun")).toEqual([]);
  const changes = w.memory.changes(p, made.value.id);
  expect(changes.ok).toBe(false); // forgotten: gone for everyone
  expect(w.changes.length).toBe(3);
  expect(w.memory.add(p, me, { text: "  " })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(w.memory.add(p, me, { text: "x", tags: ["no spaces"] })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
});

test("before a first prompt, a memory must match enough of the prompt's words (FTS alone)", async () => {
  const w = world();
  const p = w.project(w.user("ann"));
  const me = { kind: "person" as const, userId: p.userId };
  w.memory.add(p, me, { text: "The deploy script lives in ops/" });
  w.memory.add(p, me, { text: "Release notes go in NOTES.md; review them before each deploy" });
  w.memory.add(p, me, { text: "Ann likes green tea" });
  const opts = { limit: 5, minSimilarity: 0.4, minTermShare: 0.5 };
  const texts = async (prompt: string, o = opts) =>
    (await w.memory.relevant(p, prompt, o)).map((m) => m.text);
  // Seven search words: three must match. Plain search would offer the script memory (two words).
  const long = "Please review the deploy script and the release notes for typos";
  expect((await w.memory.search(p, long)).map((m) => m.text)).toContain("The deploy script lives in ops/");
  expect(await texts(long)).toEqual(["Release notes go in NOTES.md; review them before each deploy"]);
  // One search word: matching it is enough (stemmed: "deploying" ~ "deploy").
  expect(new Set(await texts("How are we deploying?"))).toEqual(
    new Set([
      "The deploy script lives in ops/",
      "Release notes go in NOTES.md; review them before each deploy",
    ]),
  );
  // Two words, half must match; nothing unrelated is offered.
  expect(new Set(await texts("green script"))).toEqual(
    new Set(["The deploy script lives in ops/", "Ann likes green tea"]),
  );
  expect(await texts("Write a haiku about zebras")).toEqual([]);
  expect(await texts("   ")).toEqual([]);
  // The share is a setting: with all words required, neither matches both; a long prompt still
  // needs only three.
  expect(await texts("green script", { ...opts, minTermShare: 1 })).toEqual([]);
  expect(await texts(long, { ...opts, minTermShare: 1 })).toEqual([
    "Release notes go in NOTES.md; review them before each deploy",
  ]);
});
