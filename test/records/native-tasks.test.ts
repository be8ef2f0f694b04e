import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * pi's native task tools (octo's extension: task_list/show/add/update/close) in a real session:
 * the scripted model calls them, they run `octo-tool task …` in the sandbox, and the tasks (with
 * their history, attributed to the session) are what the person sees over HTTP.
 */
setDefaultTimeout(240_000);

let w: SessionWorld;
let tab: AgentTab;
let project: string;
let session: string;
let prompts = 0;

beforeAll(async () => {
  w = await startWorld();
  project = await createProject(w.admin, "Native tasks");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", { project_id: project });
  session = session_id;
  await tab.ok("session.subscribe", { session_id });
  await tab.waitEvent(session_id, (f) => f.event === "session.state", "session.state", 150_000);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
});

/** The model calls one native tool; returns what the tool answered. */
async function call(
  name: string,
  args: Record<string, unknown>,
): Promise<{ output: string; isError: boolean }> {
  w.fx.enqueue([{ toolCall: { name, args } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `use ${name}`, client_id: `nt-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 150_000);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  return { output: String(end?.output), isError: end?.is_error === true };
}

describe("native task tools", () => {
  test("pi offers them to the model", async () => {
    await call("task_list", {});
    const offered = w.fx.requests.find((r) => r.kind === "chat" && r.toolNames.includes("task_add"));
    expect(offered?.toolNames).toEqual(
      expect.arrayContaining(["task_list", "task_show", "task_add", "task_update", "task_close"]),
    );
  });

  test("the agent adds, updates, lists and closes tasks; the person sees each change, attributed", async () => {
    const added = await call("task_add", {
      title: "Write the parser",
      body: "Handle **nested** lists",
      priority: "high",
      labels: ["code"],
    });
    expect(added.isError).toBe(false);
    expect(added.output).toContain("Created T-1  Write the parser  [open; high; #code]");
    await call("task_add", { title: "Ship it", depends_on: ["T-1"] });

    const http = await w.admin.get<{ tasks: { id: string; title: string; status: string; body: string }[] }>(
      `/api/projects/${project}/tasks`,
    );
    expect(http.body.tasks.map((t) => [t.id, t.title])).toEqual([
      ["T-1", "Write the parser"],
      ["T-2", "Ship it"],
    ]);

    const moved = await call("task_update", { id: "T-1", status: "in_progress", reason: "starting" });
    expect(moved.output).toContain("Updated T-1");
    // A person edits the task; the agent reads the edit.
    await w.admin.request("PATCH", `/api/projects/${project}/tasks/T-1`, {
      body: { body: "Use a Pratt parser" },
    });
    const shown = await call("task_show", { id: "T-1" });
    expect(shown.output).toContain("T-1: Write the parser");
    expect(shown.output).toContain("Use a Pratt parser");

    const ready = await call("task_list", { ready: true });
    expect(ready.output).not.toContain("T-2");
    const closed = await call("task_close", { id: "T-1", reason: "parser merged" });
    expect(closed.output).toContain("Closed T-1");
    expect((await call("task_list", { ready: true })).output).toContain("T-2  Ship it");

    const detail = await w.admin.get<{
      task: { status: string };
      history: { kind: string; by: { kind: string; session_id?: string }; comment: string | null }[];
    }>(`/api/projects/${project}/tasks/T-1`);
    expect(detail.body.task.status).toBe("done");
    expect(detail.body.history.map((h) => [h.kind, h.by.kind])).toEqual([
      ["created", "session"],
      ["updated", "session"],
      ["updated", "person"],
      ["updated", "session"],
    ]);
    expect(detail.body.history[0]?.by.session_id).toBe(session);
    expect(detail.body.history[3]?.comment).toBe("parser merged");
  });

  test("bad input is a failed tool call with the stable code, not a crash", async () => {
    const bad = await call("task_update", { id: "T-1", status: "someday" });
    expect(bad.isError).toBe(true);
    const missing = await call("task_show", { id: "T-99" });
    expect(missing.isError).toBe(true);
    expect(missing.output).toContain("not_found");
  });
});
