import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * "Used N memories": with the project's opt-in, a new conversation's first prompt reaches the model
 * with the most relevant memories before it (checked in the request the scripted provider gets),
 * the chat is told which (`memory.used`, stored, so a reload shows it) and the person's message as
 * stored stays what they typed. A real session in a real sandbox.
 */
setDefaultTimeout(240_000);

let w: SessionWorld;
let tab: AgentTab;
let on: string;
let off: string;
let deployId: string;
let metricId: string;
let prompts = 0;

beforeAll(async () => {
  w = await startWorld();
  on = await createProject(w.admin, "Remembers");
  off = await createProject(w.admin, "Forgets");
  const add = async (project: string, body: Record<string, unknown>) =>
    (await w.admin.post<{ memory: { id: string } }>(`/api/projects/${project}/memories`, body)).body.memory
      .id;
  deployId = await add(on, { text: "Deploys go out with ./ship.sh from the ops host" });
  metricId = await add(on, { text: "The user wants deploy reports in metric units", scope: "user" });
  await add(on, { text: "The office plant is a fern" });
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

async function prompt(session: string, message: string): Promise<string> {
  w.fx.enqueue([{ text: "noted" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  const client_id = `mc-${++prompts}`;
  await tab.ok("prompt", { session_id: session, message, client_id });
  await tab.waitIdle(session, idles + 1, 150_000);
  return client_id;
}

const lastChat = () => w.fx.requests.filter((r) => r.kind === "chat" && r.api !== null).at(-1);

describe("used N memories", () => {
  test("the setting is per project, off by default, owner-only, and checked", async () => {
    const got = await w.admin.get<{ project: { use_memories: boolean } }>(`/api/projects/${on}`);
    expect(got.body.project.use_memories).toBe(false);
    const bad = await w.admin.request("PATCH", `/api/projects/${on}`, { body: { use_memories: "yes" } });
    expect([bad.status, bad.code]).toEqual([422, "validation_failed"]);
    await addUser(w.admin, "dave", "dave-password-1");
    const dave = new Client(w.t.url);
    await dave.login("dave", "dave-password-1");
    const theirs = await dave.request("PATCH", `/api/projects/${on}`, { body: { use_memories: true } });
    expect(theirs.code).toBe("not_found");
    const set = await w.admin.request<{ project: { use_memories: boolean } }>(
      "PATCH",
      `/api/projects/${on}`,
      {
        body: { use_memories: true },
      },
    );
    expect(set.body.project.use_memories).toBe(true);
  });

  test("the first prompt carries the relevant memories to the model; the chat is told which", async () => {
    const s = await newSession(on);
    const typed = "How do we deploy the app?";
    const clientId = await prompt(s, typed);
    const sent = lastChat()?.lastUserText ?? "";
    expect(sent).toStartWith("<octo-memories>");
    expect(sent).toContain(`[${deployId}] Deploys go out with ./ship.sh from the ops host`);
    expect(sent).toContain(`[${metricId}] The user wants deploy reports in metric units`);
    expect(sent).not.toContain("fern");
    expect(sent.endsWith(`\n\n${typed}`)).toBe(true);

    const used = tab.events(s).find((f) => f.event === "memory.used");
    expect(used?.client_id).toBe(clientId);
    const ids = ((used?.memories ?? []) as { id: string; scope: string }[]).map((m) => [m.id, m.scope]);
    expect(ids).toContainEqual([deployId, "project"]);
    expect(ids).toContainEqual([metricId, "user"]);
    // The person's own message is stored (and shown) as typed.
    const { messages } = await tab.ok<{
      messages: { role: string; client_id?: string; parts: { text?: string }[] }[];
    }>("get_messages", { session_id: s });
    const mine = messages.find((m) => m.role === "user");
    expect(mine?.parts[0]?.text).toBe(typed);
    expect(mine?.client_id).toBe(clientId);

    // A later prompt goes as typed; the memories stay in the conversation's context.
    await prompt(s, "And to staging?");
    expect(lastChat()?.lastUserText).toBe("And to staging?");
    expect(JSON.stringify(lastChat()?.messages)).toContain("./ship.sh from the ops host");
    expect(tab.events(s).filter((f) => f.event === "memory.used")).toHaveLength(1);

    // A reload (a fresh socket replaying from the start) sees the same memory.used.
    const again = await AgentTab.open(w.t.url, w.admin.cookie);
    try {
      await again.ok("session.subscribe", { session_id: s, after_seq: 0 });
      const replayed = await again.waitEvent(s, (f) => f.event === "memory.used", "memory.used replayed");
      expect(replayed.client_id).toBe(clientId);
    } finally {
      await again.close();
    }
  });

  test("a project that did not opt in sends prompts as typed; nothing relevant, no block either", async () => {
    const s = await newSession(off);
    await prompt(s, "How do we deploy the app?");
    expect(lastChat()?.lastUserText).toBe("How do we deploy the app?");
    expect(tab.events(s).some((f) => f.event === "memory.used")).toBe(false);

    const t = await newSession(on);
    await prompt(t, "Write a haiku about zebras");
    expect(lastChat()?.lastUserText).toBe("Write a haiku about zebras");
    expect(tab.events(t).some((f) => f.event === "memory.used")).toBe(false);
  });
});
