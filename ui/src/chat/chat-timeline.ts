import type { Message, Part } from "../../../src/protocol/agent.ts";
import type { ChatState, PendingSend, StreamPart, ToolStatus } from "./chat-state.ts";

/**
 * What the chat view renders, derived from ChatState: user turns, assistant turns whose tool calls are
 * folded into cards (with live output, then the result), system notes, and prompts still travelling.
 * Tool-result messages are not shown on their own: their output lives in the card of their call.
 */

export interface ToolCard {
  type: "tool";
  call_id: string;
  name: string;
  args: unknown;
  /** Arguments still streaming in, as raw JSON text. */
  args_text?: string;
  status: ToolStatus | "pending";
  output: string;
}
export type RenderPart =
  | { type: "text" | "thinking"; text: string }
  | ToolCard
  | Extract<Part, { type: "image" | "file_ref" }>;

export type TimelineEntry =
  | { type: "user"; key: string; message: Message; parts: RenderPart[] }
  | { type: "assistant"; key: string; message: Message; parts: RenderPart[] }
  /** The message arriving right now (normally the assistant's). */
  | { type: "streaming"; key: string; role: Message["role"]; parts: RenderPart[] }
  | { type: "system"; key: string; message: Message; text: string }
  | { type: "pending"; key: string; send: PendingSend };

/** The whole timeline at once (the view renders the same two layers apart: see `settledEntries`). */
export function timeline(state: ChatState): TimelineEntry[] {
  const results = toolResults(state.messages);
  const settled = settledEntries(state.messages).map((e): TimelineEntry => {
    if (e.type === "system") return e;
    const parts = e.parts.map(
      (p): RenderPart => (p.type === "tool" ? { ...p, ...toolView(state.tools, results, p.call_id) } : p),
    );
    return { ...e, parts };
  });
  return [...settled, ...liveEntries(state, results)];
}

function streamPart(
  p: StreamPart,
  card: (id: string, name: string, args: unknown, text?: string) => ToolCard,
) {
  if (p.type !== "tool_call") return p;
  const c = card(p.call_id ?? "", p.name ?? "tool", p.args, p.complete ? undefined : p.args_text);
  return p.call_id ? c : { ...c, status: "pending" as const };
}

// ---------------------------------------------------------------- for rendering long sessions

/**
 * The rendered view of long sessions is built in two layers so a token or a line of tool output does
 * not rebuild 2,000 rows: `settledEntries` turns finished messages into entries whose tool cards name
 * only their call (cached per message object, so an unchanged message keeps its entry's identity),
 * and `toolView` looks a card's live status and output up when the card renders.
 */
export type SettledEntry =
  | { type: "user" | "assistant"; key: string; message: Message; parts: SettledPart[] }
  | { type: "system"; key: string; message: Message; text: string };
export type SettledPart =
  | { type: "text" | "thinking"; text: string }
  | { type: "tool"; call_id: string; name: string; args: unknown }
  | Extract<Part, { type: "image" | "file_ref" }>;

const entryCache = new WeakMap<Message, SettledEntry | null>();

export function settledEntries(messages: readonly Message[]): SettledEntry[] {
  const calls = new Set<string>();
  for (const m of messages) {
    if (m.role !== "assistant") continue;
    for (const p of m.parts) if (p.type === "tool_call") calls.add(p.call_id);
  }
  const out: SettledEntry[] = [];
  for (const m of messages) {
    if (m.role === "tool") {
      // Results whose call is in no assistant message (e.g. before a compaction) get a card of their own.
      const orphans = m.parts.filter((p) => p.type === "tool_result" && !calls.has(p.call_id));
      if (orphans.length > 0) out.push(settledEntry({ ...m, parts: orphans }, true));
      continue;
    }
    let e = entryCache.get(m);
    if (e === undefined) {
      e = settledEntry(m, false);
      entryCache.set(m, e);
    }
    if (!e) continue;
    // pi retried a failed request: the error it retried is not the turn's outcome (one failure shows, once).
    const prev = out.at(-1);
    if (e.type === "assistant" && prev?.type === "assistant" && isFailedAttempt(prev.message)) out.pop();
    out.push(e);
  }
  return out;
}

/** An assistant message that is only an error: a request that failed before the model wrote anything. */
export const isFailedAttempt = (m: Message): boolean =>
  m.role === "assistant" &&
  m.stop === "error" &&
  m.parts.every((p) => (p.type === "text" || p.type === "thinking") && p.text.trim() === "");

function settledEntry(m: Message, orphan: true): SettledEntry;
function settledEntry(m: Message, orphan: false): SettledEntry | null;
function settledEntry(m: Message, orphan: boolean): SettledEntry | null {
  if (m.role === "system") {
    const text = m.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
    return { type: "system", key: m.id, message: m, text };
  }
  const parts: SettledPart[] = [];
  for (const p of m.parts) {
    if (p.type === "tool_call") parts.push({ type: "tool", call_id: p.call_id, name: p.name, args: p.args });
    else if (p.type === "tool_result") {
      if (orphan) parts.push({ type: "tool", call_id: p.call_id, name: p.name, args: undefined });
    } else parts.push(p);
  }
  return { type: m.role === "user" ? "user" : "assistant", key: m.id, message: m, parts };
}

/** Finished tool results by call id, for `toolView`. */
export function toolResults(
  messages: readonly Message[],
): Map<string, Extract<Part, { type: "tool_result" }>> {
  const results = new Map<string, Extract<Part, { type: "tool_result" }>>();
  for (const m of messages) for (const p of m.parts) if (p.type === "tool_result") results.set(p.call_id, p);
  return results;
}

/** A card's status and output: the stored result wins; else the live run; else it has not started. */
export function toolView(
  tools: ChatState["tools"],
  results: ReadonlyMap<string, Extract<Part, { type: "tool_result" }>>,
  callId: string,
): { status: ToolCard["status"]; output: string } {
  const result = results.get(callId);
  if (result) return { status: result.is_error ? "error" : "done", output: result.output };
  const run = tools[callId];
  return run ? { status: run.status, output: run.output } : { status: "pending", output: "" };
}

/** The message arriving now and prompts still travelling: the cheap, changing tail of the timeline. */
export function liveEntries(
  state: ChatState,
  results: ReadonlyMap<string, Extract<Part, { type: "tool_result" }>> = new Map(),
): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const live = state.streaming;
  if (live && live.role !== "tool") {
    const card = (call_id: string, name: string, args: unknown, args_text?: string): ToolCard => ({
      type: "tool",
      call_id,
      name,
      args,
      ...(args_text !== undefined ? { args_text } : {}),
      ...toolView(state.tools, results, call_id),
    });
    entries.push({
      type: "streaming",
      key: live.id || "streaming",
      role: live.role,
      parts: live.parts.map((p) => streamPart(p, card)),
    });
  }
  for (const p of state.pending) entries.push({ type: "pending", key: `pending:${p.client_id}`, send: p });
  return entries;
}
