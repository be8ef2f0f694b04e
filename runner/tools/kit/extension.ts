/**
 * octo's tools as native pi tools (`web_fetch`, `web_search`, `memory_search`, `memory_add`), loaded
 * by pi with `--extension`.
 * Each runs the same `octo-tool` command the skill teaches, so both paths share one
 * implementation, one set of errors and the sandbox's network rules.
 */
import { Type } from "typebox";

interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  killed?: boolean;
}
interface Pi {
  registerTool(tool: unknown): void;
  exec(
    command: string,
    args: string[],
    options?: { signal?: AbortSignal; timeout?: number },
  ): Promise<ExecResult>;
}

const TIMEOUT_MS = 120_000;

export default function octoTools(pi: Pi) {
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
}
