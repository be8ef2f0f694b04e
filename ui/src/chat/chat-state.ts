import type {
  AgentEvent,
  AgentEventOf,
  InputRequest,
  Message,
  QueuedItem,
  ThinkingLevel,
  Usage,
  WorkingPhase,
} from "../../../src/protocol/agent.ts";
import type { AgentEventFrame } from "../../../src/protocol/mux.ts";

/**
 * One session's chat, as a pure reducer over the canonical agent events (DESIGN.md).
 *
 * Identity and order come only from the server: every event carries a gap-free `seq`; an event at or
 * below `lastSeq` is a duplicate (a replay after reconnect) and changes nothing; an event past
 * `lastSeq + 1` means frames were lost, so it is not applied and `resync` asks the client to
 * re-subscribe with `after_seq: lastSeq`. Prompts are matched to their messages by `client_id`, never
 * by text or position.
 *
 * Hot path: a text delta touches only `streaming`; the list of finished messages keeps its identity
 * until a message ends, so a long session does not re-render on every token.
 */

export type StreamPart =
  | { type: "text" | "thinking"; text: string }
  | {
      type: "tool_call";
      call_id?: string;
      name?: string;
      args_text: string;
      args?: unknown;
      complete: boolean;
    };

export interface StreamingMessage {
  id: string;
  role: Message["role"];
  client_id?: string;
  parts: StreamPart[];
}

export type ToolStatus = "running" | "done" | "error" | "interrupted";
export interface ToolRun {
  call_id: string;
  name: string;
  args: unknown;
  status: ToolStatus;
  output: string;
}

export type SendKind = "prompt" | "steer" | "follow_up";
export interface PendingSend {
  client_id: string;
  kind: SendKind;
  text: string;
  status: "sending" | "failed";
  error?: string;
}

export interface ChatQueue {
  steering: readonly string[];
  follow_up: readonly string[];
  /** Each message with the client_id it was sent with (from octo's runner); absent from older events. */
  items?: readonly QueuedItem[];
}

/** The queue as a list to show: with ids when the runner named them, bare texts otherwise. */
export function queuedItems(q: ChatQueue): (QueuedItem | { kind: QueuedItem["kind"]; text: string })[] {
  if (q.items) return [...q.items];
  return [
    ...q.steering.map((text) => ({ kind: "steer" as const, text })),
    ...q.follow_up.map((text) => ({ kind: "follow_up" as const, text })),
  ];
}

/**
 * The agent is being started: a prompt is on its way, nothing has answered it yet, and the agent is
 * not known to be running (or has taken too long to answer to be).
 */
export const startingAgent = (s: ChatState, agentNotRunning: boolean): boolean =>
  agentNotRunning &&
  s.working === null &&
  s.closed === null &&
  s.pending.some((p) => p.kind === "prompt" && p.status === "sending");

export interface ChatState {
  sessionId: string;
  lastSeq: number;
  /** Frames were lost: re-subscribe with `after_seq: lastSeq`, then call `resubscribed`. */
  resync: boolean;
  messages: readonly Message[];
  streaming: StreamingMessage | null;
  tools: Readonly<Record<string, ToolRun>>;
  working: WorkingPhase | null;
  error: { code: string; message: string; recoverable: boolean } | null;
  retry: AgentEventOf<"retry.start"> | null;
  compacting: AgentEventOf<"compact.start">["reason"] | null;
  queue: ChatQueue;
  inputs: readonly InputRequest[];
  /** Extension status slots by key; toasts (notify) are the last few. */
  statusSlots: Readonly<Record<string, string>>;
  toasts: readonly { seq: number; level: string; text: string }[];
  usage: { byMessage: Readonly<Record<string, Usage>>; total: Usage; last: Usage | null };
  model: string | null;
  thinkingLevel: ThinkingLevel | null;
  title: string | null;
  closed: AgentEventOf<"session.closed">["reason"] | null;
  pending: readonly PendingSend[];
  /** "Used N memories": the memories put before a prompt, by the prompt's client_id. */
  usedMemories: Readonly<Record<string, AgentEventOf<"memory.used">["memories"]>>;
  /**
   * Opened at its end (`openAt`): the older messages not loaded yet end before this seq (ask for them
   * with `session.history {before_seq}`); null when the first message is loaded.
   */
  olderBefore: number | null;
  /** Who sent each user message, by its client_id (shared projects): the name the chat shows. */
  authors: Readonly<Record<string, { user_id: string; username: string }>>;
  /** The server ended this watch: the user was removed from the shared project (decision 0030). */
  accessEnded?: boolean;
}

/** The answer to `session.history` without `before_seq` (src/history/store.ts `HistoryOpening`). */
export interface HistoryOpening {
  after_seq: number;
  messages: Message[];
  older_before: number | null;
  head: (AgentEvent & { seq: number })[];
}
/** The answer to `session.history {before_seq}`. */
export interface HistoryPage {
  messages: Message[];
  older_before: number | null;
}

const zeroUsage = (): Usage => ({ tokens: { input: 0, output: 0, cache_read: 0, cache_write: 0 }, cost: 0 });
const MAX_TOASTS = 5;

export function initialChat(sessionId: string): ChatState {
  return {
    sessionId,
    lastSeq: 0,
    resync: false,
    messages: [],
    streaming: null,
    tools: {},
    working: null,
    error: null,
    retry: null,
    compacting: null,
    queue: { steering: [], follow_up: [] },
    inputs: [],
    statusSlots: {},
    toasts: [],
    usage: { byMessage: {}, total: zeroUsage(), last: null },
    model: null,
    thinkingLevel: null,
    title: null,
    closed: null,
    pending: [],
    usedMemories: {},
    olderBefore: null,
    authors: {},
  };
}

/** The `after_seq` to subscribe with: everything after what this state has seen. */
export const resumeAfter = (state: ChatState): number => state.lastSeq;

/** The client re-subscribed after a gap; replayed events will fill it. */
export const resubscribed = (state: ChatState): ChatState =>
  state.resync ? { ...state, resync: false } : state;

/** Apply one server frame. Frames of other sessions, duplicates and frames past a gap change nothing. */
export function applyFrame(state: ChatState, frame: AgentEventFrame): ChatState {
  if (frame.session_id !== state.sessionId || frame.seq <= state.lastSeq) return state;
  if (frame.seq !== state.lastSeq + 1) return state.resync ? state : { ...state, resync: true };
  const next = applyEvent(state, frame as AgentEvent, frame.seq);
  return { ...next, lastSeq: frame.seq, resync: false };
}

export const applyFrames = (state: ChatState, frames: readonly AgentEventFrame[]): ChatState =>
  frames.reduce(applyFrame, state);

// ---------------------------------------------------------------- opening at the end

/**
 * Start from a session's last page instead of its first event: the state events before the page
 * (`head`, in seq order, as a full replay would have applied them), then its final messages; the
 * state then stands at `after_seq`, and the subscription continues from there. Only for a state that
 * has applied no event yet (anything else keeps what it has: its own events are as good).
 */
export function openAt(state: ChatState, o: HistoryOpening): ChatState {
  if (state.lastSeq !== 0 || o.after_seq <= 0) return state;
  let s = state;
  // Usage is summed in place: a copy of the per-message table per event is quadratic over a long session.
  const byMessage: Record<string, Usage> = { ...s.usage.byMessage };
  let { total, last } = s.usage;
  for (const e of o.head) {
    if (e.seq > o.after_seq) break;
    if (e.event === "usage") {
      const u: Usage = { tokens: e.tokens, cost: e.cost };
      total = sumUsage(total, byMessage[e.message_id], u);
      byMessage[e.message_id] = u;
      last = u;
      if (e.model && e.model !== s.model) s = { ...s, model: e.model };
    } else s = applyEvent(s, e, e.seq);
  }
  s = { ...s, usage: { byMessage, total, last } };
  return { ...withOlder(s, o.messages), lastSeq: o.after_seq, olderBefore: o.older_before, resync: false };
}

/** A page of older messages (scrolled up to): it goes before everything loaded so far. */
export function prependOlder(state: ChatState, page: HistoryPage): ChatState {
  return { ...withOlder(state, page.messages), olderBefore: page.older_before };
}

function withOlder(s: ChatState, older: readonly Message[]): ChatState {
  const ids = new Set(s.messages.map((m) => m.id));
  const fresh = older.filter((m) => !ids.has(m.id));
  if (fresh.length === 0) return s;
  // Counted as a message's end counts it (once per message), without making it the latest figure.
  let usage = s.usage;
  for (const m of fresh) {
    if (!m.usage || usage.byMessage[m.id]) continue;
    const added = addUsage(usage, m.id, m.usage);
    usage = { ...added, last: usage.last };
  }
  const sent = new Set(fresh.map((m) => m.client_id).filter(Boolean));
  return {
    ...s,
    messages: [...fresh, ...s.messages],
    usage,
    pending: sent.size ? s.pending.filter((p) => !sent.has(p.client_id)) : s.pending,
  };
}

// ---------------------------------------------------------------- local sends (optimistic)

/** Show a prompt at once while it travels; it disappears when the server's message with its client_id lands. */
export function localSend(
  state: ChatState,
  send: { client_id: string; kind: SendKind; text: string },
): ChatState {
  if (state.pending.some((p) => p.client_id === send.client_id)) return state;
  if (state.messages.some((m) => m.client_id === send.client_id)) return state;
  return { ...state, pending: [...state.pending, { ...send, status: "sending" }] };
}

/** The server refused the send (busy, validation…): keep the text so nothing typed is lost. */
export function sendFailed(state: ChatState, clientId: string, error: string): ChatState {
  return {
    ...state,
    pending: state.pending.map((p) => (p.client_id === clientId ? { ...p, status: "failed", error } : p)),
  };
}

export function dropPending(state: ChatState, clientId: string): ChatState {
  return { ...state, pending: state.pending.filter((p) => p.client_id !== clientId) };
}

export function dismissToast(state: ChatState, seq: number): ChatState {
  return { ...state, toasts: state.toasts.filter((t) => t.seq !== seq) };
}

// ---------------------------------------------------------------- the reducer proper

function applyEvent(s: ChatState, e: AgentEvent, seq: number): ChatState {
  switch (e.event) {
    case "session.created":
      return e.model ? { ...s, model: e.model } : s;
    case "session.closed":
      return { ...s, closed: e.reason, working: null };
    case "session.title_changed":
      return { ...s, title: e.title };
    case "session.state":
      return {
        ...s,
        model: e.state.model ?? s.model,
        thinkingLevel: e.state.thinking_level,
        title: e.state.name ?? s.title,
      };

    case "agent.working":
      return { ...s, working: e.phase, error: null };
    case "agent.idle":
      return { ...s, working: null, retry: null, compacting: null, tools: interruptRunning(s.tools) };
    case "agent.error":
      return {
        ...s,
        error: { ...e.error, recoverable: e.recoverable },
        working: e.recoverable ? s.working : null,
      };
    case "agent.input_needed":
      return s.inputs.some((r) => r.id === e.request.id) ? s : { ...s, inputs: [...s.inputs, e.request] };
    case "agent.input_closed":
      return { ...s, inputs: s.inputs.filter((r) => r.id !== e.request_id) };
    case "agent.notice":
      return applyNotice(s, e, seq);
    case "agent.stopped":
      return {
        ...s,
        toasts: [...s.toasts, { seq, level: "info", text: stoppedNote(e.reason) }].slice(-MAX_TOASTS),
      };
    case "agent.queue":
      return {
        ...s,
        queue: { steering: e.steering, follow_up: e.follow_up, ...(e.items ? { items: e.items } : {}) },
      };

    case "memory.used":
      return { ...s, usedMemories: { ...s.usedMemories, [e.client_id]: e.memories } };
    case "message.author":
      return { ...s, authors: { ...s.authors, [e.client_id]: { user_id: e.user_id, username: e.username } } };

    case "stream.message_start":
      return {
        ...s,
        streaming: {
          id: e.message_id,
          role: e.role,
          parts: [],
          ...(e.client_id ? { client_id: e.client_id } : {}),
        },
        pending: e.client_id ? s.pending.filter((p) => p.client_id !== e.client_id) : s.pending,
      };
    case "stream.text_delta":
    case "stream.thinking_delta":
      return withStreamPart(s, e.part ?? 0, (p) => {
        const type = e.event === "stream.text_delta" ? "text" : "thinking";
        return p && p.type === type ? { ...p, text: p.text + e.delta } : { type, text: e.delta };
      });
    case "stream.tool_call_start":
      return withStreamPart(s, e.part, () => ({
        type: "tool_call",
        ...(e.call_id ? { call_id: e.call_id } : {}),
        ...(e.name ? { name: e.name } : {}),
        args_text: "",
        complete: false,
      }));
    case "stream.tool_call_delta":
      return withStreamPart(s, e.part, (p) =>
        p?.type === "tool_call"
          ? { ...p, args_text: p.args_text + e.delta }
          : { type: "tool_call", args_text: e.delta, complete: false },
      );
    case "stream.tool_call_end":
      return withStreamPart(s, e.part, (p) => ({
        type: "tool_call",
        call_id: e.call_id,
        name: e.name,
        args: e.args,
        args_text: p?.type === "tool_call" ? p.args_text : "",
        complete: true,
      }));
    case "stream.message_end":
      return endMessage(s, e.message);

    case "tool.start":
      return {
        ...s,
        tools: {
          ...s.tools,
          [e.call_id]: { call_id: e.call_id, name: e.name, args: e.args, status: "running", output: "" },
        },
      };
    case "tool.progress": {
      const run = s.tools[e.call_id];
      if (!run) return s;
      const output = e.replace ? e.delta : run.output + e.delta;
      return { ...s, tools: { ...s.tools, [e.call_id]: { ...run, output } } };
    }
    case "tool.end": {
      const run: ToolRun = s.tools[e.call_id] ?? {
        call_id: e.call_id,
        name: "tool",
        args: undefined,
        status: "running",
        output: "",
      };
      const status: ToolStatus = e.is_error ? "error" : "done";
      return { ...s, tools: { ...s.tools, [e.call_id]: { ...run, status, output: e.output } } };
    }

    case "retry.start":
      return { ...s, retry: e };
    case "retry.end":
      return { ...s, retry: null };
    case "compact.start":
      return { ...s, compacting: e.reason };
    case "compact.end":
      return { ...s, compacting: null };

    case "config.model_changed":
      return { ...s, model: e.model ?? s.model, thinkingLevel: e.thinking_level ?? s.thinkingLevel };
    case "usage":
      return applyUsage(s, e);
  }
}

function withStreamPart(
  s: ChatState,
  index: number,
  update: (p: StreamPart | undefined) => StreamPart,
): ChatState {
  // A delta without a start (joined mid-message) still shows, in an anonymous assistant message.
  const msg = s.streaming ?? { id: "", role: "assistant" as const, parts: [] };
  const parts = msg.parts.slice();
  while (parts.length < index) parts.push({ type: "text", text: "" });
  parts[index] = update(parts[index]);
  return { ...s, streaming: { ...msg, parts } };
}

function endMessage(s: ChatState, message: Message): ChatState {
  const streaming =
    s.streaming && (s.streaming.id === message.id || s.streaming.id === "") ? null : s.streaming;
  const pending = message.client_id ? s.pending.filter((p) => p.client_id !== message.client_id) : s.pending;
  // A message id seen before (e.g. re-sent after the harness restored it) replaces, never duplicates.
  let at = -1;
  for (let i = s.messages.length - 1; i >= 0; i--) {
    if (s.messages[i]?.id === message.id) {
      at = i;
      break;
    }
  }
  const messages = at >= 0 ? s.messages.map((m, i) => (i === at ? message : m)) : [...s.messages, message];
  const usage =
    message.usage && !s.usage.byMessage[message.id] ? addUsage(s.usage, message.id, message.usage) : s.usage;
  return { ...s, messages, streaming, pending, usage };
}

function applyUsage(s: ChatState, e: AgentEventOf<"usage">): ChatState {
  const u: Usage = { tokens: e.tokens, cost: e.cost };
  return { ...s, usage: addUsage(s.usage, e.message_id, u), model: e.model ?? s.model };
}

/** Usage is counted once per message: a second report for the same message replaces the first. */
function addUsage(acc: ChatState["usage"], messageId: string, u: Usage): ChatState["usage"] {
  return {
    byMessage: { ...acc.byMessage, [messageId]: u },
    last: u,
    total: sumUsage(acc.total, acc.byMessage[messageId], u),
  };
}

/** `total` with one message's figure `prev` (if any) replaced by `u`. */
function sumUsage(total: Usage, prev: Usage | undefined, u: Usage): Usage {
  const p = prev ?? zeroUsage();
  const t = total.tokens;
  return {
    tokens: {
      input: t.input - p.tokens.input + u.tokens.input,
      output: t.output - p.tokens.output + u.tokens.output,
      cache_read: t.cache_read - p.tokens.cache_read + u.tokens.cache_read,
      cache_write: t.cache_write - p.tokens.cache_write + u.tokens.cache_write,
    },
    cost: total.cost - p.cost + u.cost,
  };
}

function interruptRunning(tools: ChatState["tools"]): ChatState["tools"] {
  const running = Object.values(tools).filter((t) => t.status === "running");
  if (running.length === 0) return tools;
  const next = { ...tools };
  for (const t of running) next[t.call_id] = { ...t, status: "interrupted" };
  return next;
}

function applyNotice(s: ChatState, e: AgentEventOf<"agent.notice">, seq: number): ChatState {
  if (e.kind === "status" || e.kind === "widget") {
    if (!e.key) return s;
    const text = e.text ?? e.lines?.join("\n");
    const slots = { ...s.statusSlots };
    if (text) slots[e.key] = text;
    else delete slots[e.key];
    return { ...s, statusSlots: slots };
  }
  if (e.kind === "title") return e.text ? { ...s, title: e.text } : s;
  if (e.kind === "notify" && e.text) {
    const toasts = [...s.toasts, { seq, level: e.level ?? "info", text: e.text }].slice(-MAX_TOASTS);
    return { ...s, toasts };
  }
  return s;
}

/** What the chat says when the server stopped an idle agent (its history stays; a message revives it). */
export function stoppedNote(reason: "idle" | "memory"): string {
  return reason === "memory"
    ? "The agent was stopped to free memory for your other conversations. Your next message starts it again, with this history."
    : "The agent was stopped after a while idle. Your next message starts it again, with this history.";
}
