/**
 * octo's tools as native pi tools (`web_fetch`, `web_search`, `memory_search`, `memory_add`, and the
 * project's task tracker: `task_list`, `task_show`, `task_add`, `task_update`, `task_close`), loaded
 * by pi with `--extension`. (pi 0.73.1 has no todo or plan tool of its own to map onto tasks: these
 * are the agent's task list, live in the Tasks tab.)
 * Each runs the same `octo-tool` command the skill teaches, so both paths share one
 * implementation, one set of errors and the sandbox's network rules.
 *
 * It also loads, once pi has started, the module pi-ai would otherwise load on the first prompt
 * (see `providerModule`).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { Type } from "typebox";

interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  killed?: boolean;
}
interface Pi {
  registerTool(tool: unknown): void;
  on(
    event: "session_start",
    handler: (event: { reason: string }, ctx: { model?: { api?: string } }) => void,
  ): void;
  exec(
    command: string,
    args: string[],
    options?: { signal?: AbortSignal; timeout?: number },
  ): Promise<ExecResult>;
}

const TIMEOUT_MS = 120_000;

/** pi-ai's provider module per model API (the two kinds octo's gateway serves). */
const PROVIDER_FILES: Record<string, string> = {
  "openai-completions": "openai-completions.js",
  "anthropic-messages": "anthropic.js",
};

/**
 * The file pi-ai imports lazily the first time a model of this API streams — where pi itself
 * resolves it (pi-coding-agent's own node_modules first, then the scope beside it). Loading it
 * costs ~40–60 ms of CPU (the provider SDK), which otherwise lands on a new conversation's first
 * token even when its agent was started ahead of time. Importing the same file from here fills the
 * same module registry entry, so pi's own `import()` later finds it loaded.
 */
export function providerModule(
  piCli: string,
  api: string | undefined,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const file = api ? PROVIDER_FILES[api] : undefined;
  if (!file || !piCli.endsWith(join("pi-coding-agent", "dist", "cli.js"))) return undefined;
  const pkg = dirname(dirname(piCli));
  for (const ai of [join(pkg, "node_modules", "@mariozechner", "pi-ai"), join(dirname(pkg), "pi-ai")]) {
    const path = join(ai, "dist", "providers", file);
    if (exists(path)) return path;
  }
  return undefined;
}

interface TaskFields {
  title?: string;
  body?: string;
  status?: string;
  priority?: string;
  assignee?: string;
  parent?: string;
  reason?: string;
  labels?: string[];
  depends_on?: string[];
}

export default function octoTools(pi: Pi) {
  pi.on("session_start", (event, ctx) => {
    if (event.reason !== "startup") return;
    const path = providerModule(process.argv[1] ?? "", ctx.model?.api);
    // Best effort: if it fails here, pi's own import on the first prompt reports the error.
    if (path) import(path).catch(() => undefined);
  });
  const run = async (args: string[], signal?: AbortSignal) => {
    const r = await pi.exec("octo-tool", args, { signal, timeout: TIMEOUT_MS });
    if (r.code !== 0) throw new Error((r.stderr || r.stdout || `octo-tool exited with ${r.code}`).trim());
    return { content: [{ type: "text", text: r.stdout }], details: {} };
  };
  pi.registerTool({
    name: "web_fetch",
    label: "Fetch",
    description:
      "Read a web page or PDF as Markdown text (main content only, links kept). Runs inside the sandbox under its network rules. Long pages are cut; pass offset to read on.",
    promptSnippet: "Read a web page or PDF as Markdown",
    promptGuidelines: [
      "Use web_fetch to read a URL instead of curl: it returns the page's main content as Markdown.",
    ],
    parameters: Type.Object({
      url: Type.String({ description: "http or https URL" }),
      offset: Type.Optional(Type.Integer({ minimum: 0, description: "start at this character" })),
      max_chars: Type.Optional(Type.Integer({ minimum: 1, description: "at most this many characters" })),
    }),
    execute(_id: string, p: { url: string; offset?: number; max_chars?: number }, signal?: AbortSignal) {
      const args = ["fetch"];
      if (p.offset !== undefined) args.push("--offset", String(p.offset));
      if (p.max_chars !== undefined) args.push("--max-chars", String(p.max_chars));
      return run([...args, "--", p.url], signal);
    },
  });
  pi.registerTool({
    name: "web_search",
    label: "Search",
    description: "Search the web; returns ranked results (title, URL, snippet). Read results with web_fetch.",
    promptSnippet: "Search the web for current information",
    promptGuidelines: ["Use web_search to find pages, then web_fetch to read the most relevant results."],
    parameters: Type.Object({
      query: Type.String({ description: "what to search for" }),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    }),
    execute(_id: string, p: { query: string; limit?: number }, signal?: AbortSignal) {
      const args = ["search"];
      if (p.limit !== undefined) args.push("--limit", String(p.limit));
      return run([...args, "--", p.query], signal);
    },
  });
  pi.registerTool({
    name: "memory_search",
    label: "Recall",
    description:
      "Search the memories kept for this project and this user (facts, decisions, preferences saved in earlier conversations), best matches first.",
    promptSnippet: "Recall what was saved in earlier conversations",
    promptGuidelines: [
      "Use memory_search before asking the user something they may have told you in an earlier conversation.",
    ],
    parameters: Type.Object({
      query: Type.String({ description: "words to look for" }),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    }),
    execute(_id: string, p: { query: string; limit?: number }, signal?: AbortSignal) {
      const args = ["memory", "search"];
      if (p.limit !== undefined) args.push("--limit", String(p.limit));
      return run([...args, "--", p.query], signal);
    },
  });
  pi.registerTool({
    name: "memory_add",
    label: "Remember",
    description:
      "Save one fact, decision or preference for later conversations. user=true keeps it for all of the user's projects. The user sees and can edit it in the Memory tab; never save secrets.",
    promptSnippet: "Save a fact or preference for later conversations",
    promptGuidelines: [
      "Use memory_add when the user tells you something worth keeping beyond this conversation.",
    ],
    parameters: Type.Object({
      text: Type.String({ description: "the memory, written to read well on its own" }),
      tags: Type.Optional(Type.Array(Type.String())),
      user: Type.Optional(Type.Boolean({ description: "for all of the user's projects" })),
    }),
    execute(_id: string, p: { text: string; tags?: string[]; user?: boolean }, signal?: AbortSignal) {
      const args = ["memory", "add"];
      for (const t of p.tags ?? []) args.push("--tag", t);
      if (p.user) args.push("--user");
      return run([...args, "--", p.text], signal);
    },
  });
  const fieldArgs = (p: TaskFields) => {
    const args: string[] = [];
    for (const key of ["title", "body", "status", "priority", "assignee", "parent", "reason"] as const) {
      const value = p[key];
      // "-" would make octo-tool read the body from stdin, which a native call does not have.
      if (value !== undefined) args.push(`--${key}`, key === "body" && value === "-" ? " -" : value);
    }
    for (const label of p.labels ?? []) args.push("--label", label);
    for (const dep of p.depends_on ?? []) args.push("--depends", dep);
    return args;
  };
  const taskId = Type.String({ description: "a task id like T-12" });
  const fields = {
    body: Type.Optional(Type.String({ description: "Markdown description" })),
    priority: Type.Optional(Type.Union(["low", "normal", "high", "urgent"].map((x) => Type.Literal(x)))),
    labels: Type.Optional(Type.Array(Type.String(), { description: "replaces the labels" })),
    assignee: Type.Optional(Type.String({ description: '"agent" or a username' })),
    parent: Type.Optional(Type.String({ description: "the parent task's id" })),
    depends_on: Type.Optional(Type.Array(Type.String(), { description: "ids this task waits for" })),
  };
  const status = Type.Union(
    ["open", "in_progress", "blocked", "done", "cancelled"].map((x) => Type.Literal(x)),
  );
  pi.registerTool({
    name: "task_list",
    label: "Tasks",
    description:
      "List the project's tasks (shared with the people of this project in the Tasks tab). ready=true: open tasks whose dependencies are done.",
    promptSnippet: "List the project's tasks",
    promptGuidelines: [
      "Use task_list to see what is planned; keep the project's tasks honest: mark what you work on in_progress and close it when done.",
    ],
    parameters: Type.Object({ status: Type.Optional(status), ready: Type.Optional(Type.Boolean()) }),
    execute(_id: string, p: { status?: string; ready?: boolean }, signal?: AbortSignal) {
      const args = ["task", "list"];
      if (p.status) args.push("--status", p.status);
      if (p.ready) args.push("--ready");
      return run(args, signal);
    },
  });
  pi.registerTool({
    name: "task_show",
    label: "Task",
    description: "One task: its fields, description, links and the history of every change.",
    parameters: Type.Object({ id: taskId }),
    execute(_id: string, p: { id: string }, signal?: AbortSignal) {
      return run(["task", "show", "--", p.id], signal);
    },
  });
  pi.registerTool({
    name: "task_add",
    label: "New task",
    description: "Create a task in the project's tracker; returns its id. Use it for your plan's steps too.",
    promptSnippet: "Plan work as tasks the user can follow",
    promptGuidelines: ["Use task_add to record the steps of a plan; the user sees them at once."],
    parameters: Type.Object({ title: Type.String(), ...fields }),
    execute(_id: string, p: TaskFields & { title: string }, signal?: AbortSignal) {
      const { title, ...rest } = p;
      return run(["task", "add", ...fieldArgs(rest), "--", title], signal);
    },
  });
  pi.registerTool({
    name: "task_update",
    label: "Update task",
    description:
      "Change a task's fields (status, priority, title, body, labels, …); reason is kept in its history.",
    parameters: Type.Object({
      id: taskId,
      title: Type.Optional(Type.String()),
      status: Type.Optional(status),
      reason: Type.Optional(Type.String()),
      ...fields,
    }),
    execute(_id: string, p: TaskFields & { id: string }, signal?: AbortSignal) {
      const { id, ...rest } = p;
      return run(["task", "update", ...fieldArgs(rest), "--", id], signal);
    },
  });
  pi.registerTool({
    name: "task_close",
    label: "Close task",
    description: "Mark a task done (or cancelled with cancel=true), with an optional reason.",
    parameters: Type.Object({
      id: taskId,
      reason: Type.Optional(Type.String()),
      cancel: Type.Optional(Type.Boolean()),
    }),
    execute(_id: string, p: { id: string; reason?: string; cancel?: boolean }, signal?: AbortSignal) {
      const args = ["task", "close"];
      if (p.reason !== undefined) args.push("--reason", p.reason);
      if (p.cancel) args.push("--cancel");
      return run([...args, "--", p.id], signal);
    },
  });
}
