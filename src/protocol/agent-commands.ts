import * as v from "valibot";
import { imagePartSchema, modelRefSchema, thinkingLevelSchema } from "./agent-message.ts";
import { idSchema } from "./ids.ts";

/**
 * Canonical agent commands (client → server on the mux `agent` channel).
 * On the wire each is flat: `{ch:"agent", id?, cmd, session_id?, …fields}`; the mux decoder strips
 * `ch` and `id`. Results come back as one `response` per `id` with the `data` documented here.
 */

const sessionId = idSchema("ses");
const seq = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Prompts are text typed by a person; 1 MB is far beyond that and well below a frame limit. */
const messageText = v.pipe(v.string(), v.maxLength(1_000_000, "message too long (max 1,000,000 chars)"));
/** Chosen by the client so that a retried send is deduplicated, never doubled. */
const clientId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_.:-]{1,100}$/, "client_id: 1-100 chars of A-Z a-z 0-9 _ . : -"),
);
const images = v.optional(v.pipe(v.array(imagePartSchema), v.maxLength(20, "at most 20 images")));

const cmd = <const N extends string, const E extends v.ObjectEntries>(name: N, entries: E) =>
  v.strictObject({ cmd: v.literal(name), ...entries });
const inSession = <const N extends string, const E extends v.ObjectEntries>(name: N, entries: E) =>
  cmd(name, { session_id: sessionId, ...entries });

const userMessage = { message: messageText, client_id: clientId, images };

export const agentCommandSchemas = {
  /** → data `{session_id}` */
  "session.create": cmd("session.create", {
    project_id: idSchema("prj"),
    model: v.optional(modelRefSchema),
    profile: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9_-]{1,64}$/, "profile: a-z 0-9 _ -"))),
  }),
  /** Replays every stored event with seq > after_seq (default 0: everything), then live. → data `{last_seq}` */
  "session.subscribe": inSession("session.subscribe", { after_seq: v.optional(seq) }),
  "session.unsubscribe": inSession("session.unsubscribe", {}),
  "session.close": inSession("session.close", {}),
  "session.delete": inSession("session.delete", {}),

  /** Fails with `busy` while the agent works: use `steer` or `follow_up` then. */
  prompt: inSession("prompt", userMessage),
  /** Delivered after the current tool calls, before the next model call. */
  steer: inSession("steer", userMessage),
  /** Delivered when the agent would otherwise stop. */
  follow_up: inSession("follow_up", userMessage),
  /** Stops the run and clears the queue. */
  abort: inSession("abort", {}),
  /** Queued follow-ups (see `agent.queue` items): drop one, change its text, or deliver it now as a steer. */
  "queue.remove": inSession("queue.remove", { client_id: clientId }),
  "queue.edit": inSession("queue.edit", { client_id: clientId, message: messageText }),
  "queue.send_now": inSession("queue.send_now", { client_id: clientId }),
  /** Answer to `agent.input_needed`: exactly one of value (select/input/editor), confirmed, cancelled. */
  input_response: v.pipe(
    inSession("input_response", {
      request_id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
      value: v.optional(v.pipe(v.string(), v.maxLength(1_000_000))),
      confirmed: v.optional(v.boolean()),
      cancelled: v.optional(v.literal(true)),
    }),
    v.check(
      (c) => [c.value, c.confirmed, c.cancelled].filter((x) => x !== undefined).length === 1,
      "input_response needs exactly one of value, confirmed, cancelled",
    ),
  ),
  /** → data AgentState */
  get_state: inSession("get_state", {}),
  /** → data `{messages: Message[]}` */
  /**
   * A page of the session's final messages, oldest first, after the given seq.
   * → data `{messages, next_after_seq}` (`next_after_seq` null when this page reaches the end)
   */
  get_messages: inSession("get_messages", {
    after_seq: v.optional(seq),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
  }),
  /**
   * Open a session at its end without replaying it: without `before_seq`, the last page of final
   * messages, the state events before it and the seq to subscribe after
   * → data `{after_seq, messages, older_before, head}`; with `before_seq` (an `older_before`), the
   * page of messages before it → data `{messages, older_before}` (`older_before` null: the first page).
   */
  "session.history": inSession("session.history", {
    before_seq: v.optional(v.pipe(seq, v.minValue(1))),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))),
  }),
  set_model: inSession("set_model", { model: modelRefSchema }),
  set_thinking_level: inSession("set_thinking_level", { level: thinkingLevelSchema }),
  compact: inSession("compact", { instructions: v.optional(v.pipe(v.string(), v.maxLength(10_000))) }),
  set_session_name: inSession("set_session_name", {
    name: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  }),
  /** Branch the conversation before the given user message. → data `{session_id, text, images?}` (that message) */
  fork: inSession("fork", { message_id: idSchema("msg") }),
} as const;

/** The `data` of a `fork` response (the UI decodes it: it opens that session with that text). */
export const ForkResult = v.object({
  session_id: sessionId,
  text: v.string(),
  images: v.optional(v.array(imagePartSchema)),
});
export type ForkResult = v.InferOutput<typeof ForkResult>;

type Schemas = typeof agentCommandSchemas;
export type AgentCommandName = keyof Schemas;
export type AgentCommand = { [K in AgentCommandName]: v.InferOutput<Schemas[K]> }[AgentCommandName];
export type AgentCommandOf<K extends AgentCommandName> = v.InferOutput<Schemas[K]>;
export const AGENT_COMMAND_NAMES = Object.keys(agentCommandSchemas) as AgentCommandName[];

export const isAgentCommandName = (name: string): name is AgentCommandName =>
  Object.hasOwn(agentCommandSchemas, name);
