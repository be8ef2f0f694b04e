import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { agentLaunchSpec, findPiModules, PI_CLI } from "../../runner/kinds/agent-launch.ts";
import {
  fillTranspilerCache,
  PI_TRANSPILER_CACHE_ENV,
  SANDBOX_TRANSPILER_CACHE,
  transpilerCacheDir,
} from "../../runner/kinds/pi-transpiler-cache.ts";
import { SandboxLauncher } from "../../runner/launcher.ts";
import type { RunnerClient } from "../../src/runners/client.ts";
import { EventLog, type LocalRunner, startLocalRunner } from "./harness.ts";

/**
 * The sandbox the runner starts itself (decision 0034): the relay answers the command's very first
 * connection, the command runs under the seccomp filter, a refused policy still reads as the
 * sandbox's exit 125, and pi's transpiler cache is filled outside and read-only inside.
 */
setDefaultTimeout(60_000);

let runner: LocalRunner;
let client: RunnerClient;
let llm: ReturnType<typeof Bun.serve>;
let llmSocket: string;

async function run(spec: Parameters<RunnerClient["spawn"]>[0]) {
  const spawned = await client.spawn(spec);
  if (!spawned.ok) throw new Error(spawned.error.message);
  const log = new EventLog();
  await client.subscribe(spawned.value.proc, 0, log.push);
  const exit = await log.waitExit();
  return { exit, text: log.text() };
}

beforeAll(async () => {
  llmSocket = join("/tmp", `octo-direct-llm-${process.pid}.sock`);
  llm = Bun.serve({ unix: llmSocket, fetch: () => new Response("from-llm") });
  chmodSync(llmSocket, 0o600);
  runner = await startLocalRunner();
  client = await runner.client();
});
afterAll(async () => {
  await runner?.stop();
  await llm?.stop(true);
});

describe("a sandbox started by the runner itself", () => {
  test("the command's first act reaches the LLM relay (proxy and none modes): it waited for the listen", async () => {
    for (const profile of ["default", "strict", "default"]) {
      const r = await run({
        profile,
        project: runner.project,
        // No retry: a relay not yet listening refuses the connection and curl fails.
        argv: ["sh", "-c", 'exec curl -sS --noproxy "*" "$OCTO_LLM_URL/x"'],
        llm_socket: llmSocket,
      });
      expect(r.text).toBe("from-llm");
      expect(r.exit).toMatchObject({ code: 0 });
    }
  });

  test("the command runs under the seccomp filter, with no capabilities", async () => {
    const r = await run({
      profile: "default",
      project: runner.project,
      argv: ["sh", "-c", "grep -E '^(Seccomp|CapEff):' /proc/self/status"],
    });
    expect(r.text).toContain("Seccomp:\t2");
    expect(r.text).toContain("CapEff:\t0000000000000000");
  });

  test("the command inherits no descriptor of the runner's (its sockets, other sandboxes' pipes and proxies)", async () => {
    // Another sandbox running meanwhile: the runner holds its pipes and its egress proxy's socket.
    const other = await client.spawn({ profile: "default", project: runner.project, argv: ["sleep", "30"] });
    if (!other.ok) throw new Error(other.error.message);
    try {
      const r = await run({ profile: "default", project: runner.project, argv: ["ls", "/proc/self/fd"] });
      // 0–2, and the directory ls itself opened to list.
      expect(r.text.trim().split("\n").map(Number)).toEqual([0, 1, 2, 3]);
    } finally {
      await client.kill(other.value.proc);
    }
  });

  test("a policy that cannot be built reads as the sandbox's refusal: exit 125 and its message", async () => {
    const r = await run({ profile: "no-such-profile", project: runner.project, argv: ["true"] });
    expect(r.exit).toMatchObject({ code: 125 });
    expect(r.text).toContain(
      'octo-sandbox: error[sandbox_profile_not_found]: unknown sandbox profile "no-such-profile"',
    );
  });
});

describe("pi's transpiler cache", () => {
  const cacheHome = mkdtempSync("/tmp/octo-transpiler-");
  const env = { XDG_CACHE_HOME: cacheHome };
  afterAll(() => rmSync(cacheHome, { recursive: true, force: true }));

  test("filled outside by pi's own CLI, bound read-only: the sandbox cannot write it", async () => {
    const modules = findPiModules();
    if (!modules) throw new Error("pi is not installed");
    expect(await fillTranspilerCache(modules, PI_CLI, env)).toBe(true);
    const dir = transpilerCacheDir(modules, env);
    expect(readdirSync(dir).filter((f) => f.endsWith(".pile")).length).toBeGreaterThan(100);
    // The launch spec of an agent binds that directory read-only and points Bun at it.
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cacheHome;
    try {
      const spec = agentLaunchSpec(
        {
          argv: [],
          env: {},
          profile: "default",
          project: runner.project,
          workspaceRoot: runner.workspace,
          userLabel: "t",
        },
        { session_key: `ses_cache_${process.pid}`, models_json: "{}", model_args: [] } as never,
      );
      if (!spec.ok) throw new Error(spec.error.message);
      expect(spec.value.env[PI_TRANSPILER_CACHE_ENV]).toBe(SANDBOX_TRANSPILER_CACHE);
      expect(spec.value.readOnly).toContainEqual({ src: dir, dst: SANDBOX_TRANSPILER_CACHE });
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
    let out = "";
    const launched = new SandboxLauncher().launch(
      {
        argv: [
          "sh",
          "-c",
          `touch ${SANDBOX_TRANSPILER_CACHE}/planted 2>&1; ls -A ${SANDBOX_TRANSPILER_CACHE} | wc -l`,
        ],
        env: {},
        profile: "default",
        project: runner.project,
        workspaceRoot: runner.workspace,
        userLabel: "t",
        readOnly: [{ src: dir, dst: SANDBOX_TRANSPILER_CACHE }],
      },
      (_stream, bytes) => {
        out += Buffer.from(bytes).toString();
      },
    );
    if (!launched.ok) throw new Error(launched.error.message);
    await launched.value.finished;
    expect(out).toContain("Read-only file system");
    expect(Number(out.trim().split("\n").at(-1))).toBe(readdirSync(dir).length);
    expect(existsSync(join(dir, "planted"))).toBe(false);
  });
});
