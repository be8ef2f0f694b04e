import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runnerHome } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";
import { strictTestProfile } from "./profiles.ts";

/**
 * The agent browser in `proxy` network mode: the session's profile allows one host; Chromium,
 * inside the sandbox, goes through the sandbox's egress proxy, so an allow-listed host loads and
 * another is refused by the proxy, which logs the refusal. Loopback stands in for the internet: the
 * proxy resolves the test's host names to 127.0.0.1 (OCTO_EGRESS_HOSTS), and private addresses and
 * the site's port are allowed by the profile.
 */

setDefaultTimeout(240_000);

let w: SessionWorld;
let tab: AgentTab;
let session: string;
let prompts = 0;
let site: ReturnType<typeof Bun.serve>;
let profile: ReturnType<typeof strictTestProfile>;
const savedHosts = process.env.OCTO_EGRESS_HOSTS;
// Names unique to this run: the egress log is the runner account's, shared with earlier runs.
const run = Math.random().toString(36).slice(2, 8);
const allowed = `otters-${run}.test`;
const refused = `elsewhere-${run}.test`;
const PROFILE = `proxy-allow-${run}`;

beforeAll(async () => {
  site = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) =>
      new Response(
        `<!doctype html><title>Otters</title><h1>Otters on ${new URL(req.url).hostname}</h1><p>ALLOWED-MARKER</p>`,
        { headers: { "content-type": "text/html" } },
      ),
  });
  profile = strictTestProfile(
    PROFILE,
    `[network]\nmode = "proxy"\nallow = ["${allowed}"]\nblock_private = false\nallow_ports = [${site.port}]\n`,
  );
  // The server hands this to its runner, and that to octo-sandbox's egress proxy.
  process.env.OCTO_EGRESS_HOSTS = `${allowed}=127.0.0.1,${refused}=127.0.0.1`;
  w = await startWorld();
  const projectId = await createProject(w.admin, "Proxied");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
    profile: PROFILE,
  });
  session = session_id;
  await tab.ok("session.subscribe", { session_id });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 200_000);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
  site?.stop(true);
  profile?.restore();
  if (savedHosts === undefined) delete process.env.OCTO_EGRESS_HOSTS;
  else process.env.OCTO_EGRESS_HOSTS = savedHosts;
});

async function agentRuns(command: string): Promise<{ output: string; isError: boolean }> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `p-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 200_000);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  if (!end) throw new Error(`no tool.end among ${tab.events(session).map((f) => f.event)}`);
  return { output: String(end.output), isError: end.is_error === true };
}

const egressLog = () => join(runnerHome(), ".local", "state", "octo", "egress.jsonl");
const loggedLines = () =>
  existsSync(egressLog())
    ? readFileSync(egressLog(), "utf8")
        .split("\n")
        .filter((l) => l.includes(run))
    : [];

test("an allow-listed host loads in the agent's browser, through the egress proxy", async () => {
  const opened = await agentRuns(`octo-tool browser open http://${allowed}:${site.port}/`);
  expect(opened).toMatchObject({ isError: false });
  expect(opened.output).toContain(`URL: http://${allowed}:${site.port}/`);
  expect(opened.output).toContain("Title: Otters");
  const snap = await agentRuns("octo-tool browser snapshot");
  expect(snap.output).toContain(`heading "Otters on ${allowed}"`);
  // The proxy, not a direct connection, carried it: the log has the allowed request.
  expect(loggedLines().some((l) => l.includes(`"${allowed}"`))).toBe(true);
});

test("a host off the allow-list is refused, and the refusal is in the egress log", async () => {
  const opened = await agentRuns(`octo-tool browser open http://${refused}:${site.port}/`);
  // Whatever the browser shows for the refusal, the page never arrives…
  const snap = await agentRuns("octo-tool browser snapshot");
  expect(`${opened.output}\n${snap.output}`).not.toContain("ALLOWED-MARKER");
  expect(snap.output).not.toContain(`Otters on ${refused}`);
  // …and the egress log records the refused host with its reason.
  const refusal = loggedLines().find((l) => l.includes(`"${refused}"`));
  expect(refusal).toBeDefined();
  expect(refusal).toContain("host not allow-listed");
});
