import * as v from "valibot";
import type { Failure } from "../../../src/protocol/errors.ts";
import { SearchAnswerSchema } from "../../../src/protocol/tools.ts";
import { BROWSER_HELP, runBrowser } from "./browser.ts";
import { CANVAS_HELP, runCanvas } from "./canvas.ts";
import { callTool } from "./client.ts";
import { failLine } from "./fail.ts";
import { fetchPage, parseUrl } from "./fetch.ts";
import { formatPage, formatSearch } from "./format.ts";
import { MEMORY_HELP, runMemory } from "./memory.ts";
import { runSchedule, SCHEDULE_HELP } from "./schedule.ts";
import { runTask, TASK_HELP } from "./task.ts";

/**
 * `octo-tool <area> …`: octo's tools for the agent inside its sandbox. Output is plain text for a
 * model to read; a failure is one line on stderr (`octo-tool: <code>: <reason>`) and a non-zero exit.
 */

const DEFAULT_MAX_CHARS = 40_000;

interface Area {
  summary: string;
  help: string;
  run(args: string[], env: Env): Promise<number>;
}
type Env = Record<string, string | undefined>;

const AREAS: Record<string, Area> = {
  fetch: {
    summary: "read a web page or PDF as text (Markdown)",
    help: `octo-tool fetch [--max-chars N] [--offset N] URL

Downloads URL from inside this sandbox (so its network rules apply) and prints its main content
as Markdown: navigation, scripts and boilerplate dropped, links kept as absolute URLs. PDFs are
printed as text, page by page. The final URL (after redirects) is printed first.
  --max-chars N   print at most N characters (default ${DEFAULT_MAX_CHARS})
  --offset N      start at character N (to read on where a long page was cut)`,
    run: runFetch,
  },
  search: {
    summary: "search the web; prints ranked results (title, URL, snippet)",
    help: `octo-tool search [--limit N] QUERY...

Searches the web through the search service your octo administrator configured and prints
numbered results: title, URL and a snippet. Read a result with \`octo-tool fetch URL\`.
  --limit N   at most N results (1-20, default 8)`,
    run: runSearch,
  },
  memory: {
    summary: "remember and recall notes for this project or user (add, search, list, ...)",
    help: MEMORY_HELP,
    run: runMemory,
  },
  task: {
    summary: "the project's task tracker (add, list --ready, show, update, comment, close)",
    help: TASK_HELP,
    run: runTask,
  },
  schedule: {
    summary: "propose a recurring run of this project's agent (the person confirms it)",
    help: SCHEDULE_HELP,
    run: runSchedule,
  },
  canvas: {
    summary:
      "show the user rendered artifacts: publish FILE (Markdown, HTML, SVG, images, Mermaid), list, show",
    help: CANVAS_HELP,
    run: runCanvas,
  },
  browser: {
    summary: "drive a real browser: open, snapshot, click, fill, type, … (help browser)",
    help: BROWSER_HELP,
    run: (args, env) => runBrowser(args, env, failLine),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(AREAS).map((a) => a.length), 4) + 2;
  return [
    "octo-tool: octo's tools for this agent session.",
    "",
    "usage: octo-tool <area> [options] [arguments]",
    "",
    "areas:",
    ...Object.entries(AREAS).map(([name, a]) => `  ${name.padEnd(width)}${a.summary}`),
    `  ${"help".padEnd(width)}this text; octo-tool help AREA for one area`,
    "",
  ].join("\n");
}

export async function octoTool(argv: string[], env: Env = process.env): Promise<number> {
  const [area, ...rest] = argv;
  if (!area || area === "help" || area === "--help" || area === "-h") {
    const topic = area === "help" ? rest[0] : undefined;
    if (!topic) {
      process.stdout.write(usage());
      return area ? 0 : 2;
    }
    const known = AREAS[topic];
    if (!known) return failLine("unknown_command", `no help topic "${topic}"; try: octo-tool help`);
    process.stdout.write(`${known.help}\n`);
    return 0;
  }
  const handler = AREAS[area];
  if (!handler) return failLine("unknown_command", `unknown area "${area}"; try: octo-tool help`);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${handler.help}\n`);
    return 0;
  }
  return handler.run(rest, env);
}

const failed = (f: Failure) => failLine(f.error.code, f.error.message);

/** `--name N` options (non-negative integers) before the positional arguments. */
function options(
  args: string[],
  names: string[],
): { values: Record<string, number>; rest: string[] } | string {
  const values: Record<string, number> = {};
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("--")) break;
    const name = arg.slice(2);
    if (!names.includes(name)) return `unknown option ${arg}`;
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < 0) return `${arg} needs a whole number`;
    values[name] = n;
  }
  return { values, rest: args.slice(i) };
}

async function runFetch(args: string[], env: Env): Promise<number> {
  const parsed = options(args, ["max-chars", "offset"]);
  if (typeof parsed === "string") return failLine("bad_request", parsed);
  if (parsed.rest.length !== 1)
    return failLine("bad_request", "usage: octo-tool fetch [--max-chars N] [--offset N] URL");
  const url = parseUrl(parsed.rest[0] as string);
  if (!url.ok) return failed(url);
  const page = await fetchPage(url.value, env);
  if (!page.ok) return failed(page);
  const maxChars = parsed.values["max-chars"] ?? DEFAULT_MAX_CHARS;
  process.stdout.write(
    formatPage(page.value, { offset: parsed.values.offset ?? 0, maxChars: Math.max(1, maxChars) }),
  );
  return 0;
}

async function runSearch(args: string[], env: Env): Promise<number> {
  const parsed = options(args, ["limit"]);
  if (typeof parsed === "string") return failLine("bad_request", parsed);
  const query = parsed.rest.join(" ").trim();
  if (!query) return failLine("bad_request", "usage: octo-tool search [--limit N] QUERY...");
  const r = await callTool(
    "search",
    "query",
    { query, ...(parsed.values.limit ? { limit: parsed.values.limit } : {}) },
    env,
  );
  if (!r.ok) return failed(r);
  const answer = v.safeParse(SearchAnswerSchema, r.value);
  if (!answer.success) return failLine("internal", "the search answer was not understood");
  process.stdout.write(formatSearch(answer.output));
  return 0;
}
