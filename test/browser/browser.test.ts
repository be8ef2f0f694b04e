import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupOf, pidsHierarchy } from "../../src/shared/pids-cgroup.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import {
  AgentTab,
  createProject,
  descendantsOf,
  type SessionWorld,
  sandboxNeedle,
  startWorld,
} from "../sessions/harness.ts";
import { type Frame, MuxClient } from "../terminals/harness.ts";
import { strictTestProfile } from "./profiles.ts";

/**
 * The agent browser end to end: the scripted model runs `octo-tool browser …` with pi's bash tool,
 * inside a real sandbox (network mode `none`), through the runner's tool socket to a real Chromium
 * that joined that sandbox.
 */

setDefaultTimeout(180_000);

let w: SessionWorld;
let tab: AgentTab;
let projectDir: string;
let session: string;
let prompts = 0;
let host: ReturnType<typeof Bun.serve>;

const FORM = `<!doctype html><html><head><title>Sign up</title></head><body>
<h1>Sign up</h1>
<form action="/thanks.html" method="get">
<label>Name <input name="name"></label>
<label>Plan <select name="plan"><option value="free">Free</option><option value="pro">Pro</option></select></label>
<button type="submit">Send</button>
</form></body></html>`;
const THANKS = `<!doctype html><html><head><title>Thanks</title></head><body>
<p id="out">Thanks!</p>
<script>const q = new URLSearchParams(location.search);
document.getElementById("out").textContent = "Welcome " + q.get("name") + " on " + q.get("plan");</script>
</body></html>`;

let profile: ReturnType<typeof strictTestProfile>;

beforeAll(async () => {
  profile = strictTestProfile("strict-browser");
  host = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("HOST-ONLY-MARKER") });
  w = await startWorld();
  const projectId = await createProject(w.admin, "Browser");
  projectDir = w.t.server.ctx.services.placement.project(w.t.admin.username, "browser").projectDir;
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const { session_id } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
    profile: profile.name,
  });
  session = session_id;
  await tab.ok("session.subscribe", { session_id });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 170_000);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
  host?.stop(true);
  profile?.restore();
});

/** The agent runs `command` with its bash tool; returns the tool's result as the model sees it. */
async function agentRuns(command: string): Promise<{ output: string; isError: boolean }> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `b-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 170_000);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  if (!end) throw new Error(`no tool.end among ${tab.events(session).map((f) => f.event)}`);
  return { output: String(end.output), isError: end.is_error === true };
}

const refOf = (snapshot: string, line: RegExp): string => {
  const found = snapshot.split("\n").find((l) => line.test(l));
  const ref = found?.match(/\[(@e\d+)\]/)?.[1];
  if (!ref) throw new Error(`no ref for ${line} in:\n${snapshot}`);
  return ref;
};

describe("octo-tool browser", () => {
  test("help lists every verb", async () => {
    const r = await agentRuns("octo-tool help browser");
    expect(r.isError).toBe(false);
    for (const verb of ["open URL", "snapshot", "click REF", "fill REF TEXT", "screenshot FILE", "close"])
      expect(r.output).toContain(verb);
  });

  test("the agent serves a form in its sandbox, fills and submits it, and sees the result", async () => {
    writeFileSync(join(projectDir, "thanks.html"), THANKS);
    const served = await agentRuns(
      `cat > form.html <<'HTML'\n${FORM}\nHTML\n(setsid python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &) ; ` +
        "for i in $(seq 100); do python3 -c 'import urllib.request;urllib.request.urlopen(\"http://127.0.0.1:8765/\")' 2>/dev/null && break; sleep 0.1; done; echo up",
    );
    expect(served.output).toContain("up");

    const opened = await agentRuns("octo-tool browser open http://127.0.0.1:8765/form.html");
    expect(opened.isError).toBe(false);
    expect(opened.output).toContain("URL: http://127.0.0.1:8765/form.html");
    expect(opened.output).toContain("Title: Sign up");

    const snap = await agentRuns("octo-tool browser snapshot");
    expect(snap.output).toContain('heading "Sign up"');
    const name = refOf(snap.output, /textbox "Name"/);
    const plan = refOf(snap.output, /combobox "Plan"/);
    const send = refOf(snap.output, /button "Send"/);

    const filled = await agentRuns(`octo-tool browser fill ${name} Ada`);
    expect(filled.output).toContain(`filled ${name}`);
    expect(filled.output).toContain(`+ - textbox "Name" [${name}]: Ada`);
    const selected = await agentRuns(`octo-tool browser select ${plan} Pro`);
    expect(selected.output).toContain("selected pro");

    const clicked = await agentRuns(`octo-tool browser click ${send}`);
    expect(clicked.isError).toBe(false);
    expect(clicked.output).toContain("URL: http://127.0.0.1:8765/thanks.html?name=Ada&plan=pro");
    expect(clicked.output).toContain("Title: Thanks");

    const after = await agentRuns("octo-tool browser snapshot");
    expect(after.output).toContain("Welcome Ada on pro");

    const back = await agentRuns("octo-tool browser back");
    expect(back.output).toContain("Title: Sign up");
    const tabs = await agentRuns("octo-tool browser tabs");
    expect(tabs.output).toMatch(/\* 1\. Sign up — http:\/\/127\.0\.0\.1:8765\/form\.html/);
    const shot = await agentRuns(
      "octo-tool browser screenshot shot.png && head -c 8 shot.png | od -c | head -1",
    );
    expect(shot.output).toContain("saved shot.png");
    expect(shot.output).toContain("P   N   G");
  });

  test("eval is refused unless the project allows it", async () => {
    const refused = await agentRuns("octo-tool browser eval 'document.title'");
    expect(refused.isError).toBe(true);
    expect(refused.output).toContain("forbidden");
    expect(refused.output).toContain("allow_eval");
    writeFileSync(
      join(projectDir, ".octo", "project.toml"),
      'profile = "strict"\n[browser]\nallow_eval = true\n',
    );
    const allowed = await agentRuns("octo-tool browser eval 'document.title'");
    expect(allowed.output).toContain('"Sign up"');
    writeFileSync(join(projectDir, ".octo", "project.toml"), "[browser]\nallow_evil = true\n");
    const strict = await agentRuns("octo-tool browser eval 'document.title'");
    expect(strict.output).toContain("allow_evil");
  });

  test("in `none` mode the browser cannot reach a service on the host's loopback", async () => {
    const r = await agentRuns(`octo-tool browser open http://127.0.0.1:${host.port}/`);
    expect(r.isError).toBe(true);
    expect(r.output).toContain("browser_failed");
    expect(r.output).toContain("ERR_CONNECTION_REFUSED");
    expect(r.output).not.toContain("HOST-ONLY-MARKER");
  });

  test("live view: frames reach the owner's tabs, one per ack, newest first; another user gets nothing", async () => {
    const mine = await MuxClient.connect(w.t.url, w.admin.cookie);
    const second = await MuxClient.connect(w.t.url, w.admin.cookie);
    await addUser(w.admin, "mallory", "mallory-password-123");
    const mallory = new Client(w.t.url);
    await mallory.login("mallory", "mallory-password-123");
    const theirs = await MuxClient.connect(w.t.url, mallory.cookie);
    try {
      const browserFrames = (c: MuxClient, event: string) =>
        c.frames.filter((f: Frame) => f.ch === "browser" && f.event === event && f.session_id === session);
      const watched = await mine.cmd("watch", { session_id: session }, "browser");
      expect(watched.ok).toBe(true);
      expect((await second.cmd("watch", { session_id: session }, "browser")).ok).toBe(true);
      const first = await mine.waitFor("a first frame", () => browserFrames(mine, "frame")[0], 30_000);
      expect(String(first.data).startsWith("/9j/")).toBe(true); // JPEG
      expect(first.width).toBe(1280);
      const state = browserFrames(mine, "state")[0];
      expect(state?.state).toMatchObject({ driver: "idle", tabs: [{ current: true }] });
      await second.waitFor("the second tab's frame", () => browserFrames(second, "frame")[0], 30_000);

      // No ack yet: the page changes, and this tab gets no second frame (the newest waits for it).
      const moved = await agentRuns(
        "octo-tool browser open 'http://127.0.0.1:8765/thanks.html?name=Live&plan=free'",
      );
      expect(moved.output).toContain("Title: Thanks");
      await mine.waitFor("the state after the action", () =>
        browserFrames(mine, "state").find((f) => (f.state as { url: string }).url.includes("name=Live")),
      );
      const actions = browserFrames(mine, "state").map((f) => (f.state as { action: string | null }).action);
      expect(actions.some((a) => a?.startsWith("open "))).toBe(true);
      expect(browserFrames(mine, "frame")).toHaveLength(1);
      await mine.cmd("ack", { session_id: session, seq: first.seq }, "browser");
      const next = await mine.waitFor(
        "the newest frame after the ack",
        () => browserFrames(mine, "frame")[1],
        30_000,
      );
      expect(next.seq as number).toBeGreaterThan(first.seq as number);

      // Someone else: refused on every command, and nothing of this browser reaches them.
      const extra: Record<string, Record<string, unknown>> = {
        ack: { seq: 1 },
        control: { take: true },
        input: { input: { type: "text", text: "x" } },
      };
      // (`watch {frames: false}` is the chat's state-only watch: refused alike.)
      extra.watchState = { frames: false };
      for (const cmd of ["watch", "watchState", "ack", "unwatch", "control", "input"]) {
        const wire = cmd === "watchState" ? "watch" : cmd;
        const r = await theirs.cmd(wire, { session_id: session, ...extra[cmd] }, "browser");
        expect({ cmd, code: (r.error as { code: string } | undefined)?.code }).toEqual({
          cmd,
          code: "not_found",
        });
      }
      expect(theirs.frames.filter((f: Frame) => f.ch === "browser" && f.event !== "response")).toEqual([]);
    } finally {
      mine.close();
      second.close();
      theirs.close();
    }
  });

  test("take control: the agent's command waits, the person types, hands back, and the agent gets the note", async () => {
    const me = await MuxClient.connect(w.t.url, w.admin.cookie);
    try {
      const states = () =>
        me.frames
          .filter((f: Frame) => f.ch === "browser" && f.event === "state" && f.session_id === session)
          .map((f) => f.state as { driver: string; url: string; ask: string | null });
      const snap = await agentRuns("octo-tool browser open http://127.0.0.1:8765/form.html");
      const send = refOf(snap.output, /button "Send"/);
      expect((await me.cmd("watch", { session_id: session }, "browser")).ok).toBe(true);
      const taken = await me.cmd("control", { session_id: session, take: true }, "browser");
      expect(taken.ok).toBe(true);
      await me.waitFor("the person drives", () => states().find((s) => s.driver === "user"));

      // The agent clicks Send meanwhile: its call waits for the hand-back.
      let agentDone = false;
      const before = tab.events(session).length;
      const agentCall = agentRuns(`octo-tool browser click ${send}`).then((r) => {
        agentDone = true;
        return r;
      });
      // Its first output line says it waits for the person.
      await tab.waitEvent(
        session,
        (f) =>
          tab.events(session).indexOf(f) >= before &&
          f.event === "tool.progress" &&
          String(f.delta).includes("waiting for them"),
        "the agent's call waiting",
      );
      const key = (k: string, code: string) => [
        me.cmd(
          "input",
          { session_id: session, input: { type: "key", kind: "keyDown", key: k, code } },
          "browser",
        ),
        me.cmd(
          "input",
          { session_id: session, input: { type: "key", kind: "keyUp", key: k, code } },
          "browser",
        ),
      ];
      for (const r of await Promise.all(key("Tab", "Tab"))) expect(r.ok).toBe(true);
      expect(
        (await me.cmd("input", { session_id: session, input: { type: "text", text: "Grace" } }, "browser"))
          .ok,
      ).toBe(true);
      for (const r of await Promise.all(key("Tab", "Tab"))) expect(r.ok).toBe(true);
      expect(agentDone).toBe(false);

      const released = await me.cmd("control", { session_id: session, take: false }, "browser");
      expect(released.ok).toBe(true);
      expect(String((released.data as { note: string }).note)).toContain('set "Name" (text) to "Grace"');
      const r = await agentCall;
      expect(r.output).toContain("The user has control of the browser; waiting");
      expect(r.output).toContain('set "Name" (text) to "Grace"');
      expect(r.output).toContain(`clicked ${send}`);
      expect(r.output).toContain("name=Grace");
      expect(states().at(-1)?.driver).toBe("idle");
    } finally {
      me.close();
    }
  });

  test("ask shows the question and returns what the person did; a password's text never shows", async () => {
    const me = await MuxClient.connect(w.t.url, w.admin.cookie);
    try {
      writeFileSync(
        join(projectDir, "login.html"),
        '<!doctype html><title>Login</title><label>Password <input type="password" name="pw"></label>',
      );
      await agentRuns("octo-tool browser open http://127.0.0.1:8765/login.html");
      expect((await me.cmd("watch", { session_id: session }, "browser")).ok).toBe(true);
      const asking = agentRuns("octo-tool browser ask please log in");
      await me.waitFor("the question", () =>
        me.frames.find(
          (f: Frame) => f.event === "state" && (f.state as { ask: string | null }).ask === "please log in",
        ),
      );
      expect((await me.cmd("control", { session_id: session, take: true }, "browser")).ok).toBe(true);
      await me.cmd(
        "input",
        { session_id: session, input: { type: "key", kind: "keyDown", key: "Tab", code: "Tab" } },
        "browser",
      );
      await me.cmd(
        "input",
        { session_id: session, input: { type: "text", text: "hunter2-SECRET" } },
        "browser",
      );
      await me.cmd(
        "input",
        { session_id: session, input: { type: "key", kind: "keyDown", key: "Tab", code: "Tab" } },
        "browser",
      );
      expect((await me.cmd("control", { session_id: session, take: false }, "browser")).ok).toBe(true);
      const r = await asking;
      expect(r.output).toContain("Asked the user");
      expect(r.output).toContain('typed into the password field "Password" (text not shown)');
      expect(r.output).not.toContain("hunter2");
    } finally {
      me.close();
    }
  });

  test("close ends the browser and its processes", async () => {
    // This checkout's drivers only: other checkouts' test runs may have browsers open on this machine.
    const driver = join(import.meta.dir, "../../runner/browser/driver/entry.ts");
    const browserProcs = () => descendantsOf(driver).filter((p) => p.cmd.includes("chromium"));
    expect(browserProcs().length).toBeGreaterThan(0);
    // Chromium runs under the sandbox's own seccomp filter, without capabilities, no_new_privs set.
    const chromium = browserProcs().find(
      (p) => /^\S*chromium\S* /.test(p.cmd) && p.cmd.includes("--remote-debugging-pipe"),
    );
    if (!chromium) throw new Error("no Chromium browser process");
    const status = readFileSync(`/proc/${chromium.pid}/status`, "utf8");
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    // …and in the session's network namespace, not the host's.
    expect(readlinkSync(`/proc/${chromium.pid}/ns/net`)).not.toBe(readlinkSync("/proc/self/ns/net"));
    // …and counted in the session's own pids cgroup, with its agent (decision 0032).
    const hierarchy = pidsHierarchy();
    if (hierarchy) {
      const pi = descendantsOf(sandboxNeedle(session)).find((p) => p.cmd.includes("pi-coding-agent"));
      if (!pi) throw new Error("no pi process in the session's sandbox");
      const agentCgroup = cgroupOf(pi.pid, hierarchy);
      expect(agentCgroup).toMatch(/\/octo\/octo-agent\/sandbox-\d+-\d+$/);
      expect(cgroupOf(chromium.pid, hierarchy)).toBe(agentCgroup as string);
    }
    const r = await agentRuns("octo-tool browser close");
    expect(r.output).toContain("browser closed");
    const again = await agentRuns("octo-tool browser close");
    expect(again.output).toContain("no browser was open");
    // The driver exits after closing Chromium; its process tree must be gone, not orphaned.
    for (const deadline = Date.now() + 15_000; browserProcs().length > 0 && Date.now() < deadline; )
      await Bun.sleep(100);
    expect(browserProcs()).toEqual([]);
    // Nothing was left behind inside the session's sandbox either (orphans would be reparented there).
    expect(descendantsOf(sandboxNeedle(session)).filter((p) => p.cmd.includes("chromium"))).toEqual([]);
  });
});
