import { describe, expect, test } from "bun:test";
import type { StoredEvent } from "../history/store.ts";
import type { AgentEvent } from "../protocol/agent-events.ts";
import { watchBrowserAsks } from "./browser-asks.ts";
import type { NotifyInput } from "./service.ts";
import { TurnWatcher } from "./turns.ts";

const session = { id: "ses_1", project_id: "prj_1" };

function world(wasWorking = false) {
  const heard: NotifyInput[] = [];
  const watcher = new TurnWatcher({
    notify: (_user, n) => heard.push(n),
    describe: () => "Daily summary · Reports",
    wasWorking: () => wasWorking,
  });
  let seq = 0;
  const feed = (...events: AgentEvent[]) =>
    watcher.observe(
      "usr_1",
      session,
      events,
      events.map((): StoredEvent => ({ seq: ++seq, ts: 0, body: "{}" })),
    );
  return { heard, feed };
}

const reply = (text: string): AgentEvent => ({
  event: "stream.message_end",
  message: { id: "msg_1", role: "assistant", parts: [{ type: "text", text }], created_at: 0 },
});

test("working … idle is a finished turn, pointing at its idle event, with the reply's start", () => {
  const { heard, feed } = world();
  feed({ event: "agent.working", phase: "model" }, reply("Three commits yesterday."));
  feed({ event: "agent.idle" });
  expect(heard).toEqual([
    {
      kind: "turn.finished",
      title: "Reply ready: Daily summary · Reports",
      body: "Three commits yesterday.",
      project_id: "prj_1",
      session_id: "ses_1",
      seq: 3,
      message_id: "msg_1",
    },
  ]);
});

test("an error before the idle makes it failed; a fatal error then idle is one notification", () => {
  const { heard, feed } = world();
  feed(
    { event: "agent.working", phase: "model" },
    { event: "agent.error", error: { code: "agent_failed", message: "429 rate limited" }, recoverable: true },
    { event: "agent.idle" },
  );
  feed(
    {
      event: "agent.error",
      error: { code: "agent_crashed", message: "pi did not start" },
      recoverable: false,
    },
    { event: "agent.idle" },
  );
  expect(heard.map((n) => [n.kind, n.body])).toEqual([
    ["turn.failed", "429 rate limited"],
    ["turn.failed", "pi did not start"],
  ]);
});

test("an idle without a turn (start-up, state) is nothing; after a restart the history decides", () => {
  const fresh = world(false);
  fresh.feed({ event: "agent.idle" });
  expect(fresh.heard).toEqual([]);
  const restarted = world(true);
  restarted.feed({ event: "agent.idle" });
  expect(restarted.heard.map((n) => n.kind)).toEqual(["turn.finished"]);
});

test("a dialog waits for the person", () => {
  const { heard, feed } = world();
  feed({
    event: "agent.input_needed",
    request: { id: "d1", kind: "confirm", title: "Delete build/?", message: "12 files" },
  });
  expect(heard).toMatchObject([{ kind: "turn.input_needed", body: "Delete build/? — 12 files", seq: 1 }]);
});

test("a browser help request notifies its owner once per question, only from the owner's runner", () => {
  const heard: [string, NotifyInput][] = [];
  const onEvent = watchBrowserAsks({
    sessionOwner: (id) =>
      id === "ses_1" ? { userId: "usr_1", runnerUser: "alice", projectId: "prj_1" } : null,
    describe: () => "Checkout · Shop",
    notify: (user, n) => heard.push([user, n]),
  });
  const state = (ask: string | null) => ({
    event: "browser.state" as const,
    session: "ses_1",
    state: { driver: "agent" as const, url: "", title: "", tabs: [], action: null, ask },
  });
  onEvent("mallory", state("Solve the captcha"));
  onEvent("alice", state("Solve the captcha"));
  onEvent("alice", state("Solve the captcha"));
  onEvent("alice", state(null));
  onEvent("alice", state("Log in please"));
  expect(heard.map(([u, n]) => [u, n.kind, n.body, n.url])).toEqual([
    ["usr_1", "turn.input_needed", "Solve the captcha", "/projects/prj_1/browser?session=ses_1"],
    ["usr_1", "turn.input_needed", "Log in please", "/projects/prj_1/browser?session=ses_1"],
  ]);
});

describe("in a shared project, the people who asked are told (decision 0030)", () => {
  function shared(opts: { creator?: string | null; canOpen?: (who: string) => boolean } = {}) {
    const heard: [string, NotifyInput["kind"]][] = [];
    const watcher = new TurnWatcher({
      notify: (user, n) => heard.push([user, n.kind]),
      describe: () => "Fix the build · Shop",
      wasWorking: () => true,
      creatorOf: () => opts.creator ?? null,
      canOpen: (who) => opts.canOpen?.(who) ?? true,
    });
    let seq = 0;
    const feed = (...events: AgentEvent[]) =>
      watcher.observe(
        "usr_owner",
        session,
        events,
        events.map((): StoredEvent => ({ seq: ++seq, ts: 0, body: "{}" })),
      );
    return { heard, feed };
  }
  const author = (user_id: string): AgentEvent => ({
    event: "message.author",
    client_id: `c-${user_id}`,
    user_id,
    username: user_id,
  });

  test("a member's prompt notifies the member, not the owner", () => {
    const { heard, feed } = shared();
    feed(author("usr_bob"), { event: "agent.working", phase: "model" }, reply("Done."));
    feed({ event: "agent.idle" });
    expect(heard).toEqual([["usr_bob", "turn.finished"]]);
  });

  test("everyone who sent a message in the turn is told once; the next turn starts afresh", () => {
    const { heard, feed } = shared();
    feed(author("usr_bob"), { event: "agent.working", phase: "model" });
    feed(author("usr_owner"), author("usr_bob"));
    feed({ event: "agent.idle" });
    feed(author("usr_owner"), { event: "agent.working", phase: "model" }, { event: "agent.idle" });
    expect(heard).toEqual([
      ["usr_bob", "turn.finished"],
      ["usr_owner", "turn.finished"],
      ["usr_owner", "turn.finished"],
    ]);
  });

  test("a question from the agent goes to who asked; a removed member is not told", () => {
    const { heard, feed } = shared({ canOpen: (who) => who !== "usr_gone" });
    feed(author("usr_bob"), { event: "agent.working", phase: "model" });
    feed({
      event: "agent.input_needed",
      request: { id: "d1", kind: "confirm", title: "Push?", message: "" },
    });
    feed(author("usr_gone"), { event: "agent.idle" });
    expect(heard).toEqual([
      ["usr_bob", "turn.input_needed"],
      ["usr_bob", "turn.finished"],
    ]);
  });

  test("a turn begun before a restart (no author seen) goes to the creator, else the owner", () => {
    const member = shared({ creator: "usr_bob" });
    member.feed({ event: "agent.idle" });
    expect(member.heard).toEqual([["usr_bob", "turn.finished"]]);
    const removed = shared({ creator: "usr_bob", canOpen: () => false });
    removed.feed({ event: "agent.idle" });
    expect(removed.heard).toEqual([["usr_owner", "turn.finished"]]);
  });
});
