import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentEvent } from "../protocol/agent-events.ts";
import type { Message } from "../protocol/agent-message.ts";
import { newId } from "../protocol/ids.ts";
import { HistoryStore, toFtsQuery } from "./store.ts";

let dir: string;
let store: HistoryStore;
const ses = { id: newId("ses"), project_id: newId("prj") };

const open = () => {
  const r = HistoryStore.open(join(dir, "history.db"));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "octo-history-"));
  store = open();
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const delta = (d: string): AgentEvent => ({ event: "stream.text_delta", delta: d });
const message = (text: string, role: Message["role"] = "assistant"): Message => ({
  id: newId("msg"),
  role,
  parts: [{ type: "text", text }],
  created_at: Date.now(),
});

test("seq is per session, gap-free, and survives reopening", () => {
  const other = { id: newId("ses"), project_id: ses.project_id };
  expect(store.append(ses, [delta("a"), delta("b")]).map((e) => e.seq)).toEqual([1, 2]);
  expect(store.append(other, [delta("x")]).map((e) => e.seq)).toEqual([1]);
  expect(store.append(ses, [delta("c")]).map((e) => e.seq)).toEqual([3]);
  store.close();
  store = open();
  expect(store.append(ses, [delta("d")])[0]?.seq).toBe(4);
  expect(store.replay(ses.id, 0).map((e) => JSON.parse(e.body).delta)).toEqual(["a", "b", "c", "d"]);
});

test("replay returns exactly the events after a seq, in order and paged", () => {
  store.append(
    ses,
    Array.from({ length: 10 }, (_, i) => delta(String(i))),
  );
  expect(store.replay(ses.id, 7).map((e) => e.seq)).toEqual([8, 9, 10]);
  expect(store.replay(ses.id, 2, 3).map((e) => e.seq)).toEqual([3, 4, 5]);
  expect(store.replay(ses.id, 10)).toEqual([]);
});

test("message_end stores the final message, searchable, scoped by project", () => {
  const m = message("the quick brown fox jumps");
  store.append(ses, [{ event: "stream.message_end", message: m }]);
  const elsewhere = { id: newId("ses"), project_id: newId("prj") };
  store.append(elsewhere, [{ event: "stream.message_end", message: message("a brown dog") }]);
  expect(store.messages(ses.id)).toEqual([m]);
  const all = store.search("brown");
  expect(all.ok && all.value.length).toBe(2);
  const scoped = store.search("brow", { projectId: ses.project_id });
  expect(scoped.ok && scoped.value.map((h) => h.message_id)).toEqual([m.id]);
  expect(scoped.ok && scoped.value[0]?.snippet).toContain("[brown]");
});

test("message pages follow each other with no overlap and no gap, and say where the end is", () => {
  const all = Array.from({ length: 7 }, (_, i) => message(`m${i}`));
  // Deltas between the ends, as in a real stream: message seqs are not consecutive.
  for (const m of all) store.append(ses, [delta("x"), { event: "stream.message_end", message: m }]);
  const seen: string[] = [];
  let after = 0;
  let pages = 0;
  for (;;) {
    const page = store.messagePage(ses.id, { afterSeq: after, limit: 3 });
    seen.push(...page.messages.map((m) => m.id));
    pages++;
    if (page.next_after_seq === null) break;
    after = page.next_after_seq;
  }
  expect(seen).toEqual(all.map((m) => m.id));
  expect(pages).toBe(3);
  expect(store.messagePage(ses.id, { limit: 7 }).next_after_seq).toBeNull();
  expect(store.messagePage(ses.id, { limit: 6 }).next_after_seq).toBe(12);
});

test("search input never becomes FTS syntax", () => {
  expect(toFtsQuery('foo" OR bar NEAR(')).toBe('"foo" "OR" "bar" "NEAR"*');
  expect(toFtsQuery("  ***  ")).toBeNull();
  const r = store.search("***");
  expect(r.ok).toBe(false);
  store.append(ses, [{ event: "stream.message_end", message: message('he said "hi" (loudly)') }]);
  const hits = store.search('"hi" (');
  expect(hits.ok && hits.value.length).toBe(1);
});

test("a client id is accepted once per session, and can be released after a refusal", () => {
  expect(store.claimClientId(ses.id, "c1", "prompt")).toBe(true);
  expect(store.claimClientId(ses.id, "c1", "prompt")).toBe(false);
  expect(store.claimClientId(newId("ses"), "c1", "prompt")).toBe(true);
  store.releaseClientId(ses.id, "c1");
  expect(store.claimClientId(ses.id, "c1", "prompt")).toBe(true);
});

test("deleting a session removes its events, messages and search hits", () => {
  store.append(ses, [delta("a"), { event: "stream.message_end", message: message("findme") }]);
  store.deleteSession(ses.id);
  expect(store.replay(ses.id, 0)).toEqual([]);
  const r = store.search("findme");
  expect(r.ok && r.value).toEqual([]);
  expect(store.append(ses, [delta("new")])[0]?.seq).toBe(1);
});

test("the runner watermark is stored with the events, atomically", () => {
  expect(store.source(ses.id)).toBeNull();
  store.append(ses, [delta("a")], Date.now(), { proc: "prc_x", seq: 7 });
  expect(store.source(ses.id)).toEqual({ proc: "prc_x", seq: 7 });
  store.append(ses, [delta("b")]);
  expect(store.source(ses.id)).toEqual({ proc: "prc_x", seq: 7 });
});
