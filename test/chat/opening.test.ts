import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HistoryStore } from "../../src/history/store.ts";
import type { AgentEvent, Message } from "../../src/protocol/agent.ts";
import { newId } from "../../src/protocol/ids.ts";
import { type AgentEventFrame, decodeServerFrame } from "../../src/protocol/mux.ts";
import { frameOf } from "../../src/sessions/hub.ts";
import {
  applyFrames,
  type ChatState,
  type HistoryOpening,
  type HistoryPage,
  initialChat,
  openAt,
  prependOlder,
} from "../../ui/src/chat/chat-state.ts";
import { timeline } from "../../ui/src/chat/chat-timeline.ts";

/**
 * A session opened at its end (`session.history`, then the subscription after its `after_seq`, then
 * older pages on scroll) must come to exactly what a replay of every event from the first gives:
 * the same timeline, usage, model, title and notices, every message once. Real history store
 * (SQLite), the chat's own reducer; frames encoded and decoded as the server and UI do.
 */

let dir: string;
let store: HistoryStore;
const ses = { id: newId("ses"), project_id: newId("prj") };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "octo-opening-"));
  const r = HistoryStore.open(join(dir, "history.db"));
  if (!r.ok) throw new Error(r.error.message);
  store = r.value;
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const usage = (n: number) => ({
  tokens: { input: 100 + n, output: 10 + n, cache_read: n, cache_write: 0 },
  cost: n / 1000,
});

/** One prompt and `turns` agent turns (text + a tool call, its run and result), as pi's events come. */
function conversation(turns: number, clientId = "c1"): AgentEvent[][] {
  const batches: AgentEvent[][] = [];
  const user: Message = {
    id: newId("msg"),
    role: "user",
    parts: [{ type: "text", text: "check every item" }],
    created_at: 1,
    client_id: clientId,
  };
  batches.push([
    { event: "session.created", model: "fake/one" },
    { event: "memory.used", client_id: clientId, memories: [] },
    { event: "stream.message_start", message_id: user.id, role: "user", client_id: clientId },
    { event: "stream.message_end", message: user },
    { event: "agent.working", phase: "model" },
    { event: "session.title_changed", title: "Checking items" },
  ]);
  for (let i = 1; i <= turns; i++) {
    const a = newId("msg");
    const call = `call_${i}`;
    const assistant: Message = {
      id: a,
      role: "assistant",
      parts: [
        { type: "text", text: `Step ${i}: checking` },
        { type: "tool_call", call_id: call, name: "bash", args: { command: `echo ${i}` } },
      ],
      created_at: i,
      usage: usage(i),
    };
    const t = newId("msg");
    const result: Message = {
      id: t,
      role: "tool",
      parts: [{ type: "tool_result", call_id: call, name: "bash", output: `${i}\n`, is_error: false }],
      created_at: i,
    };
    const batch: AgentEvent[] = [
      { event: "stream.message_start", message_id: a, role: "assistant" },
      { event: "stream.text_delta", part: 0, delta: `Step ${i}: ` },
      { event: "stream.text_delta", part: 0, delta: "checking" },
      { event: "stream.tool_call_start", part: 1, call_id: call, name: "bash" },
      { event: "stream.tool_call_delta", part: 1, delta: `{"command":"echo ${i}"}` },
      { event: "stream.tool_call_end", part: 1, call_id: call, name: "bash", args: { command: `echo ${i}` } },
      { event: "stream.message_end", message: assistant },
      { event: "usage", message_id: a, model: i === 7 ? "fake/two" : undefined, ...usage(i) },
      { event: "agent.working", phase: "tool" },
      { event: "tool.start", call_id: call, name: "bash", args: { command: `echo ${i}` } },
      { event: "tool.progress", call_id: call, delta: `${i}\n` },
      { event: "tool.end", call_id: call, output: `${i}\n`, is_error: false },
      { event: "stream.message_start", message_id: t, role: "tool" },
      { event: "stream.message_end", message: result },
      { event: "agent.working", phase: "model" },
    ];
    if (i === 5) batch.push({ event: "agent.notice", kind: "status", key: "lint", text: "lint: ok" });
    batches.push(batch);
  }
  return batches;
}

const store_ = (batches: AgentEvent[][]) => {
  for (const b of batches) store.append(ses, b);
};
/** The stored events after `after`, as the subscription sends them and the UI decodes them. */
const framesAfter = (after: number): AgentEventFrame[] =>
  store.replay(ses.id, after, 1_000_000).map((e) => {
    const r = decodeServerFrame(frameOf(ses.id, e));
    if (!r.ok) throw new Error(r.error.message);
    return r.frame as AgentEventFrame;
  });
/** Through JSON, as the response travels. */
const wire = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const opened = (limit: number): { state: ChatState; opening: HistoryOpening } => {
  const opening = wire(store.opening(ses.id, limit));
  return { opening, state: openAt(initialChat(ses.id), opening) };
};
const older = (s: ChatState, limit: number): ChatState =>
  s.olderBefore === null
    ? s
    : prependOlder(s, wire<HistoryPage>(store.olderPage(ses.id, s.olderBefore, limit)));

/** What the reader sees and what the meters say. */
const view = (s: ChatState) => ({
  timeline: timeline(s),
  usage: s.usage.total,
  model: s.model,
  title: s.title,
  working: s.working,
  statusSlots: s.statusSlots,
  usedMemories: s.usedMemories,
  lastSeq: s.lastSeq,
});

describe("a session opened at its end", () => {
  test("is its last page, then every older page comes to exactly the full replay", () => {
    store_(conversation(60));
    store.append(ses, [{ event: "agent.idle" }]);
    const full = applyFrames(initialChat(ses.id), framesAfter(0));

    const { state, opening } = opened(40);
    expect(opening.after_seq).toBeGreaterThan(0);
    // Not a replay: the head is state events only, and what follows is the last turn's few events.
    expect(opening.head.every((e) => !e.event.startsWith("stream.") && !e.event.startsWith("tool."))).toBe(
      true,
    );
    const rest = framesAfter(opening.after_seq);
    expect(rest.length).toBeLessThan(20);
    let s = applyFrames(state, rest);
    expect(s.resync).toBe(false);
    // The last page, not the whole session; the page does not start with a tool result.
    expect(s.messages.length).toBeLessThan(50);
    expect(s.messages[0]?.role).not.toBe("tool");
    expect(s.olderBefore).not.toBeNull();
    // Its end already looks as the full replay's end does, meters included.
    expect(timeline(s).slice(-10)).toEqual(timeline(full).slice(-10));
    expect(s.usage.total).toEqual(full.usage.total);
    expect([s.model, s.title, s.statusSlots]).toEqual([full.model, full.title, full.statusSlots]);

    let pages = 0;
    while (s.olderBefore !== null) {
      s = older(s, 40);
      pages++;
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(view(s)).toEqual(view(full));
    expect(new Set(s.messages.map((m) => m.id)).size).toBe(s.messages.length);
  });

  test("live events while an older page loads, and a reconnect in between, keep it exactly once", () => {
    const batches = conversation(50);
    store_(batches.slice(0, 40));
    const { state } = opened(30);
    // Subscribed after the opening's seq; the socket drops after part of the replay…
    const first = framesAfter(state.lastSeq);
    let s = applyFrames(state, first.slice(0, 3));
    // …more is stored meanwhile, and an older page is asked for and arrives before the resubscribe.
    store_(batches.slice(40, 45));
    const pending = wire<HistoryPage>(store.olderPage(ses.id, s.olderBefore ?? 0, 30));
    s = prependOlder(s, pending);
    // The resubscribe replays after what was applied; some of it arrives twice (before and after).
    const again = framesAfter(s.lastSeq);
    s = applyFrames(s, [...first.slice(0, 5), ...again]);
    expect(s.resync).toBe(false);
    // Live events while the next older page is in flight.
    const asked = s.olderBefore;
    store_(batches.slice(45));
    store.append(ses, [{ event: "agent.idle" }]);
    s = applyFrames(s, framesAfter(s.lastSeq));
    if (asked !== null) s = prependOlder(s, wire<HistoryPage>(store.olderPage(ses.id, asked, 30)));
    while (s.olderBefore !== null) s = older(s, 30);

    const full = applyFrames(initialChat(ses.id), framesAfter(0));
    expect(view(s)).toEqual(view(full));
    expect(s.messages.map((m) => m.id)).toEqual(full.messages.map((m) => m.id));
  });

  test("a short session opens as a full replay; an empty one at seq 0", () => {
    expect(store.opening(ses.id, 40)).toEqual({ after_seq: 0, messages: [], older_before: null, head: [] });
    store_(conversation(1));
    const o = store.opening(ses.id, 40);
    // One assistant message: the boundary is the prompt before it, with nothing older.
    expect(o.messages.map((m) => m.role)).toEqual(["user"]);
    expect(o.older_before).toBeNull();
    const s = applyFrames(openAt(initialChat(ses.id), wire(o)), framesAfter(o.after_seq));
    expect(view(s)).toEqual(view(applyFrames(initialChat(ses.id), framesAfter(0))));
  });

  test("a state that has applied events keeps them: the opening changes nothing", () => {
    store_(conversation(30));
    const live = applyFrames(initialChat(ses.id), framesAfter(0).slice(0, 4));
    expect(openAt(live, wire(store.opening(ses.id, 10)))).toBe(live);
  });
});
