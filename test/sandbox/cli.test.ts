import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pidsHierarchy, removeCgroup } from "../../src/shared/pids-cgroup.ts";
import { until } from "../runner/harness.ts";

/** octo-sandbox as a real process: bad input gives a stable code; good input really runs sandboxed. */
const CLI = [process.execPath, join(import.meta.dir, "../../runner/sandbox/main.ts")];
let root: string;
let workspace: string;
let project: string;
let profiles: string;
let llm: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "octo-sandbox-cli-"));
  workspace = join(root, "ws");
  project = join(workspace, "proj");
  profiles = join(root, "profiles");
  mkdirSync(join(project, ".octo"), { recursive: true });
  mkdirSync(profiles);
  writeFileSync(join(profiles, "typo.toml"), `[network]\nmode = "none"\n[limitz]\nprocesses = 5\n`);
  writeFileSync(join(profiles, "unenforced.toml"), `[network]\nmode = "open"\nallow = ["pypi.org"]\n`);
  llm = Bun.serve({ unix: join(root, "llm.sock"), fetch: () => new Response("llm reached") });
  chmodSync(join(root, "llm.sock"), 0o777);
});
afterAll(async () => {
  await llm.stop(true);
  rmSync(root, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([...CLI, ...args], {
    env: { PATH: "/usr/bin:/bin", HOME: root, OCTO_PROFILES_DIR: profiles, ...env },
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

const sandboxed = (profile: string, extra: string[], cmd: string[]) =>
  run([
    "run",
    "--profile",
    profile,
    "--project",
    project,
    "--workspace-root",
    workspace,
    ...extra,
    "--",
    ...cmd,
  ]);

describe("octo-sandbox bad input", () => {
  test("a profile with a typo names the file and key", async () => {
    const r = await sandboxed("typo", [], ["true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(
      `error[sandbox_policy_invalid]: ${join(profiles, "typo.toml")}: unknown key "limitz"`,
    );
  });

  test("an unenforceable key is refused", async () => {
    const r = await sandboxed("unenforced", [], ["true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain("error[sandbox_policy_invalid]");
    expect(r.stderr).toContain('"network.allow" is only enforced in proxy mode');
  });

  test("an unknown profile", async () => {
    const r = await sandboxed("nosuch", [], ["true"]);
    expect(r.stderr).toContain('error[sandbox_profile_not_found]: unknown sandbox profile "nosuch"');
  });

  test("a project outside the workspace root, also through a symlink", async () => {
    const outside = join(root, "elsewhere");
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, join(workspace, "sneaky"));
    for (const p of [outside, join(workspace, "sneaky"), workspace, join(workspace, "proj", "..", "..")]) {
      const r = await run([
        "run",
        "--profile",
        "strict",
        "--project",
        p,
        "--workspace-root",
        workspace,
        "--",
        "true",
      ]);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain("error[path_outside_workspace]");
    }
  });

  test("bad --env values", async () => {
    for (const spec of ["1X=y", "=v", "A-B=c", "HOME=/root", "HTTP_PROXY=http://evil", "NOT_SET_ANYWHERE"]) {
      const r = await sandboxed("strict", ["--env", spec], ["true"]);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain("error[bad_request]: --env");
    }
  });

  test("bad --cgroup values: a relative path is refused; one it cannot enter stops it before bwrap", async () => {
    const relative = await sandboxed("strict", ["--cgroup", "octo/x"], ["true"]);
    expect(relative.code).toBe(125);
    expect(relative.stderr).toContain("error[bad_request]: --cgroup");
    const missing = await sandboxed("strict", ["--cgroup", join(root, "no-such-cgroup")], ["true"]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain("error[sandbox_unavailable]: cannot enter cgroup");
  });

  test.skipIf(!pidsHierarchy())(
    "--cgroup: the merged limits.processes becomes its pids.max and binds everything inside (root too)",
    async () => {
      const hierarchy = pidsHierarchy() as NonNullable<ReturnType<typeof pidsHierarchy>>;
      const cgroup = join(hierarchy.mount, `octo-cli-test-${process.pid}`);
      mkdirSync(cgroup);
      writeFileSync(join(project, ".octo", "sandbox.toml"), `[limits]\nprocesses = 40\n`);
      try {
        const forks = [
          "import os",
          "r, w = os.pipe(); held = 0",
          "for _ in range(60):",
          "    try: pid = os.fork()",
          "    except OSError: break",
          "    if pid == 0: os.close(w); os.read(r, 1); os._exit(0)",
          "    held += 1",
          "print('held', held, flush=True); os.close(w)",
          "for _ in range(held): os.wait()",
        ].join("\n");
        const r = await sandboxed("strict", ["--cgroup", cgroup], ["python3", "-c", forks]);
        expect(r.code).toBe(0);
        expect(readFileSync(join(cgroup, "pids.max"), "utf8").trim()).toBe("40");
        expect(
          Number(/^max (\d+)/m.exec(readFileSync(join(cgroup, "pids.events"), "utf8"))?.[1]),
        ).toBeGreaterThan(0);
        const held = Number(/held (\d+)/.exec(r.stdout)?.[1]);
        expect(held).toBeGreaterThan(0);
        expect(held).toBeLessThan(40);
      } finally {
        rmSync(join(project, ".octo", "sandbox.toml"), { force: true });
        await removeCgroup(cgroup);
      }
    },
  );

  test("a project policy that loosens its profile is refused", async () => {
    writeFileSync(join(project, ".octo", "sandbox.toml"), `[network]\nmode = "open"\n`);
    const r = await sandboxed("strict", [], ["true"]);
    rmSync(join(project, ".octo", "sandbox.toml"));
    expect(r.stderr).toContain(
      `error[sandbox_policy_invalid]: ${join(project, ".octo", "sandbox.toml")}: key "network.mode"`,
    );
  });

  test("missing command, unknown option, reserved --ro destination", async () => {
    expect((await run(["run", "--profile", "strict", "--project", project])).stderr).toContain(
      "no command after --",
    );
    expect((await run(["run", "--bogus"])).stderr).toContain('unknown option "--bogus"');
    const ro = await sandboxed("strict", ["--ro", `${root}=/workspace/x`], ["true"]);
    expect(ro.stderr).toContain("destination is reserved");
  });
});

describe("octo-sandbox run", () => {
  test("--rw binds a writable folder and --ro a read-only one; reserved targets are refused", async () => {
    const state = join(root, "state");
    mkdirSync(state, { recursive: true });
    const r = await sandboxed(
      "strict",
      ["--rw", `${state}=/opt/octo/state`, "--ro", `${root}/profiles=/opt/octo/ro`],
      ["sh", "-c", "echo kept > /opt/octo/state/f && ! touch /opt/octo/ro/x 2>/dev/null && echo ok"],
    );
    expect(r.stdout.trim()).toBe("ok");
    expect(await Bun.file(join(state, "f")).text()).toBe("kept\n");
    const refused = await sandboxed("strict", ["--rw", `${state}=/run/octo/x`], ["true"]);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain("--rw");
  });

  test("--print shows the argv and the merged policy without running", async () => {
    writeFileSync(join(project, ".octo", "sandbox.toml"), `[limits]\nprocesses = 77\n`);
    const r = await sandboxed("strict", ["--print"], ["touch", "/workspace/printed"]);
    rmSync(join(project, ".octo", "sandbox.toml"));
    const shown = JSON.parse(r.stdout);
    expect(shown.argv).toContain("--nproc=77");
    expect(shown.argv).toContain("--unshare-net");
    expect(shown.policy.sources).toHaveLength(2);
    expect(await Bun.file(join(project, "printed")).exists()).toBe(false);
  });

  test("the environment is cleared except the allow-list and --env", async () => {
    const r = await run(
      [
        "run",
        "--profile",
        "strict",
        "--project",
        project,
        "--env",
        "GIVEN=1",
        "--env",
        "FROM_CALLER",
        "--",
        "env",
      ],
      { LEAKED_SECRET: "x", FROM_CALLER: "passed", TERM: "xterm" },
    );
    expect(r.stdout).toContain("GIVEN=1");
    expect(r.stdout).toContain("FROM_CALLER=passed");
    expect(r.stdout).toContain("TERM=xterm");
    expect(r.stdout).not.toContain("LEAKED_SECRET");
    expect(r.stdout).not.toContain("OCTO_PROFILES_DIR");
  });

  test("everything inside runs 10 nice levels below the caller (the profile's limits.nice)", async () => {
    // Positive control: the same command outside the sandbox reports the caller's own niceness
    // (0 normally; CI may itself run niced, and niceness stops at 19).
    const outside = Number(Bun.spawnSync(["nice"]).stdout.toString().trim());
    const inside = await sandboxed("strict", [], ["nice"]);
    expect(Number(inside.stdout.trim())).toBe(Math.min(19, outside + 10));
    expect(Number(inside.stdout.trim())).toBeGreaterThan(outside);
    // The sandbox is a session (an autogroup) of its own; the group is lowered too, or the kernel
    // would still give it as much CPU as the whole runner.
    if (existsSync("/proc/self/autogroup")) {
      // Set from a background loop (the kernel rate-limits it): poll inside for up to 10 s.
      const poll = `n=0; until grep -q " nice 10$" /proc/self/autogroup || [ $n -ge 100 ]; do n=$((n + 1)); sleep 0.1; done; cat /proc/self/autogroup`;
      const group = await sandboxed("strict", [], ["sh", "-c", poll]);
      expect(group.stdout).toMatch(/ nice 10$/m);
      expect(readFileSync("/proc/self/autogroup", "utf8")).not.toContain("nice 10");
    }
  });

  test("the exit code of the command comes back", async () => {
    expect((await sandboxed("strict", [], ["sh", "-c", "exit 7"])).code).toBe(7);
  });

  test("the LLM socket is reachable over loopback in none mode", async () => {
    const r = await sandboxed(
      "strict",
      ["--llm-socket", join(root, "llm.sock")],
      ["sh", "-c", 'curl -sS "$OCTO_LLM_URL/v1"'],
    );
    expect(r.stdout).toBe("llm reached");
  });

  test("in open mode the LLM relay listens on a host loopback port", async () => {
    const r = await sandboxed(
      "open",
      ["--llm-socket", join(root, "llm.sock")],
      ["sh", "-c", 'curl -sS "$OCTO_LLM_URL/v1"'],
    );
    expect(r.stdout).toBe("llm reached");
  });

  test("through --gateway-dir a socket recreated after the sandbox started is reached, and a call waits for it", async () => {
    const gw = join(root, "gateway");
    mkdirSync(gw, { recursive: true });
    const serve = (text: string) => {
      const s = Bun.serve({ unix: join(gw, "llm.sock"), fetch: () => new Response(text) });
      chmodSync(join(gw, "llm.sock"), 0o777);
      return s;
    };
    const first = serve("first ");
    const done = join(project, "first-done");
    const go = join(project, "go");
    const script = [
      'curl -sS "$OCTO_LLM_URL/v1"',
      "touch /workspace/first-done",
      "while [ ! -e /workspace/go ]; do sleep 0.05; done",
      'curl -sS "$OCTO_LLM_URL/v1"',
    ].join("; ");
    const result = sandboxed("strict", ["--gateway-dir", gw], ["sh", "-c", script]);
    await until(
      "the first call",
      () => existsSync(done),
      (wake) => {
        const ticker = setInterval(wake, 20);
        return () => clearInterval(ticker);
      },
      30_000,
    );
    // The gateway goes away (its socket file with it); the sandbox calls again; a new one comes up.
    await first.stop(true);
    expect(existsSync(join(gw, "llm.sock"))).toBe(false);
    writeFileSync(go, "");
    const second = serve("second");
    const r = await result;
    await second.stop(true);
    rmSync(done);
    rmSync(go);
    expect(r.stdout).toBe("first second");
  });

  test("the tool socket is bound at /run/octo/tool.sock", async () => {
    const r = await sandboxed(
      "strict",
      ["--tool-socket", join(root, "llm.sock")],
      ["sh", "-c", 'curl -sS --unix-socket "$OCTO_TOOL_SOCKET" http://x/'],
    );
    expect(r.stdout).toBe("llm reached");
  });

  test("profiles lists the embedded profiles and overrides", async () => {
    const r = await run(["profiles", "--json"]);
    const names = JSON.parse(r.stdout).map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(["minimal", "default", "strict", "open", "typo"]));
  });
});
