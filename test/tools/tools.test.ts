import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { sourceRoot } from "../../src/shared/paths.ts";
import { singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { Client } from "../http/client.ts";
import { startServerIn } from "../http/harness.ts";
import { AgentTab, createProject, piOf, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { environOf, fileContains, gone, startSearxng, startSite } from "./fixtures.ts";

setDefaultTimeout(120_000);

let w: SessionWorld;
let tab: AgentTab;
let projectId: string;
let site: ReturnType<typeof startSite>;
let searx: ReturnType<typeof startSearxng>;
/** Session in `open` network mode (reaches the host's loopback), and one in `none` mode. */
let open: string;
let closed: string;
let prompts = 0;

beforeAll(async () => {
  site = startSite();
  searx = startSearxng();
  w = await startWorld();
  projectId = await createProject(w.admin, "Tools");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  open = await newSession("open");
  closed = await newSession("strict");
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
  site?.stop();
  searx?.stop();
});

async function newSession(profile: string): Promise<string> {
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
    profile,
  });
  await tab.ok("session.subscribe", { session_id });
  // pi has started (extension and skill loaded) once it announces its state.
  await tab.waitEvent(session_id, (f) => f.event === "session.state", "session.state", 110_000);
  return session_id;
}

/** The agent runs `command` with its bash tool; returns the tool's result as the model sees it. */
async function agentRuns(session: string, command: string): Promise<{ output: string; isError: boolean }> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `p-${++prompts}` });
  await tab.waitIdle(session, idles + 1);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  if (!end) throw new Error(`no tool.end among ${tab.events(session).map((f) => f.event)}`);
  return { output: String(end.output), isError: end.is_error === true };
}

const toolSocketOf = (session: string) =>
  join(singleUserRunnerFiles(w.t.server.ctx.config.paths.socketDir).dir, "tools", session, "tool.sock");
const tokenOf = (session: string) => {
  const pid = piOf(session);
  if (!pid) throw new Error(`no pi for ${session}`);
  const token = environOf(pid).OCTO_TOOL_TOKEN;
  if (!token) throw new Error("pi has no OCTO_TOOL_TOKEN");
  return token;
};

/** The real octo-tool (from source) on the host, talking to a session's socket as the sandbox would. */
async function hostTool(args: string[], env: { socket: string; token: string }) {
  const proc = Bun.spawn(["bun", join(sourceRoot(), "runner/tools/cli/entry.ts"), ...args], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      OCTO_TOOL_SOCKET: env.socket,
      OCTO_TOOL_TOKEN: env.token,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

/** Raw lines over a session's tool socket: one answer line per request line. */
async function rawLines(socket: string, lines: string[]): Promise<Record<string, unknown>[]> {
  const answers: Record<string, unknown>[] = [];
  let buffered = "";
  return new Promise((resolve, reject) => {
    Bun.connect({
      unix: socket,
      socket: {
        open(s) {
          s.write(lines.map((l) => `${l}\n`).join(""));
        },
        data(s, chunk) {
          buffered += Buffer.from(chunk).toString("utf8");
          const parts = buffered.split("\n");
          buffered = parts.pop() ?? "";
          for (const p of parts) answers.push(JSON.parse(p));
          if (answers.length >= lines.length) {
            s.end();
            resolve(answers);
          }
        },
        error: (_s, e) => reject(e),
      },
    }).catch(reject);
  });
}

describe("inside the sandbox", () => {
  test("octo-tool is on the agent's PATH and `help` lists its areas", async () => {
    const r = await agentRuns(open, "octo-tool help");
    expect(r.isError).toBe(false);
    expect(r.output).toContain("usage: octo-tool <area>");
    expect(r.output).toMatch(/^ {2}fetch /m);
    expect(r.output).toMatch(/^ {2}search /m);
    expect(r.output).toMatch(/^ {2}browser /m);
  });

  test("fetch (open network) prints the article as Markdown, without nav, footer or scripts", async () => {
    const r = await agentRuns(open, `octo-tool fetch ${site.url}/old`);
    expect(r.isError).toBe(false);
    expect(r.output).toContain(`URL: ${site.url}/article`);
    expect(r.output).toContain("Title: Otters of the Elbe");
    expect(r.output).toContain("ARTICLE-MARKER");
    expect(r.output).toContain(`[how the counts are made](${site.url}/methods)`);
    for (const noise of ["NAV-MARKER", "FOOTER-MARKER", "SIDEBAR-MARKER", "SCRIPT-MARKER"])
      expect(r.output).not.toContain(noise);
  });

  test("fetch prints a PDF's text, page by page", async () => {
    const r = await agentRuns(open, `octo-tool fetch ${site.url}/paper.pdf`);
    expect(r).toMatchObject({ isError: false });
    expect(r.output).toContain("Title: Otter paper");
    expect(r.output).toContain("## Page 1 of 1\n\nSpraint counts PDF-MARKER");
  });

  test("pi gets octo's tools natively (web_fetch, web_search) and the octo-tool skill", async () => {
    const chat = w.fx.requests.filter((r) => r.kind === "chat").at(-1);
    expect(chat?.toolNames).toEqual(expect.arrayContaining(["bash", "web_fetch", "web_search"]));
    expect(chat?.system).toContain("octo-tool");
    w.fx.enqueue(
      [{ toolCall: { name: "web_fetch", args: { url: `${site.url}/article`, max_chars: 400 } } }],
      [{ text: "read it" }],
    );
    const idles = tab.events(open).filter((f) => f.event === "agent.idle").length;
    await tab.ok("prompt", { session_id: open, message: "read the article", client_id: `p-${++prompts}` });
    await tab.waitIdle(open, idles + 1);
    const start = tab
      .events(open)
      .filter((f) => f.event === "tool.start")
      .at(-1);
    expect(start).toMatchObject({ name: "web_fetch" });
    const end = tab
      .events(open)
      .filter((f) => f.event === "tool.end")
      .at(-1);
    expect(end).toMatchObject({ is_error: false });
    expect(String(end?.output)).toContain("ARTICLE-MARKER");
    expect(String(end?.output)).toContain("more characters: octo-tool fetch --offset 400");
  });

  test("fetch (no network) fails with one line and a non-zero exit", async () => {
    const r = await agentRuns(closed, `octo-tool fetch ${site.url}/article`);
    expect(r.isError).toBe(true);
    const lines = r.output.split("\n").filter((l) => l.startsWith("octo-tool:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^octo-tool: fetch_failed: cannot fetch /);
    expect(r.output).toContain("Command exited with code 1");
  });

  test("search with no backend configured: search_not_configured, non-zero exit", async () => {
    const r = await agentRuns(open, "octo-tool search otters");
    expect(r.isError).toBe(true);
    expect(r.output).toContain("octo-tool: search_not_configured: ");
    expect(r.output).toContain("Command exited with code 1");
  });
});

describe("the tool socket", () => {
  test("malformed lines get an error each, and the connection carries on", async () => {
    const answers = await rawLines(toolSocketOf(open), [
      "this is not json",
      JSON.stringify({ id: 7, area: 5, verb: "x", token: "t" }),
      JSON.stringify({ id: 8, area: "search", verb: "query", args: {}, token: "nope", extra: 1 }),
      JSON.stringify({
        id: 9,
        area: "search",
        verb: "query",
        args: { query: "x" },
        token: "octo_tool_forged",
      }),
    ]);
    expect(answers[0]).toMatchObject({ id: null, ok: false, error: { code: "invalid_json" } });
    expect(answers[1]).toMatchObject({ id: 7, ok: false, error: { code: "validation_failed" } });
    expect(answers[2]).toMatchObject({ id: 8, ok: false, error: { code: "validation_failed" } });
    expect(answers[3]).toMatchObject({ id: 9, ok: false, error: { code: "token_invalid" } });
  });

  test("another session's token is refused on this session's socket", async () => {
    const r = await hostTool(["search", "otters"], { socket: toolSocketOf(open), token: tokenOf(closed) });
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith("octo-tool: token_invalid: ");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    // …while its own token works there (and reaches the server, which has no search backend yet).
    const own = await hostTool(["search", "otters"], { socket: toolSocketOf(open), token: tokenOf(open) });
    expect(own.stderr).toStartWith("octo-tool: search_not_configured: ");
  });
});

describe("across a server restart", () => {
  test("a call made while the server is stopped waits, then completes once it is back", async () => {
    const env = { socket: toolSocketOf(open), token: tokenOf(open) };
    const runnerLog = singleUserRunnerFiles(w.t.server.ctx.config.paths.socketDir).logFile;
    await w.t.server.stop();
    const call = hostTool(["search", "--limit", "3", "river", "otters"], env);
    await fileContains(runnerLog, "tool call waits for the server");
    // The server comes back with a search backend configured this time.
    appendFileSync(
      join(w.t.env.XDG_CONFIG_HOME as string, "octo", "config.toml"),
      `\n[search]\nsearxng_url = "${searx.url}"\n`,
    );
    const again = await startServerIn({ home: w.t.home, env: w.t.env });
    w.t.server = again.server;
    w.t.url = again.url;
    w.t.stop = again.stop;
    const r = await call;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(searx.queries).toEqual(["river otters"]);
    expect(r.stdout).toContain('Results for "river otters" (3):');
    expect(r.stdout).toMatch(
      /1\. First about river otters\n {3}https:\/\/one\.example\/foo\n {3}The best match\./,
    );
    expect(r.stdout).toContain("2. Second\n   https://two.example/foo\n   Also relevant here.");
    expect(r.stdout).toContain("3. Third\n   https://three.example/");
    expect(r.stdout).not.toContain("Duplicate");
    expect(r.stdout).not.toContain("javascript:");

    w.admin = new Client(again.url);
    await w.admin.login(w.t.admin.username, w.t.admin.password);
    await tab.close();
    tab = await AgentTab.open(again.url, w.admin.cookie);
  });

  test("search through the agent prints ranked results", async () => {
    // A new session: one started before the restart cannot reach the new server's LLM socket (its
    // sandbox binds the old socket file; see decision 0010), though its tools can.
    const fresh = await newSession("open");
    const r = await agentRuns(fresh, "octo-tool search otters");
    expect(r).toMatchObject({ isError: false });
    expect(r.output).toContain('Results for "otters" (3):');
    expect(r.output).toContain("1. First about otters");
    expect(r.output).toContain("Read a result with: octo-tool fetch URL");
  });

  test("admins read and test the search backend over HTTP", async () => {
    const status = await w.admin.get<Record<string, unknown>>("/api/admin/search");
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ configured: true, backend: "searxng", url: searx.url });
    const tried = await w.admin.post<{ results: unknown[]; took_ms: number }>("/api/admin/search/test", {
      query: "admin check",
    });
    expect(tried.status).toBe(200);
    expect(tried.body.results).toHaveLength(3);
    expect(searx.queries.at(-1)).toBe("admin check");
    const bad = await w.admin.post("/api/admin/search/test", { query: "" });
    expect(bad.status).toBe(422);
  });
});

test("the runner removes a session's tool socket when its agent ends", async () => {
  await tab.ok("session.close", { session_id: closed });
  const socket = toolSocketOf(closed);
  await gone(socket);
  expect(existsSync(socket)).toBe(false);
});
