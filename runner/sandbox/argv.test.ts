import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxPolicy } from "../../src/protocol/sandbox.ts";
import { loadProfile } from "../../src/shared/profiles.ts";
import { buildBwrapArgv, buildSandboxEnv, type SandboxRunOptions } from "./argv.ts";

const dir = mkdtempSync(join(tmpdir(), "octo-argv-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const project = join(dir, "proj");
mkdirSync(join(project, ".octo"), { recursive: true });
mkdirSync(join(project, "secrets"));
writeFileSync(join(project, ".env"), "X=1");
const opt = join(dir, "opt");
mkdirSync(join(opt, "tool"), { recursive: true });

const tools = { bwrap: "bwrap", prlimit: "prlimit", nice: "nice", socat: "socat", sh: "/bin/sh" };
const opts = (extra: Partial<SandboxRunOptions> = {}): SandboxRunOptions => ({
  project,
  home: dir,
  pty: false,
  command: ["true"],
  tools,
  ...extra,
});
function profile(name: string): SandboxPolicy {
  const loaded = loadProfile(name, { overrideDirs: [] });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}
const pairAt = (argv: string[], flag: string, value: string) =>
  argv.some((a, i) => a === flag && argv[i + 1] === value);

describe("buildBwrapArgv", () => {
  test("pipes get a new session, a PTY keeps its terminal session", () => {
    expect(buildBwrapArgv(profile("strict"), opts())).toContain("--new-session");
    expect(buildBwrapArgv(profile("strict"), opts({ pty: true }))).not.toContain("--new-session");
  });

  test("network namespace unless open; relay only when something needs it", () => {
    const strict = buildBwrapArgv(profile("strict"), opts());
    expect(strict).toContain("--unshare-net");
    expect(strict).not.toContain("octo-relay");
    expect(buildBwrapArgv(profile("open"), opts())).not.toContain("--unshare-net");
    const relayed = buildBwrapArgv(profile("strict"), opts({ llmSocket: "/x/llm.sock" }));
    expect(relayed.some((a) => a.includes("TCP-LISTEN:7701,bind=127.0.0.1"))).toBe(true);
    expect(() => buildBwrapArgv(profile("default"), opts())).toThrow("egress socket");
  });

  test("a gateway directory is bound whole and its llm.sock relayed with retries (a gateway restart waits)", () => {
    const argv = buildBwrapArgv(profile("strict"), opts({ gatewayDir: "/x/gateway/alice" }));
    expect(pairAt(argv, "--ro-bind", "/x/gateway/alice")).toBe(true);
    expect(argv[argv.indexOf("/x/gateway/alice") + 1]).toBe("/run/octo/gateway");
    const relay = argv.find((a) => a.includes("TCP-LISTEN:7701")) ?? "";
    expect(relay).toContain("UNIX-CONNECT:/run/octo/gateway/llm.sock,retry=240,interval=0.25");
    const env = buildSandboxEnv(profile("strict"), opts({ gatewayDir: "/x/gateway/alice" }), {
      callerEnv: {},
      extra: {},
    });
    expect(env.OCTO_LLM_URL).toBe("http://127.0.0.1:7701");
  });

  test("with a pids cgroup, limits.processes is its pids.max: no RLIMIT_NPROC (it counts the whole account)", () => {
    const argv = buildBwrapArgv(
      profile("strict"),
      opts({ cgroup: "/sys/fs/cgroup/pids/octo/u/sandbox-1-1" }),
    );
    expect(argv.slice(0, 5)).toEqual(["nice", "-n", "10", "prlimit", "--nofile=1024"]);
    expect(argv.some((a) => a.startsWith("--nproc"))).toBe(false);
  });

  test("limits wrap bwrap in nice and prlimit; / is remounted read-only after every mount", () => {
    const argv = buildBwrapArgv(profile("strict"), opts());
    expect(argv.slice(0, 6)).toEqual(["nice", "-n", "10", "prlimit", "--nproc=256", "--nofile=1024"]);
    const remount = argv.findIndex((a, i) => a === "--remount-ro" && argv[i + 1] === "/");
    const lastBind = argv.findLastIndex((a) => a.includes("bind"));
    expect(remount).toBeGreaterThan(lastBind);
    expect(pairAt(argv, "--bind", project)).toBe(true);
    expect(pairAt(argv, "--ro-bind", join(project, ".octo"))).toBe(true);
  });

  test("deny masks directories with an empty read-only tmpfs and files with /dev/null", () => {
    const policy = {
      ...profile("strict"),
      filesystem: {
        ...profile("strict").filesystem,
        deny: ["/workspace/secrets", "/workspace/.env", "/workspace/absent"],
      },
    };
    const argv = buildBwrapArgv(policy, opts());
    expect(
      pairAt(argv, "--tmpfs", "/workspace/secrets") && pairAt(argv, "--remount-ro", "/workspace/secrets"),
    ).toBe(true);
    expect(argv.join(" ")).toContain("--ro-bind /dev/null /workspace/.env");
    expect(argv).not.toContain("/workspace/absent");
  });

  test("an extra bind below a profile bind rebuilds the parent instead of failing", () => {
    const policy = { ...profile("strict"), filesystem: { read_only: [opt], read_write: [], deny: [] } };
    const argv = buildBwrapArgv(
      policy,
      opts({ extraReadOnly: [{ src: "/usr", dst: join(opt, "octo", "pi") }] }),
    );
    expect(pairAt(argv, "--dir", opt)).toBe(true);
    expect(pairAt(argv, "--ro-bind-try", join(opt, "tool"))).toBe(true);
    expect(pairAt(argv, "--ro-bind", "/usr")).toBe(true);
  });
});

describe("buildSandboxEnv", () => {
  test("only the allow-list crosses, proxies point at the relay and skip loopback", () => {
    const env = buildSandboxEnv(
      profile("default"),
      opts({ egressSocket: "/x/e.sock", llmSocket: "/x/l.sock" }),
      {
        callerEnv: { TERM: "xterm", AWS_SECRET_ACCESS_KEY: "k", PATH: "/root/bin" },
        extra: { GIVEN: "1" },
      },
    );
    expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(env).toMatchObject({
      TERM: "xterm",
      GIVEN: "1",
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: "/home/sandbox",
      OCTO_LLM_URL: "http://127.0.0.1:7701",
      HTTPS_PROXY: "http://127.0.0.1:3128",
      NO_PROXY: "127.0.0.1,localhost,::1",
    });
  });
});
