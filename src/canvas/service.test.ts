import { expect, test } from "bun:test";
import { CANVAS_CHUNK_BYTES, detectKind } from "../protocol/canvas.ts";
import { newId } from "../protocol/ids.ts";
import { openMainDb } from "../storage/main-db.ts";
import { projectsRepo } from "../storage/projects.ts";
import { usersRepo } from "../storage/users.ts";
import { CanvasService } from "./service.ts";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const text = (s: string) => new TextEncoder().encode(s);

/** A real database with a user and two projects. */
function world(maxBytes?: number) {
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const changes: string[] = [];
  const canvas = new CanvasService({
    db,
    usernameOf: (id) => usersRepo(db).byId(id)?.username ?? null,
    changed: (_u, p) => changes.push(p),
    ...(maxBytes ? { maxBytes } : {}),
  });
  const now = Date.now();
  const userId = newId("usr");
  usersRepo(db).insert({
    id: userId,
    username: "ann",
    password_hash: "x",
    role: "user",
    linux_user: null,
    disabled: 0,
    created_at: now,
    updated_at: now,
  });
  const project = () => {
    const id = newId("prj");
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
  return { canvas, project, changes, userId };
}

test("kinds come from the extension and the bytes; an image must be one; unknown text is refused", () => {
  expect(detectKind("a.md", text("# hi"))).toMatchObject({ ok: true, kind: "markdown" });
  expect(detectKind("a.HTML", text("<p>x"))).toMatchObject({ ok: true, kind: "html" });
  expect(detectKind("flow.mmd", text("graph TD; a-->b"))).toMatchObject({ ok: true, kind: "mermaid" });
  expect(detectKind("pic.jpg", PNG)).toMatchObject({ ok: true, kind: "image", mime: "image/png" });
  expect(detectKind("noext", PNG)).toMatchObject({ ok: true, kind: "image", mime: "image/png" });
  expect(detectKind("x", text('<?xml version="1.0"?>\n<svg xmlns="">'))).toMatchObject({ kind: "svg" });
  expect(detectKind("x", text("<!DOCTYPE html><p>"))).toMatchObject({ kind: "html" });
  expect(detectKind("fake.png", text("not an image")).ok).toBe(false);
  expect(detectKind("notes.txt", text("plain")).ok).toBe(false);
  expect(detectKind("notes.txt", text("plain"), "markdown")).toMatchObject({ ok: true, kind: "markdown" });
  expect(detectKind("a.md", PNG).ok).toBe(false);
  expect(detectKind("a.md", new Uint8Array([0xc3, 0x28, 0x41])).ok).toBe(false);
});

test("publishing the same path again makes a revision; another path a new artifact", () => {
  const w = world();
  const p = w.project();
  const agent = { kind: "session" as const, userId: w.userId, sessionId: newId("ses") };
  const first = w.canvas.publish(p, agent, { path: "/w/report.md", bytes: text("# One") });
  if (!first.ok) throw new Error(first.error.message);
  expect(first.value).toMatchObject({
    created: true,
    artifact: { title: "report.md", kind: "markdown", revision: 1 },
  });
  const second = w.canvas.publish(
    p,
    { kind: "person", userId: w.userId },
    {
      path: "/w/report.md",
      title: "Report",
      bytes: text("# Two"),
    },
  );
  expect(second.ok && second.value).toMatchObject({
    created: false,
    artifact: { id: first.value.artifact.id, revision: 2, revisions: 2, title: "Report" },
  });
  w.canvas.publish(p, agent, { path: "/w/chart.png", bytes: PNG });
  expect(w.canvas.list(p).map((a) => a.title)).toEqual(["chart.png", "Report"]);
  const detail = w.canvas.get(p, first.value.artifact.id);
  expect(detail.ok && detail.value.revisions.map((r) => [r.revision, r.published_by.kind])).toEqual([
    [2, "person"],
    [1, "session"],
  ]);
  const old = w.canvas.content(p, first.value.artifact.id, 1);
  expect(old.ok && new TextDecoder().decode(old.value.bytes)).toBe("# One");
  expect(w.changes.length).toBe(3);
  // Another project of the same user does not see it.
  const other = w.project();
  expect(w.canvas.get(other, first.value.artifact.id)).toMatchObject({
    ok: false,
    error: { code: "not_found" },
  });
  expect(w.canvas.remove(other, first.value.artifact.id).ok).toBe(false);
  expect(w.canvas.remove(p, first.value.artifact.id).ok).toBe(true);
  expect(w.canvas.content(p, first.value.artifact.id)).toMatchObject({
    ok: false,
    error: { code: "not_found" },
  });
});

test("too big, unknown kind and empty are refused with stable codes", () => {
  const w = world(1000);
  const p = w.project();
  const me = { kind: "person" as const, userId: w.userId };
  expect(w.canvas.publish(p, me, { path: "a.md", bytes: new Uint8Array(1001) })).toMatchObject({
    ok: false,
    error: { code: "payload_too_large" },
  });
  expect(w.canvas.publish(p, me, { path: "a.txt", bytes: text("x") })).toMatchObject({
    ok: false,
    error: { code: "unknown_kind" },
  });
  expect(w.canvas.publish(p, me, { path: "a.md", bytes: new Uint8Array(0) })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(w.canvas.uploads.begin("ses_x", 1001)).toMatchObject({
    ok: false,
    error: { code: "payload_too_large" },
  });
});

test("a chunked upload is whole only when every byte arrived; a chunk sent twice is harmless", () => {
  const w = world();
  const size = CANVAS_CHUNK_BYTES + 10;
  const id = w.canvas.uploads.begin("s1", size);
  if (!id.ok) throw new Error(id.error.message);
  const all = new Uint8Array(size).map((_, i) => i % 251);
  w.canvas.uploads.chunk("s1", id.value, 0, all.subarray(0, CANVAS_CHUNK_BYTES));
  expect(w.canvas.uploads.take("s1", id.value)).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(w.canvas.uploads.chunk("s2", id.value, 0, all.subarray(0, 1))).toMatchObject({ ok: false });
  w.canvas.uploads.chunk("s1", id.value, CANVAS_CHUNK_BYTES, all.subarray(CANVAS_CHUNK_BYTES));
  w.canvas.uploads.chunk("s1", id.value, CANVAS_CHUNK_BYTES, all.subarray(CANVAS_CHUNK_BYTES));
  expect(w.canvas.uploads.take("s2", id.value).ok).toBe(false);
  const got = w.canvas.uploads.take("s1", id.value);
  expect(got.ok && Buffer.from(got.value).equals(Buffer.from(all))).toBe(true);
  expect(w.canvas.uploads.take("s1", id.value)).toMatchObject({ ok: false, error: { code: "not_found" } });
});
