import * as v from "valibot";
import { idSchema } from "./ids.ts";

/** Canonical messages, their parts, usage, dialogs and agent state (see agent.ts). */

const text = v.string();
const nonEmpty = v.pipe(v.string(), v.minLength(1));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const msgId = idSchema("msg");

export const THINKING_LEVELS = ["off", "minimal", "low", "medium", "high", "xhigh"] as const;
export const thinkingLevelSchema = v.picklist(THINKING_LEVELS);
export type ThinkingLevel = v.InferOutput<typeof thinkingLevelSchema>;

/** A model reference as users type it: `provider/model-id`. */
export const modelRefSchema = v.pipe(
  v.string(),
  v.maxLength(200),
  v.regex(/^[^/\s]+\/\S+$/, "expected a model as provider/model-id"),
);

// ---------------------------------------------------------------- message parts

export const textPartSchema = v.object({ type: v.literal("text"), text });
export const thinkingPartSchema = v.object({ type: v.literal("thinking"), text });
export const toolCallPartSchema = v.object({
  type: v.literal("tool_call"),
  call_id: text,
  name: text,
  args: v.unknown(),
});
export const toolResultPartSchema = v.object({
  type: v.literal("tool_result"),
  call_id: text,
  name: text,
  output: text,
  is_error: v.boolean(),
});
/** Inline image (base64 `data`) as sent with a prompt or returned by a tool. */
export const imagePartSchema = v.object({
  type: v.literal("image"),
  mime: v.pipe(v.string(), v.regex(/^image\/[a-z0-9.+-]+$/i, "expected an image/* mime type")),
  data: v.pipe(v.string(), v.base64()),
});
/** A file in the project, referenced by its workspace-relative path, never its bytes. */
export const fileRefPartSchema = v.object({
  type: v.literal("file_ref"),
  path: nonEmpty,
  mime: v.optional(v.string()),
});

export const partSchema = v.variant("type", [
  textPartSchema,
  thinkingPartSchema,
  toolCallPartSchema,
  toolResultPartSchema,
  imagePartSchema,
  fileRefPartSchema,
]);
export type Part = v.InferOutput<typeof partSchema>;
export type ImagePart = v.InferOutput<typeof imagePartSchema>;

// ---------------------------------------------------------------- messages and usage

export const usageSchema = v.object({
  tokens: v.object({ input: count, output: count, cache_read: count, cache_write: count }),
  /** USD, as priced by the harness (the LLM proxy's own accounting is authoritative for billing). */
  cost: v.pipe(v.number(), v.minValue(0)),
});
export type Usage = v.InferOutput<typeof usageSchema>;

export const ROLES = ["user", "assistant", "tool", "system"] as const;
export const STOP_REASONS = ["stop", "length", "tool_use", "error", "aborted"] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export const messageSchema = v.object({
  id: msgId,
  role: v.picklist(ROLES),
  parts: v.array(partSchema),
  /** ms since the epoch */
  created_at: count,
  /** `provider/model-id` that produced an assistant message. */
  model: v.optional(v.string()),
  usage: v.optional(usageSchema),
  /** The client-chosen id of the prompt/steer/follow_up this user message came from. */
  client_id: v.optional(v.string()),
  stop: v.optional(v.picklist(STOP_REASONS)),
  error: v.optional(v.string()),
  /** For role `system`: what produced it (compaction summary, branch summary, shell, extension). */
  kind: v.optional(v.string()),
});
export type Message = v.InferOutput<typeof messageSchema>;

// ---------------------------------------------------------------- input requests (dialogs)

export const inputRequestSchema = v.object({
  id: nonEmpty,
  kind: v.picklist(["confirm", "select", "input", "editor"]),
  title: text,
  message: v.optional(text),
  options: v.optional(v.array(text)),
  placeholder: v.optional(text),
  prefill: v.optional(text),
  /** The harness resolves the dialog with its default after this many ms. */
  timeout_ms: v.optional(count),
});
export type InputRequest = v.InferOutput<typeof inputRequestSchema>;

// ---------------------------------------------------------------- state

export const agentStateSchema = v.object({
  model: v.optional(v.string()),
  thinking_level: thinkingLevelSchema,
  streaming: v.boolean(),
  compacting: v.boolean(),
  name: v.optional(v.string()),
  message_count: count,
  pending_count: count,
  /** The harness's own session handle (pi: its JSONL file and uuid); never a key clients use. */
  harness_session: v.object({ id: v.string(), file: v.optional(v.string()) }),
});
export type AgentState = v.InferOutput<typeof agentStateSchema>;
