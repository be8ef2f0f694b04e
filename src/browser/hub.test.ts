import { expect, test } from "bun:test";
import type { BrowserEvent, BrowserState } from "../protocol/browser.ts";
import { BrowserHub, type BrowserViewer } from "./hub.ts";

const S = "ses_hub000000000000000000000000";
const state = (driver: BrowserState["driver"]): BrowserState => ({
  driver,
  url: "u",
  title: "t",
  tabs: [],
  action: null,
  ask: null,
});
const frame = (n: number) =>
  ({ event: "browser.frame", session: S, data: `f${n}`, width: 1280, height: 800 }) as const;

function viewer() {
  const got: BrowserEvent[] = [];
  const v: BrowserViewer = {
    send: (e) => {
      got.push(e);
      return "ok";
    },
  };
  return { v, got, frames: () => got.filter((e) => e.event === "frame") };
}

test("a viewer gets one frame per ack, always the newest; the others skip nothing they need", () => {
  const hub = new BrowserHub();
  hub.onRunnerEvent("local", frame(1));
  const slow = viewer();
  const fast = viewer();
  hub.watch(S, "local", slow.v);
  hub.watch(S, "local", fast.v);
  expect(slow.got[0]?.event).toBe("state"); // state first, then the newest frame
  expect(slow.frames().map((f) => f.event === "frame" && f.data)).toEqual(["f1"]);
  for (const n of [2, 3, 4]) hub.onRunnerEvent("local", frame(n));
  expect(slow.frames()).toHaveLength(1); // no ack yet: nothing queued
  const first = slow.frames()[0];
  hub.ack(S, slow.v, first?.event === "frame" ? first.seq : 0);
  expect(slow.frames().map((f) => f.event === "frame" && f.data)).toEqual(["f1", "f4"]);
});

test("another runner's pushes for a session are ignored; a watcher of another runner sees nothing", () => {
  const hub = new BrowserHub();
  hub.onRunnerEvent("alice", frame(1));
  hub.onRunnerEvent("mallory", { event: "browser.state", session: S, state: state("user") });
  expect(hub.stateOf(S)).toBeNull();
  const spy = viewer();
  hub.watch(S, "mallory", spy.v);
  expect(spy.got).toEqual([]);
});

test("a closed browser nobody watches is forgotten", () => {
  const hub = new BrowserHub();
  hub.onRunnerEvent("local", { event: "browser.state", session: S, state: state("idle") });
  expect(hub.stateOf(S)?.driver).toBe("idle");
  hub.onRunnerEvent("local", { event: "browser.state", session: S, state: state("closed") });
  expect(hub.stateOf(S)).toBeNull();
});

test("a state-only viewer gets every state and no frame, even after acking", () => {
  const hub = new BrowserHub();
  hub.onRunnerEvent("local", frame(1));
  const chat = viewer();
  hub.watch(S, "local", chat.v, { frames: false });
  hub.onRunnerEvent("local", {
    event: "browser.state",
    session: S,
    state: { ...state("idle"), ask: "log in" },
  });
  hub.onRunnerEvent("local", frame(2));
  hub.ack(S, chat.v, 2);
  hub.onRunnerEvent("local", frame(3));
  expect(chat.frames()).toEqual([]);
  expect(chat.got.map((e) => e.event === "state" && e.state.ask)).toEqual([null, "log in"]);
});

test("a session watched while it has no browser is forgotten once nobody watches it", () => {
  const hub = new BrowserHub();
  const chat = viewer();
  hub.watch(S, "local", chat.v, { frames: false });
  expect(chat.got.map((e) => e.event === "state" && e.state.driver)).toEqual(["closed"]);
  hub.unwatch(S, chat.v);
  // Forgotten: a later push from another runner is the first again (nothing pinned the old one).
  hub.onRunnerEvent("other", { event: "browser.state", session: S, state: state("idle") });
  expect(hub.stateOf(S)?.driver).toBe("idle");
});
