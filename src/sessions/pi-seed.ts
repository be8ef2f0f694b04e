import { randomUUID } from "node:crypto";
import type { Message } from "../protocol/agent.ts";

/** Where a session's project is mounted inside its sandbox (pi's session header records it). */
const SANDBOX_CWD = "/workspace";
/** A seed must fit in one runner request line (4 MiB) with room for the rest of the spawn. */
export const MAX_SEED_BYTES = 3 * 1024 * 1024;
/** Tool output is context, not the record: each result is cut to this many characters. */
const TOOL_OUTPUT_CHARS = 2000;

const ZERO_USAGE = {
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheWrite: 0,
  totalTokens: 0,
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
};

/**
 * A pi session file (JSONL, format v3) holding a conversation's history as plain user and
 * assistant messages, for an agent that starts from a copy of someone else's conversation (a
 * shared conversation forked into one's own project). Tool calls and their results become text
 * in the assistant's turn, so the model sees what was done without tool-call pairs to validate.
 * When the history is larger than `maxBytes`, its oldest messages are left out.
 */
export function piSeedSession(messages: readonly Message[], model: string | null, now: number): string {
  const [provider = "octo", modelId = "unknown"] = (model ?? "").split("/", 2);
  const turns: { role: "user" | "assistant"; text: string; images: { data: string; mimeType: string }[] }[] =
    [];
  for (const m of messages) {
    if (m.role === "user") {
      const text = m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
      const images = m.parts.flatMap((p) => (p.type === "image" ? [{ data: p.data, mimeType: p.mime }] : []));
      if (text || images.length) turns.push({ role: "user", text, images });
      continue;
    }
    if (m.role !== "assistant" && m.role !== "tool") continue;
    const text = m.parts
      .flatMap((p) => {
        if (p.type === "text") return [p.text];
        if (p.type === "tool_call") return [`[tool call ${p.name}: ${clip(JSON.stringify(p.args ?? {}))}]`];
        if (p.type === "tool_result")
          return [`[tool result ${p.name}${p.is_error ? " (error)" : ""}: ${clip(p.output)}]`];
        return [];
      })
      .join("\n");
    if (!text) continue;
    const last = turns.at(-1);
    if (last?.role === "assistant") last.text += `\n${text}`;
    else turns.push({ role: "assistant", text, images: [] });
  }
  const at = new Date(now).toISOString();
  const header = JSON.stringify({
    type: "session",
    version: 3,
    id: randomUUID(),
    timestamp: at,
    cwd: SANDBOX_CWD,
  });
  const lines: string[] = [];
  let bytes = header.length + 1;
  // Newest first, so what is left out when the history is too large is its beginning.
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i] as (typeof turns)[number];
    const message =
      t.role === "user"
        ? {
            role: "user",
            content: [
              ...(t.text ? [{ type: "text", text: t.text }] : []),
              ...t.images.map((img) => ({ type: "image", ...img })),
            ],
            timestamp: now,
          }
        : {
            role: "assistant",
            content: [{ type: "text", text: t.text }],
            api: "openai-completions",
            provider,
            model: modelId,
            usage: ZERO_USAGE,
            stopReason: "stop",
            timestamp: now,
          };
    const line = JSON.stringify({ type: "message", message });
    if (bytes + line.length + 40 > MAX_SEED_BYTES) break;
    bytes += line.length + 40;
    lines.unshift(line);
  }
  // Entries form a chain: each one's parent is the one before it.
  let parent: string | null = null;
  const entries = lines.map((line, i) => {
    const id = (i + 1).toString(16).padStart(8, "0");
    const entry = `{"type":"message","id":"${id}","parentId":${parent === null ? "null" : `"${parent}"`},"timestamp":"${at}",${line.slice('{"type":"message",'.length)}`;
    parent = id;
    return entry;
  });
  return `${[header, ...entries].join("\n")}\n`;
}

const clip = (s: string) => (s.length > TOOL_OUTPUT_CHARS ? `${s.slice(0, TOOL_OUTPUT_CHARS)}…` : s);
