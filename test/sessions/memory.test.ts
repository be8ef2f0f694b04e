import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { AdminStatus } from "../../src/protocol/api.ts";
import { descendants, processMemory } from "../../src/shared/proctree.ts";
import { AgentTab, createProject, piOf, type SessionWorld, startWorld } from "./harness.ts";

setDefaultTimeout(180_000);
let w: SessionWorld;
let projectId: string;

// A ceiling of 1 MB: any second agent puts the user over it, so the idle first one must go.
beforeAll(async () => {
  w = await startWorld({ runnerToml: "agent_memory_ceiling_mb = 1" });
  projectId = await createProject(w.admin, "Memory");
});
afterAll(async () => {
  await w?.stop();
});

/** Ask again until `check` holds (each answer is a fresh read of /proc by the runner). */
async function until(what: string, check: () => Promise<boolean | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
}

const status = async () => (await w.admin.get<AdminStatus>("/api/admin/status")).body;

test("memory: each agent's whole process tree and the runner's tree are reported, and over the ceiling the idle agent is stopped, told, and revived", async () => {
  const tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id: first } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
  });
  await tab.ok("session.subscribe", { session_id: first });
  w.fx.enqueue([{ text: "noted" }]);
  await tab.ok("prompt", { session_id: first, message: "remember KESTREL", client_id: "m-1" });
  await tab.waitIdle(first);

  // Reported: the agent's tree holds pi and everything pi started, so it is at least pi's own PSS.
  const pi = piOf(first) as number;
  expect(pi).toBeGreaterThan(0);
  const piPss = [pi, ...descendants(pi)].reduce((sum, p) => sum + processMemory(p).pss, 0);
  const s = await status();
  const runner = s.runners[0];
  const agent = runner?.agent_memory?.find((a) => a.session_id === first);
  expect(agent?.pss_bytes).toBeGreaterThan(0);
  // PSS moves a little between two reads; pi (a Bun process) is tens of MB.
  expect(agent?.pss_bytes).toBeGreaterThan(piPss * 0.8);
  expect(agent?.private_bytes).toBeGreaterThan(0);
  // The runner's tree holds the agent's.
  expect(runner?.tree_pss_bytes).toBeGreaterThan((agent?.pss_bytes ?? 0) * 0.8);

  // A second agent puts the user over 1 MB: the idle first one is stopped and its chat says why.
  const { session_id: second } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
  });
  await tab.ok("session.subscribe", { session_id: second });
  const stopped = await tab.waitEvent(first, (f) => f.event === "agent.stopped", "first agent stopped");
  expect(stopped.reason).toBe("memory");
  expect(tab.events(second).some((f) => f.event === "agent.stopped")).toBe(false);
  const r = await w.admin.get<{ session: { status: string } }>(`/api/sessions/${first}`);
  expect(r.body.session.status).toBe("sleeping");
  expect(piOf(first)).toBeUndefined();
  // The runner forgets the process once it has seen it exit: the status stops counting it.
  await until("the stopped agent leaves the status", async () =>
    (await status()).runners[0]?.agent_memory?.every((a) => a.session_id !== first),
  );

  // Its next prompt starts it again on its own history.
  w.fx.enqueue([{ text: "KESTREL, you said" }]);
  await tab.ok("prompt", { session_id: first, message: "what did I say?", client_id: "m-2" });
  await tab.waitIdle(first, 2);
  const last = w.fx.requests.filter((q) => q.kind === "chat").at(-1);
  expect(last?.messages.map((m) => m.text).join("\n")).toContain("remember KESTREL");
  expect(tab.text(first)).toEndWith("KESTREL, you said");
  await tab.close();
});
