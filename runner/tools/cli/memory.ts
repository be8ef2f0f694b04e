import type { Memory } from "../../../src/protocol/memory.ts";
import { MemoryAnswer, MemoryListAnswer } from "../../../src/protocol/memory.ts";
import { intOption, type OptionSpec, parseArgs } from "./args.ts";
import { callTool } from "./client.ts";
import { answerOf, failLine, notUnderstood } from "./fail.ts";

type Env = Record<string, string | undefined>;

export const MEMORY_HELP = `octo-tool memory <verb> ...

Memories are short notes kept for later: facts about this project, decisions, preferences.
Project memories belong to this project; user memories (--user) are offered in all of the
user's projects. Search before asking the user something they may have told you already.

  add TEXT [--tag T]... [--user]   save a memory (tags: letters, digits, _ : . -)
  search QUERY [--limit N]         ranked matches (full-text, best first; default 5)
  list [--limit N]                 pinned first, then the most recently changed
  show ID                          one memory with where it came from
  edit ID TEXT                     replace a memory's text
  forget ID                        delete a memory`;

const SPECS: Record<string, OptionSpec> = {
  add: { many: ["tag"], flag: ["user"] },
  search: { value: ["limit"] },
  list: { value: ["limit"] },
  show: {},
  edit: {},
  forget: {},
};

const date = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
const sourceText = (m: Memory) =>
  m.source.kind === "person" ? `person ${m.source.username}` : `session ${m.source.session_id}`;

function oneLine(m: Memory): string {
  const meta = [m.scope === "user" ? "user" : "project", ...(m.pinned ? ["pinned"] : [])];
  if (m.tags.length > 0) meta.push(`tags: ${m.tags.join(", ")}`);
  return `${m.id} (${meta.join("; ")})\n   ${m.text.replace(/\s*\n\s*/g, " ")}`;
}

export function formatMemories(heading: string, memories: Memory[], empty: string): string {
  if (memories.length === 0) return `${empty}\n`;
  const lines = [`${heading} (${memories.length}):`, ""];
  memories.forEach((m, i) => {
    lines.push(`${i + 1}. ${oneLine(m)}`, "");
  });
  return `${lines.join("\n")}`;
}

export function formatMemory(m: Memory): string {
  return [
    `ID: ${m.id}`,
    `Scope: ${m.scope === "user" ? "user (all projects)" : "project"}${m.pinned ? ", pinned" : ""}`,
    ...(m.tags.length > 0 ? [`Tags: ${m.tags.join(", ")}`] : []),
    `From: ${sourceText(m)}${m.source.kind === "session" && m.source.message_id ? ` (message ${m.source.message_id})` : ""}`,
    `Created: ${date(m.created_at)}  Updated: ${date(m.updated_at)}`,
    "",
    m.text,
    "",
  ].join("\n");
}

export async function runMemory(args: string[], env: Env): Promise<number> {
  const [verb, ...rest] = args;
  const spec = verb ? SPECS[verb] : undefined;
  if (!verb || !spec)
    return failLine("bad_request", `usage: octo-tool memory add|search|list|show|edit|forget ...`);
  const p = parseArgs(rest, spec);
  if (typeof p === "string") return failLine("bad_request", p);
  const limit = intOption(p, "limit");
  if (typeof limit === "string") return failLine("bad_request", limit);
  const text = p.words.join(" ").trim();
  const call = (callArgs: Record<string, unknown>) => callTool("memory", verb, callArgs, env);

  if (verb === "add") {
    if (!text) return failLine("bad_request", "usage: octo-tool memory add TEXT [--tag T]... [--user]");
    const r = await call({ text, tags: p.lists.tag ?? [], user: p.flags.has("user") });
    if (!r.ok) return failLine(r.error.code, r.error.message);
    const m = answerOf(MemoryAnswer, r.value)?.memory;
    if (!m) return notUnderstood();
    process.stdout.write(`Saved ${m.id} (${m.scope} memory).\n`);
    return 0;
  }
  if (verb === "search" || verb === "list") {
    if (verb === "search" && !text)
      return failLine("bad_request", "usage: octo-tool memory search QUERY [--limit N]");
    const r = await call(
      verb === "search" ? { query: text, ...(limit ? { limit } : {}) } : limit ? { limit } : {},
    );
    if (!r.ok) return failLine(r.error.code, r.error.message);
    const list = answerOf(MemoryListAnswer, r.value)?.memories;
    if (!list) return notUnderstood();
    process.stdout.write(
      verb === "search"
        ? formatMemories(`Memories matching "${text}"`, list, `No memories match "${text}".`)
        : formatMemories("Memories", list, "No memories yet."),
    );
    return 0;
  }
  const [id, ...more] = p.words;
  if (!id)
    return failLine("bad_request", `usage: octo-tool memory ${verb} ID${verb === "edit" ? " TEXT" : ""}`);
  if (verb === "edit" && more.join(" ").trim() === "")
    return failLine("bad_request", "usage: octo-tool memory edit ID TEXT");
  if (verb !== "edit" && more.length > 0)
    return failLine("bad_request", `usage: octo-tool memory ${verb} ID`);
  const r = await call(verb === "edit" ? { id, text: more.join(" ").trim() } : { id });
  if (!r.ok) return failLine(r.error.code, r.error.message);
  const m = answerOf(MemoryAnswer, r.value)?.memory;
  if (!m) return notUnderstood();
  process.stdout.write(
    verb === "show" ? formatMemory(m) : verb === "edit" ? `Updated ${m.id}.\n` : `Forgot ${m.id}.\n`,
  );
  return 0;
}
