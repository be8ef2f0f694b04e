import { expect, test } from "bun:test";
import type { Notification } from "../../../src/protocol/notifications.ts";
import { applyNotify, EMPTY_BELL } from "./bell-state.ts";

const n = (id: string): Notification => ({
  id,
  kind: "turn.finished",
  title: "t",
  body: "",
  project_id: null,
  session_id: null,
  seq: null,
  url: "/projects",
  created_at: 1,
  read_at: null,
});

test("added goes on top once; read marks the named ones or all; the count is the server's", () => {
  let s = applyNotify(EMPTY_BELL, { ch: "notify", event: "added", notification: n("a"), unread: 1 });
  s = applyNotify(s, { ch: "notify", event: "added", notification: n("b"), unread: 2 });
  s = applyNotify(s, { ch: "notify", event: "added", notification: n("b"), unread: 2 });
  expect(s.items.map((i) => i.id)).toEqual(["b", "a"]);
  s = applyNotify(s, { ch: "notify", event: "read", ids: ["a"], unread: 1 }, 5);
  expect(s.items.map((i) => i.read_at)).toEqual([null, 5]);
  s = applyNotify(s, { ch: "notify", event: "read", ids: null, unread: 0 }, 6);
  expect(s).toMatchObject({ unread: 0 });
  expect(s.items.every((i) => i.read_at !== null)).toBe(true);
});
