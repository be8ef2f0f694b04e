import type { Task, TaskEvent } from "../../../src/protocol/tasks.ts";
import {
  TaskAnswer,
  TaskDetailSchema,
  TaskListAnswer,
  TaskTransferAnswer,
} from "../../../src/protocol/tasks.ts";
import { type OptionSpec, type Parsed, parseArgs } from "./args.ts";
import { callTool } from "./client.ts";
import { answerOf, failLine, notUnderstood } from "./fail.ts";

type Env = Record<string, string | undefined>;

export const TASK_HELP = `octo-tool task <verb> ...

The project's task tracker, shared with the people of this project (they see it in the Tasks
tab). Ids look like T-12. Statuses: open, in_progress, blocked, done, cancelled. Priorities:
low, normal, high, urgent. Mark what you work on in_progress and close it when done.

  add TITLE [fields]                    create a task; prints its id
  list [--status S] [--ready]           tasks; --ready: open ones whose dependencies are done
  show ID                               one task: fields, body, links and its history
  update ID [fields] [--reason TEXT]    change fields (the reason is kept in the history)
  comment ID TEXT                       add a comment to the history
  close ID [--reason TEXT] [--cancel]   mark done (or cancelled)
  export                                write all tasks to .octo/tasks.jsonl
  import                                read .octo/tasks.jsonl (tasks upserted by id)

fields: --title T  --body TEXT (- reads stdin)  --status S  --priority P  --label L...
        --assignee agent|USERNAME  --parent ID  --depends ID...  --link-session ses_...
        --link-file PATH...  (--label, --depends and --link-* replace the whole list)`;

const FIELDS = {
  value: ["title", "body", "status", "priority", "assignee", "parent", "reason"],
  many: ["label", "depends", "link-session", "link-file"],
} as const;
const SPECS: Record<string, OptionSpec> = {
  add: FIELDS,
  list: { value: ["status"], flag: ["ready"] },
  show: {},
  update: FIELDS,
  comment: {},
  close: { value: ["reason"], flag: ["cancel"] },
  export: {},
  import: {},
};

const date = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

export function formatTaskLine(t: Task): string {
  const meta: string[] = [t.status, t.priority];
  if (t.assignee) meta.push(`@${t.assignee}`);
  if (t.labels.length > 0) meta.push(t.labels.map((l) => `#${l}`).join(" "));
  if (t.depends_on.length > 0) meta.push(`after ${t.depends_on.join(", ")}`);
  return `${t.id}  ${t.title}  [${meta.join("; ")}]`;
}

const actor = (e: TaskEvent) => (e.by.kind === "person" ? e.by.username : `agent session ${e.by.session_id}`);

export function formatTask(t: Task, history: TaskEvent[]): string {
  const out = [
    `${t.id}: ${t.title}`,
    `Status: ${t.status}${t.ready ? " (ready)" : ""}   Priority: ${t.priority}   Assignee: ${t.assignee ?? "-"}`,
  ];
  if (t.labels.length > 0) out.push(`Labels: ${t.labels.join(", ")}`);
  if (t.parent) out.push(`Parent: ${t.parent}`);
  if (t.children.length > 0) out.push(`Subtasks: ${t.children.join(", ")}`);
  if (t.depends_on.length > 0) out.push(`Depends on: ${t.depends_on.join(", ")}`);
  for (const l of t.links)
    out.push(`Link: ${l.kind === "session" ? `conversation ${l.session_id}` : `file ${l.path}`}`);
  out.push("", t.body.trim() || "(no description)", "", "History:");
  for (const e of history) {
    const what =
      e.kind === "comment"
        ? `commented: ${e.comment}`
        : e.kind === "updated"
          ? `changed ${Object.entries(e.changes)
              .map(([k, [a, b]]) => `${k} ${JSON.stringify(a)} → ${JSON.stringify(b)}`)
              .join(", ")}${e.comment ? ` (${e.comment})` : ""}`
          : e.kind;
    out.push(`  ${date(e.at)}  ${actor(e)}: ${what}`);
  }
  return `${out.join("\n")}\n`;
}

/** The task fields given as options, in the tool area's argument shape. */
async function fieldsOf(p: Parsed): Promise<Record<string, unknown>> {
  const f: Record<string, unknown> = {};
  for (const k of ["title", "status", "priority", "reason"] as const)
    if (p.values[k] !== undefined) f[k] = p.values[k];
  if (p.values.body !== undefined)
    f.body = p.values.body === "-" ? await new Response(Bun.stdin.stream()).text() : p.values.body;
  if (p.values.assignee !== undefined)
    f.assignee = ["none", "-", ""].includes(p.values.assignee) ? null : p.values.assignee;
  if (p.values.parent !== undefined)
    f.parent = ["none", "-", ""].includes(p.values.parent) ? null : p.values.parent;
  if (p.lists.label) f.labels = p.lists.label;
  if (p.lists.depends) f.depends_on = p.lists.depends;
  if (p.lists["link-session"] || p.lists["link-file"])
    f.links = [
      ...(p.lists["link-session"] ?? []).map((session_id) => ({ kind: "session", session_id })),
      ...(p.lists["link-file"] ?? []).map((path) => ({ kind: "file", path })),
    ];
  return f;
}

export async function runTask(args: string[], env: Env): Promise<number> {
  const [verb, ...rest] = args;
  const spec = verb ? SPECS[verb] : undefined;
  if (!verb || !spec)
    return failLine(
      "bad_request",
      "usage: octo-tool task add|list|show|update|comment|close|export|import ...",
    );
  const p = parseArgs(rest, spec);
  if (typeof p === "string") return failLine("bad_request", p);
  const call = (callArgs: Record<string, unknown>) => callTool("task", verb, callArgs, env);
  const words = p.words.join(" ").trim();

  if (verb === "list") {
    const r = await call({
      ...(p.values.status ? { status: p.values.status } : {}),
      ready: p.flags.has("ready"),
    });
    if (!r.ok) return failLine(r.error.code, r.error.message);
    const tasks = answerOf(TaskListAnswer, r.value)?.tasks;
    if (!tasks) return notUnderstood();
    const kind = p.flags.has("ready") ? "ready " : p.values.status ? `${p.values.status} ` : "";
    const what = `${kind}task${tasks.length === 1 ? "" : "s"}`;
    process.stdout.write(
      tasks.length === 0
        ? `No ${kind}tasks.\n`
        : `${tasks.length} ${what}:\n${tasks.map(formatTaskLine).join("\n")}\n`,
    );
    return 0;
  }
  if (verb === "export" || verb === "import") {
    if (p.words.length > 0) return failLine("bad_request", `usage: octo-tool task ${verb}`);
    const r = await call({});
    if (!r.ok) return failLine(r.error.code, r.error.message);
    const a = answerOf(TaskTransferAnswer, r.value);
    if (!a) return notUnderstood();
    process.stdout.write(
      verb === "export"
        ? `Wrote ${a.count} tasks to ${a.path}.\n`
        : `Imported ${a.count} tasks from ${a.path}.\n`,
    );
    return 0;
  }
  if (verb === "add") {
    if (!words) return failLine("bad_request", "usage: octo-tool task add TITLE [fields]");
    const fields = await fieldsOf(p);
    if (fields.reason !== undefined) return failLine("bad_request", "--reason is for update and close");
    const r = await call({ title: words, ...fields });
    if (!r.ok) return failLine(r.error.code, r.error.message);
    const t = answerOf(TaskAnswer, r.value)?.task;
    if (!t) return notUnderstood();
    process.stdout.write(`Created ${formatTaskLine(t)}\n`);
    return 0;
  }
  const [id, ...more] = p.words;
  if (!id) return failLine("bad_request", `usage: octo-tool task ${verb} ID ...`);
  let r: Awaited<ReturnType<typeof call>>;
  if (verb === "show") r = await call({ id });
  else if (verb === "comment") {
    const text = more.join(" ").trim();
    if (!text) return failLine("bad_request", "usage: octo-tool task comment ID TEXT");
    r = await call({ id, text });
  } else if (verb === "close") {
    r = await call({
      id,
      status: p.flags.has("cancel") ? "cancelled" : "done",
      ...(p.values.reason ? { reason: p.values.reason } : {}),
    });
  } else {
    const fields = await fieldsOf(p);
    if (more.length > 0)
      return failLine("bad_request", `unexpected words "${more.join(" ")}" (options start with --)`);
    if (Object.keys(fields).length === 0)
      return failLine("bad_request", "usage: octo-tool task update ID [fields]");
    r = await call({ id, ...fields });
  }
  if (!r.ok) return failLine(r.error.code, r.error.message);
  if (verb === "show") {
    const d = answerOf(TaskDetailSchema, r.value);
    if (!d) return notUnderstood();
    process.stdout.write(formatTask(d.task, d.history));
    return 0;
  }
  const t = answerOf(TaskAnswer, r.value)?.task;
  if (!t) return notUnderstood();
  const done = verb === "comment" ? "Commented on" : verb === "close" ? "Closed" : "Updated";
  process.stdout.write(`${done} ${formatTaskLine(t)}\n`);
  return 0;
}
