import * as v from "valibot";
import {
  type AgentState,
  agentStateSchema,
  inputRequestSchema,
  messageSchema,
  ROLES,
  thinkingLevelSchema,
  usageSchema,
} from "./agent-message.ts";
import { variantParser } from "./decode.ts";
import { ERROR_STATUS, type ErrorCode } from "./errors.ts";
import { idSchema } from "./ids.ts";

/**
 * Canonical agent events (server → client, inside the mux envelope `{ch:"agent", session_id, seq, ts}`).
 * Each is a flat object tagged by `event`.
 *
 * Hot path: a 1-token `stream.text_delta` is `{"event":"stream.text_delta","delta":" the"}` plus the
 * envelope, ~136 bytes. `part` (the index into the message's `parts`) is omitted when it is 0.
 */

const text = v.string();
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const part = v.optional(count);
const msgId = idSchema("msg");

export const errorBodySchema = v.object({
  code: v.picklist(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
  message: text,
});

/** What a working agent is busy with: talking to the model, running a tool, compacting, waiting to retry. */
export const WORKING_PHASES = ["model", "tool", "compact", "retry"] as const;
export type WorkingPhase = (typeof WORKING_PHASES)[number];

/** One queued message. `steer` items are already with the agent: only follow-ups can be changed. */
export const queuedItemSchema = v.object({
  client_id: text,
  kind: v.picklist(["steer", "follow_up"]),
  text,
  images: v.optional(count),
});
export type QueuedItem = v.InferOutput<typeof queuedItemSchema>;

const ev = <const N extends string, const E extends v.ObjectEntries>(name: N, entries: E) =>
  v.object({ event: v.literal(name), ...entries });

export const agentEventSchemas = {
  // session lifecycle (emitted by the server's session layer)
  "session.created": ev("session.created", { model: v.optional(v.string()) }),
  "session.closed": ev("session.closed", { reason: v.picklist(["closed", "deleted", "reaped"]) }),
  "session.title_changed": ev("session.title_changed", { title: text }),
  /** The harness reported new state (after start, new/switch/fork, model change). */
  "session.state": ev("session.state", { state: agentStateSchema }),

  // agent activity
  "agent.working": ev("agent.working", { phase: v.picklist(WORKING_PHASES) }),
  "agent.idle": ev("agent.idle", {}),
  "agent.error": ev("agent.error", { error: errorBodySchema, recoverable: v.boolean() }),
  "agent.input_needed": ev("agent.input_needed", { request: inputRequestSchema }),
  /** A dialog was answered (possibly from another tab) or timed out: close it everywhere. */
  "agent.input_closed": ev("agent.input_closed", {
    request_id: text,
    reason: v.picklist(["answered", "timeout", "cancelled"]),
  }),
  /** Fire-and-forget extension UI: a toast, a status entry, a widget, a title, editor text. */
  "agent.notice": ev("agent.notice", {
    kind: v.picklist(["notify", "status", "widget", "title", "editor_text"]),
    level: v.optional(v.picklist(["info", "warning", "error"])),
    /** status/widget slot; a notice with a key and no text/lines clears that slot. */
    key: v.optional(text),
    text: v.optional(text),
    lines: v.optional(v.array(text)),
  }),
  /**
   * The server stopped the session's agent to free its memory: idle past `runner.idle_timeout`, or
   * the oldest idle one while the user's agents were over `runner.agent_memory_ceiling_mb`. The next
   * prompt starts it again on the same history.
   */
  "agent.stopped": ev("agent.stopped", { reason: v.picklist(["idle", "memory"]) }),
  /**
   * The queued steering and follow-up messages, whole (they are short and rare). `items` (octo's
   * runner) names each by the client_id it was sent with, so it can be removed, edited or sent now.
   */
  "agent.queue": ev("agent.queue", {
    steering: v.array(text),
    follow_up: v.array(text),
    items: v.optional(v.array(queuedItemSchema)),
  }),

  /**
   * The memories octo put before the first prompt (the project's "use memories" setting), for the
   * user message sent with `client_id`: the chat shows "used N memories", each opening the memory.
   */
  "memory.used": ev("memory.used", {
    client_id: text,
    memories: v.array(v.object({ id: idSchema("mem"), text, scope: v.picklist(["project", "user"]) })),
  }),

  /**
   * Who sent the user message with `client_id` (shared projects, decision 0030): stored just
   * before it, so the chat names a member's messages live and after a reload alike.
   */
  "message.author": ev("message.author", { client_id: text, user_id: text, username: text }),

  // streaming of one message (only one message streams at a time per session)
  "stream.message_start": ev("stream.message_start", {
    message_id: msgId,
    role: v.picklist(ROLES),
    client_id: v.optional(v.string()),
  }),
  "stream.text_delta": ev("stream.text_delta", { part, delta: text }),
  "stream.thinking_delta": ev("stream.thinking_delta", { part, delta: text }),
  "stream.tool_call_start": ev("stream.tool_call_start", {
    part: count,
    call_id: v.optional(text),
    name: v.optional(text),
  }),
  /** A fragment of the tool call's JSON arguments. */
  "stream.tool_call_delta": ev("stream.tool_call_delta", { part: count, delta: text }),
  "stream.tool_call_end": ev("stream.tool_call_end", {
    part: count,
    call_id: text,
    name: text,
    args: v.unknown(),
  }),
  "stream.message_end": ev("stream.message_end", { message: messageSchema }),

  // tool execution
  "tool.start": ev("tool.start", { call_id: text, name: text, args: v.unknown() }),
  /** New output since the last progress; `replace` means `delta` is the whole output so far. */
  "tool.progress": ev("tool.progress", { call_id: text, delta: text, replace: v.optional(v.literal(true)) }),
  "tool.end": ev("tool.end", { call_id: text, output: text, is_error: v.boolean() }),

  // recovery
  "retry.start": ev("retry.start", { attempt: count, max_attempts: count, delay_ms: count, error: text }),
  "retry.end": ev("retry.end", { ok: v.boolean(), attempt: count, error: v.optional(text) }),
  "compact.start": ev("compact.start", { reason: v.picklist(["manual", "threshold", "overflow"]) }),
  "compact.end": ev("compact.end", {
    reason: v.picklist(["manual", "threshold", "overflow"]),
    ok: v.boolean(),
    aborted: v.boolean(),
    will_retry: v.boolean(),
    summary: v.optional(text),
    tokens_before: v.optional(count),
    error: v.optional(text),
  }),

  // configuration and accounting
  "config.model_changed": ev("config.model_changed", {
    model: v.optional(v.string()),
    thinking_level: v.optional(thinkingLevelSchema),
  }),
  usage: ev("usage", { message_id: msgId, model: v.optional(v.string()), ...usageSchema.entries }),
} as const;

type Schemas = typeof agentEventSchemas;
export type AgentEventName = keyof Schemas;
export const AGENT_EVENT_NAMES = Object.keys(agentEventSchemas) as AgentEventName[];

export const agentEventSchema = v.variant(
  "event",
  Object.values(agentEventSchemas) as [Schemas[AgentEventName]],
);
export type AgentEvent = { [K in AgentEventName]: v.InferOutput<Schemas[K]> }[AgentEventName];
/** `v.safeParse(agentEventSchema, value)`, by a lookup of `event` rather than a scan (decode.ts). */
export const parseAgentEvent = variantParser(agentEventSchema);
export type AgentEventOf<K extends AgentEventName> = v.InferOutput<Schemas[K]>;

/** Convenience for the common "state changed" event. */
export const stateEvent = (state: AgentState): AgentEvent => ({ event: "session.state", state });
