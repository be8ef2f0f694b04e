import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { AgentTab, createProject } from "../sessions/harness.ts";
import { startSite } from "../tools/fixtures.ts";
import { type CompiledWorld, startCompiledWorld } from "./compiled-world.ts";

/**
 * The shipped layout: octo-tool is lib/octo/tool/octo-tool.js run by the compiled octo-runner as its
 * Bun runtime inside the sandbox, found beside bin/ — not the checkout's sources.
 */
setDefaultTimeout(180_000);
let w: CompiledWorld;
let site: ReturnType<typeof startSite>;
let tab: AgentTab;
let session: string;

beforeAll(async () => {
  site = startSite();
  w = await startCompiledWorld();
  const admin = new Client(w.url);
  await admin.login(w.admin.username, w.admin.password);
  const projectId = await createProject(admin, "Compiled tools");
  tab = await AgentTab.open(w.url, admin.cookie);
  session = (
    await tab.ok<{ session_id: string }>("session.create", { project_id: projectId, profile: "open" })
  ).session_id;
  await tab.ok("session.subscribe", { session_id: session });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 150_000);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
  site?.stop();
});

test("the compiled runner runs the shipped octo-tool: help, and a fetch as Markdown", async () => {
  w.fx.enqueue(
    [
      {
        toolCall: {
          name: "bash",
          args: { command: `octo-tool help && octo-tool fetch ${site.url}/article` },
        },
      },
    ],
    [{ text: "done" }],
  );
  await tab.ok("prompt", { session_id: session, message: "use the tools", client_id: "c-1" });
  await tab.waitIdle(session);
  const end = tab.events(session).find((f) => f.event === "tool.end");
  expect(end).toMatchObject({ is_error: false });
  const output = String(end?.output);
  expect(output).toContain("usage: octo-tool <area>");
  expect(output).toContain("ARTICLE-MARKER");
  expect(output).not.toContain("FOOTER-MARKER");
  expect(w.fx.requests.find((r) => r.kind === "chat")?.toolNames).toEqual(
    expect.arrayContaining(["web_fetch", "web_search"]),
  );
});
