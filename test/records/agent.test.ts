import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * The agent's side of memory and tasks: real sessions in real sandboxes run `octo-tool memory|task`
 * with their bash tool (the scripted model asks for it); people read and write over HTTP.
 */
setDefaultTimeout(180_000);

let w: SessionWorld;
let tab: AgentTab;
let alpha: string;
let beta: string;
let bob: Client;
let bobProject: string;
let prompts = 0;

beforeAll(async () => {
  w = await startWorld();
  alpha = await createProject(w.admin, "Alpha");
  beta = await createProject(w.admin, "Beta");
  await addUser(w.admin, "bob", "bob-password-1");
  bob = new Client(w.t.url);
  await bob.login("bob", "bob-password-1");
  bobProject = await createProject(bob, "Bobs");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
});

async function newSession(projectId: string): Promise<string> {
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id });
  await tab.waitEvent(session_id, (f) => f.event === "session.state", "session.state", 150_000);
  return session_id;
}

/** The agent runs `command` with its bash tool; returns the tool's result as the model sees it. */
async function agentRuns(session: string, command: string): Promise<{ output: string; isError: boolean }> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `p-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 150_000);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  if (!end) throw new Error(`no tool.end among ${tab.events(session).map((f) => f.event)}`);
  return { output: String(end.output), isError: end.is_error === true };
}

describe("memory through the tool socket", () => {
  let first: string;
  let saved: string;

  test("the agent saves a memory; a later session of the same project finds it with search", async () => {
    first = await newSession(alpha);
    const add = await agentRuns(
      first,
      "octo-tool memory add 'Deploys go out with ./ship.sh from the ops host' --tag ops",
    );
    expect(add).toMatchObject({ isError: false });
    saved = /Saved (mem_[0-9a-f]{28})/.exec(add.output)?.[1] ?? "";
    expect(saved).not.toBe("");
    await tab.ok("session.close", { session_id: first });

    const later = await newSession(alpha);
    const found = await agentRuns(later, "octo-tool memory search how do we deploy");
    expect(found.isError).toBe(false);
    expect(found.output).toContain(saved);
    expect(found.output).toContain("Deploys go out with ./ship.sh from the ops host");
    // "where did this come from": the first session, also over HTTP for the UI.
    const shown = await agentRuns(later, `octo-tool memory show ${saved}`);
    expect(shown.output).toContain(`From: session ${first}`);
    const http = await w.admin.get<{ memory: { source: { session_id: string; message_id: string | null } } }>(
      `/api/projects/${alpha}/memories/${saved}`,
    );
    expect(http.body.memory.source.session_id).toBe(first);
    // …and the message in it that asked for the tool.
    const { messages } = await tab.ok<{
      messages: { id: string; role: string; parts: { type: string }[] }[];
    }>("get_messages", { session_id: first });
    const asked = messages.find((m) => m.role === "assistant" && m.parts.some((p) => p.type === "tool_call"));
    expect(http.body.memory.source.message_id).toBe(asked?.id ?? "no tool-calling message");
  });

  test("a user memory shows up in another project of the same user; a project memory does not", async () => {
    const inAlpha = await newSession(alpha);
    const add = await agentRuns(
      inAlpha,
      "octo-tool memory add --user 'The user wants answers in metric units'",
    );
    expect(add.output).toContain("(user memory)");
    const inBeta = await newSession(beta);
    const found = await agentRuns(inBeta, "octo-tool memory search metric units");
    expect(found.output).toContain("The user wants answers in metric units");
    const notHere = await agentRuns(inBeta, "octo-tool memory search ship.sh deploys");
    expect(notHere.output).toContain("No memories match");
  });

  test("another user's memories are not_found to the agent, and the agent's are not found by them", async () => {
    const theirs = await bob.post<{ memory: { id: string } }>(`/api/projects/${bobProject}/memories`, {
      text: "Bob's secret plan",
      scope: "user",
    });
    const s = await newSession(alpha);
    const shown = await agentRuns(s, `octo-tool memory show ${theirs.body.memory.id}; echo "exit=$?"`);
    expect(shown.output).toContain("octo-tool: not_found: no such memory");
    expect(shown.output).toContain("exit=1");
    // pi has native memory tools too; they run the same octo-tool.
    const offered = w.fx.requests.filter(
      (r) =>
        r.kind === "chat" && r.toolNames?.includes("memory_search") && r.toolNames.includes("memory_add"),
    );
    expect(offered.length).toBeGreaterThan(0);
    w.fx.enqueue(
      [{ toolCall: { name: "memory_add", args: { text: "Native tools work", tags: ["meta"] } } }],
      [{ text: "saved" }],
    );
    const idles = tab.events(s).filter((f) => f.event === "agent.idle").length;
    await tab.ok("prompt", { session_id: s, message: "remember", client_id: `p-${++prompts}` });
    await tab.waitIdle(s, idles + 1, 150_000);
    const end = tab
      .events(s)
      .filter((f) => f.event === "tool.end")
      .at(-1);
    expect(String(end?.output)).toMatch(/^Saved mem_[0-9a-f]{28} \(project memory\)\./);
    const search = await agentRuns(s, "octo-tool memory search secret plan");
    expect(search.output).toContain("No memories match");
    expect((await bob.get(`/api/projects/${bobProject}/memories?q=ship.sh`)).body).toEqual({ memories: [] });
    expect((await bob.get(`/api/projects/${alpha}/memories/${saved}`)).code).toBe("not_found");
  });
});

describe("tasks through the tool socket", () => {
  test("a person edits a task over HTTP that the agent then reads; --ready respects dependencies", async () => {
    await w.admin.post(`/api/projects/${alpha}/tasks`, { title: "Pick a database" });
    await w.admin.post(`/api/projects/${alpha}/tasks`, { title: "Write migrations", depends_on: ["T-1"] });
    await w.admin.request("PATCH", `/api/projects/${alpha}/tasks/T-1`, {
      body: { body: "Postgres or **SQLite**; the person decided: SQLite", priority: "high" },
    });
    const s = await newSession(alpha);
    const shown = await agentRuns(s, "octo-tool task show T-1");
    expect(shown.isError).toBe(false);
    expect(shown.output).toContain("T-1: Pick a database");
    expect(shown.output).toContain("the person decided: SQLite");
    expect(shown.output).toContain("Priority: high");
    expect(shown.output).toMatch(/admin: changed .*priority "normal" → "high"/);

    const before = await agentRuns(s, "octo-tool task list --ready");
    expect(before.output).toContain("T-1  Pick a database");
    expect(before.output).not.toContain("T-2");
    const closed = await agentRuns(s, "octo-tool task close T-1 --reason 'SQLite it is'");
    expect(closed.output).toContain("Closed T-1");
    const after = await agentRuns(s, "octo-tool task list --ready");
    expect(after.output).toContain("T-2  Write migrations");
    expect(after.output).not.toMatch(/^T-1 /m);

    // The history says who: the person, then this agent session.
    const detail = await w.admin.get<{
      history: { kind: string; by: Record<string, string>; comment: string | null }[];
    }>(`/api/projects/${alpha}/tasks/T-1`);
    expect(detail.body.history.map((h) => [h.kind, h.by.kind])).toEqual([
      ["created", "person"],
      ["updated", "person"],
      ["updated", "session"],
    ]);
    expect(detail.body.history[2]?.by.session_id).toBe(s);
    expect(detail.body.history[2]?.comment).toBe("SQLite it is");
  });

  test("add, update, comment, bad input and another user's task ids from the agent", async () => {
    const s = await newSession(beta);
    const add = await agentRuns(
      s,
      "octo-tool task add Refactor the parser --label code --priority urgent --assignee agent",
    );
    expect(add.output).toContain("Created T-1  Refactor the parser  [open; urgent; @agent; #code]");
    const upd = await agentRuns(
      s,
      "octo-tool task update T-1 --status in_progress --link-file src/parser.ts",
    );
    expect(upd.output).toContain("Updated T-1");
    const bad = await agentRuns(s, `octo-tool task update T-1 --status someday; echo "exit=$?"`);
    expect(bad.output).toMatch(/octo-tool: validation_failed: task update: status: /);
    expect(bad.output).toContain("exit=1");
    const missing = await agentRuns(s, `octo-tool task show T-99; echo "exit=$?"`);
    expect(missing.output).toContain("octo-tool: not_found: no such task");
    await bob.post(`/api/projects/${bobProject}/tasks`, { title: "Bob's task" });
    // The agent's T-1 is its own project's; bob's tasks are unreachable from here whatever the id.
    const shown = await agentRuns(s, "octo-tool task show T-1");
    expect(shown.output).toContain("Refactor the parser");
    expect(shown.output).not.toContain("Bob");
    expect(shown.output).toContain("Link: file src/parser.ts");
  });

  test("export writes .octo/tasks.jsonl (read-only to the agent) and import reads it back", async () => {
    const s = await newSession(alpha);
    const out = await agentRuns(s, "octo-tool task export && wc -l < .octo/tasks.jsonl");
    expect(out.output).toContain("Wrote 2 tasks to .octo/tasks.jsonl.");
    expect(out.output.trim().endsWith("2")).toBe(true);
    const back = await agentRuns(s, "octo-tool task import");
    expect(back.output).toContain("Imported 2 tasks from .octo/tasks.jsonl.");
  });
});
