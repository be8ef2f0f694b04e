import type { Message, Part, StopReason, Usage } from "../../src/protocol/agent.ts";
import { withoutMemoryBlock } from "../../src/shared/memory-block.ts";

/**
 * pi's message shapes (AgentMessage from pi-agent-core, plus coding-agent's own roles) → canonical
 * messages. pi is a trust boundary: every field is read defensively, and unknown shapes degrade
 * to a readable `system` message instead of failing.
 */

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const num = (x: unknown): number => (typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : 0);
const int = (x: unknown): number => Math.round(num(x));

const STOPS: Record<string, StopReason> = {
  stop: "stop",
  length: "length",
  toolUse: "tool_use",
  error: "error",
  aborted: "aborted",
};

/** Own keys only: pi output naming `constructor` or `toString` must not reach Object.prototype. */
export const stopReason = (x: unknown): StopReason | undefined => {
  const key = str(x);
  return key !== undefined && Object.hasOwn(STOPS, key) ? STOPS[key] : undefined;
};

/** `{type:"image", data, mimeType}` → image part, when well-formed. */
function imagePart(block: Obj): Part | undefined {
  const data = str(block.data);
  const mime = str(block.mimeType);
  return data !== undefined && mime !== undefined ? { type: "image", mime, data } : undefined;
}

/** Text of a content array (or string): the text blocks joined. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const b of content) if (isObj(b) && b.type === "text" && typeof b.text === "string") out += b.text;
  return out;
}

/** A user message as the person typed it: the memories octo put before a first prompt come off. */
function userParts(content: unknown): Part[] {
  const parts = contentParts(content);
  const first = parts[0];
  if (first?.type === "text") first.text = withoutMemoryBlock(first.text);
  return parts;
}

function contentParts(content: unknown): Part[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  const parts: Part[] = [];
  if (!Array.isArray(content)) return parts;
  for (const b of content) {
    if (!isObj(b)) continue;
    if (b.type === "text" && typeof b.text === "string") parts.push({ type: "text", text: b.text });
    else if (b.type === "image") {
      const img = imagePart(b);
      if (img) parts.push(img);
    }
  }
  return parts;
}

function assistantParts(content: unknown): Part[] {
  const parts: Part[] = [];
  if (!Array.isArray(content)) return parts;
  for (const b of content) {
    if (!isObj(b)) continue;
    if (b.type === "text") parts.push({ type: "text", text: str(b.text) ?? "" });
    else if (b.type === "thinking") parts.push({ type: "thinking", text: str(b.thinking) ?? "" });
    else if (b.type === "toolCall") {
      parts.push({
        type: "tool_call",
        call_id: str(b.id) ?? "",
        name: str(b.name) ?? "",
        args: b.arguments ?? {},
      });
    } else if (b.type === "image") {
      const img = imagePart(b);
      if (img) parts.push(img);
    }
  }
  return parts;
}

export function usageOf(x: unknown): Usage | undefined {
  if (!isObj(x)) return undefined;
  const cost = isObj(x.cost) ? num(x.cost.total) : num(x.cost);
  return {
    tokens: {
      input: int(x.input),
      output: int(x.output),
      cache_read: int(x.cacheRead),
      cache_write: int(x.cacheWrite),
    },
    cost,
  };
}

export const modelOf = (m: Obj): string | undefined => {
  const provider = str(m.provider);
  const model = str(m.model);
  return provider && model ? `${provider}/${model}` : undefined;
};

/** Convert one pi message; `id` and `clientId` are ours, `now` is used when pi gave no timestamp. */
export function toCanonicalMessage(raw: unknown, id: string, now: number, clientId?: string): Message {
  const m = isObj(raw) ? raw : {};
  const created_at = typeof m.timestamp === "number" && m.timestamp > 0 ? Math.floor(m.timestamp) : now;
  const base = { id, created_at };
  switch (m.role) {
    case "user":
      return {
        ...base,
        role: "user",
        parts: userParts(m.content),
        ...(clientId ? { client_id: clientId } : {}),
      };
    case "assistant": {
      const msg: Message = { ...base, role: "assistant", parts: assistantParts(m.content) };
      const model = modelOf(m);
      if (model) msg.model = model;
      const usage = usageOf(m.usage);
      if (usage) msg.usage = usage;
      const stop = stopReason(m.stopReason);
      if (stop) msg.stop = stop;
      const error = str(m.errorMessage);
      if (error && (stop === "error" || stop === "aborted")) msg.error = error;
      return msg;
    }
    case "toolResult": {
      const parts: Part[] = [
        {
          type: "tool_result",
          call_id: str(m.toolCallId) ?? "",
          name: str(m.toolName) ?? "",
          output: contentText(m.content),
          is_error: m.isError === true,
        },
      ];
      if (Array.isArray(m.content)) {
        for (const b of m.content) {
          const img = isObj(b) && b.type === "image" ? imagePart(b) : undefined;
          if (img) parts.push(img);
        }
      }
      return { ...base, role: "tool", parts };
    }
    case "bashExecution": {
      const text = `$ ${str(m.command) ?? ""}\n${str(m.output) ?? ""}`;
      return { ...base, role: "system", kind: "shell", parts: [{ type: "text", text }] };
    }
    case "compactionSummary":
      return {
        ...base,
        role: "system",
        kind: "compaction",
        parts: [{ type: "text", text: str(m.summary) ?? "" }],
      };
    case "branchSummary":
      return {
        ...base,
        role: "system",
        kind: "branch_summary",
        parts: [{ type: "text", text: str(m.summary) ?? "" }],
      };
    case "custom":
      return { ...base, role: "system", kind: "extension", parts: userParts(m.content) };
    default:
      return {
        ...base,
        role: "system",
        kind: typeof m.role === "string" ? m.role.slice(0, 64) : "unknown",
        parts: [{ type: "text", text: JSON.stringify(raw ?? null).slice(0, 2000) }],
      };
  }
}

/** A content block as rebuilt from deltas while a message streams. */
export interface StreamedBlock {
  kind: "text" | "thinking" | "toolcall";
  text: string;
  callId?: string;
  name?: string;
}

/** The parts streamed so far, in content order: what is left of a message when pi dies mid-way. */
export function partsFromBlocks(blocks: Map<number, StreamedBlock>): Part[] {
  return [...blocks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, b]): Part => {
      if (b.kind === "text") return { type: "text", text: b.text };
      if (b.kind === "thinking") return { type: "thinking", text: b.text };
      return { type: "tool_call", call_id: b.callId ?? "", name: b.name ?? "", args: partialJson(b.text) };
    });
}

function partialJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { partial_json: text };
  }
}
