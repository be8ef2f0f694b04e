import { expect, test } from "bun:test";
import { newId } from "../protocol/ids.ts";
import { openMainDb } from "../storage/main-db.ts";
import { projectsRepo } from "../storage/projects.ts";
import { seedUserProject } from "../storage/seed.ts";
import { usersRepo } from "../storage/users.ts";
import { TaskService } from "./service.ts";

function world() {
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const tasks = new TaskService({
    db,
    ownsProject: (u, p) => projectsRepo(db).byId(p)?.user_id === u,
    usernameOf: (id) => usersRepo(db).byId(id)?.username ?? null,
    changed: () => {},
  });
  const project = (username: string) => {
    const { userId, projectId } = seedUserProject(db, { username });
    return { userId, projectId };
  };
  return { tasks, project };
}

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

test("ids are short and per project; ready respects dependencies; history names who", () => {
  const w = world();
  const p = w.project("ann");
  const me = { kind: "person" as const, userId: p.userId };
  const agent = { kind: "session" as const, sessionId: newId("ses") };
  const a = ok(w.tasks.create(p, me, { title: "Design" }));
  const b = ok(w.tasks.create(p, agent, { title: "Build", depends_on: ["t-1"], parent: "T-1" }));
  expect([a.id, b.id]).toEqual(["T-1", "T-2"]);
  expect(ok(w.tasks.list(p, { ready: true })).map((t) => t.id)).toEqual(["T-1"]);
  ok(w.tasks.update(p, agent, "T-1", { status: "done", reason: "shipped" }));
  expect(ok(w.tasks.list(p, { ready: true })).map((t) => t.id)).toEqual(["T-2"]);
  const detail = ok(w.tasks.get(p, "T-1"));
  expect(detail.task.children).toEqual(["T-2"]);
  expect(detail.history.map((h) => [h.kind, h.by.kind, h.comment])).toEqual([
    ["created", "person", null],
    ["updated", "session", "shipped"],
  ]);
  expect(detail.history[1]?.changes).toEqual({ status: ["open", "done"] });
  expect(detail.history[0]?.by).toMatchObject({ username: "ann" });
});

test("circles, unknown tasks, bad statuses and strangers are refused with stable codes", () => {
  const w = world();
  const p = w.project("ann");
  const me = { kind: "person" as const, userId: p.userId };
  ok(w.tasks.create(p, me, { title: "A" }));
  ok(w.tasks.create(p, me, { title: "B", depends_on: ["T-1"] }));
  expect(w.tasks.update(p, me, "T-1", { depends_on: ["T-2"] })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(w.tasks.create(p, me, { title: "C", depends_on: ["T-9"] })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(w.tasks.update(p, me, "T-1", { status: "later" })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(w.tasks.update(p, me, "T-1", { assignee: "mallory" })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(w.tasks.get(p, "T-7")).toMatchObject({ ok: false, error: { code: "not_found" } });
  expect(w.tasks.get(p, "12")).toMatchObject({ ok: false, error: { code: "validation_failed" } });
  const bob = w.project("bob");
  const stranger = { userId: bob.userId, projectId: p.projectId };
  expect(w.tasks.get(stranger, "T-1")).toMatchObject({ ok: false, error: { code: "not_found" } });
  expect(w.tasks.list(stranger)).toMatchObject({ ok: false, error: { code: "not_found" } });
  expect(
    w.tasks.update(stranger, { kind: "person", userId: bob.userId }, "T-1", { title: "x" }),
  ).toMatchObject({ ok: false, error: { code: "not_found" } });
});

test("export then import into another project keeps ids, dependencies and parents", () => {
  const w = world();
  const p = w.project("ann");
  const me = { kind: "person" as const, userId: p.userId };
  ok(w.tasks.create(p, me, { title: "A", labels: ["ui"], body: "**bold**" }));
  ok(w.tasks.create(p, me, { title: "B", depends_on: ["T-1"], parent: "T-1" }));
  const out = ok(w.tasks.exportLines(p));
  expect(out.count).toBe(2);
  const q = w.project("cy");
  expect(ok(w.tasks.importLines(q, { kind: "person", userId: q.userId }, out.text))).toEqual({ count: 2 });
  const b = ok(w.tasks.get(q, "T-2"));
  expect(b.task).toMatchObject({ title: "B", depends_on: ["T-1"], parent: "T-1" });
  expect(b.history.map((h) => h.kind)).toEqual(["imported"]);
  expect(
    w.tasks.importLines(q, me, '{"id":"T-3","title":"x","status":"open","depends_on":["T-3"]}'),
  ).toMatchObject({ ok: false, error: { code: "validation_failed" } });
  expect(w.tasks.importLines(q, me, "nope")).toMatchObject({
    ok: false,
    error: { message: "line 1: not JSON" },
  });
  expect(ok(w.tasks.list(q)).length).toBe(2);
});
