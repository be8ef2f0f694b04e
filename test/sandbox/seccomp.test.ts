import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEscapeFixture, type EscapeFixture } from "../../runner/sandbox/escape/fixture.ts";
import { type ProbeResult, runProbe } from "../../runner/sandbox/escape/probe-run.ts";
import { parseSyscallLines, probeSpecArgs, syscallProbes } from "../../runner/sandbox/escape/syscalls.ts";
import { EPERM } from "../../runner/sandbox/seccomp-table.ts";

/**
 * The seccomp deny list against the real kernel. Every refused syscall is called inside user A's
 * sandbox (a real octo_* account) and must come back with exactly the filter's errno; the same
 * calls outside, as A, reach the kernel (its own answer differs, or is EPERM where the kernel
 * checks a capability first — those rely on runner/sandbox/seccomp.test.ts for the filter itself).
 * Then the tools agents use must still work under the filter.
 */
const isRoot = process.getuid?.() === 0;
const SANDBOX_CLI = [process.execPath, join(import.meta.dir, "../../runner/sandbox/main.ts")];
const probes = syscallProbes();
// Sandboxed tools run 10 nice levels down: on a loaded machine a cold start takes seconds.
setDefaultTimeout(60_000);

describe.skipIf(!isRoot)("seccomp: refused syscalls inside the sandbox", () => {
  let fx: EscapeFixture;
  let inside: Map<string, number>;
  let outside: Map<string, number>;
  let insideRun: ProbeResult;
  beforeAll(async () => {
    fx = await createEscapeFixture();
    const args = ["syscalls", ...probeSpecArgs(probes)];
    insideRun = await runProbe(fx, { as: "a", sandbox: { profile: "default" }, args }, SANDBOX_CLI);
    const control = await runProbe(fx, { as: "a", args }, SANDBOX_CLI);
    inside = parseSyscallLines(probes, insideRun.output);
    outside = parseSyscallLines(probes, control.output);
  }, 60_000);
  afterAll(async () => {
    await fx?.cleanup();
  });

  test("the probe ran every call inside and outside", () => {
    expect(insideRun.verdict).toBe("ok");
    expect(inside.size).toBe(probes.length);
    expect(outside.size).toBe(probes.length);
  });

  for (const probe of probes) {
    test(`${probe.name} → ${probe.errno === EPERM ? "EPERM" : "ENOSYS"}`, () => {
      expect({ name: probe.name, inside: inside.get(probe.name) }).toEqual({
        name: probe.name,
        inside: probe.errno,
      });
      // Positive control: outside, the kernel itself answered (differently, or EPERM for lack of a capability).
      const control = outside.get(probe.name);
      expect(control === probe.errno ? control === EPERM : true).toBe(true);
    });
  }

  test("most refusals are the filter's own: outside, the kernel gives another answer", () => {
    const differs = probes.filter((p) => outside.get(p.name) !== p.errno);
    expect(differs.length).toBeGreaterThan(probes.length / 2);
    for (const name of ["io_uring_setup", "perf_event_open", "add_key", "keyctl", "mount", "clone3"])
      expect(differs.map((p) => p.name)).toContain(name);
  });
});

describe("seccomp: the tools agents use still work inside", () => {
  let root: string;
  let project: string;
  let profiles: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "octo-seccomp-tools-"));
    project = join(root, "ws", "proj");
    profiles = join(root, "profiles");
    mkdirSync(join(project, ".octo"), { recursive: true });
    mkdirSync(profiles);
    // Chromium's V8 reserves far more address space than any RLIMIT_AS we ship (it dies with
    // SIGTRAP under `memory_mb`, filter or not): the browser case runs the default profile without it.
    const text = await Bun.file(join(import.meta.dir, "../../profiles/default.toml")).text();
    writeFileSync(join(profiles, "browser.toml"), text.replace(/^memory_mb = .*$/m, ""));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function sandboxed(cmd: string[], extra: string[] = [], profile = "default", stdin = "") {
    const proc = Bun.spawn(
      [...SANDBOX_CLI, "run", "--profile", profile, "--project", project, ...extra, "--", ...cmd],
      {
        env: {
          PATH: "/usr/local/bin:/usr/bin:/bin",
          HOME: root,
          LANG: "C.UTF-8",
          OCTO_PROFILES_DIR: profiles,
        },
        stdin: new TextEncoder().encode(stdin),
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { stdout, stderr, code };
  }

  test("the filter is on: io_uring_setup answers ENOSYS inside (positive control for this block)", async () => {
    const r = await sandboxed(["perl", "-e", 'syscall(425, 1, 1); print $!+0, "\\n"']);
    expect(r.stdout.trim()).toBe("38");
  });

  test("git init, add, commit", async () => {
    const script = [
      "set -e",
      "git init -q repo && cd repo",
      "git config user.email t@octo.test && git config user.name t",
      "echo hi > f && git add f && git commit -qm first",
      "git log --format=%s",
    ].join("\n");
    const r = await sandboxed(["sh", "-c", script]);
    expect({ out: r.stdout.trim(), code: r.code, err: r.stderr }).toEqual({ out: "first", code: 0, err: "" });
  });

  test("node -e (libuv threads, fs, child_process)", async () => {
    const js =
      "require('fs').writeFileSync('/tmp/n','x');require('fs').readFile('/tmp/n','utf8',(e,d)=>console.log(d+require('child_process').execSync('echo y').toString().trim()))";
    const r = await sandboxed(["node", "-e", js]);
    expect(r.stdout.trim()).toBe("xy");
  });

  test("python3 -c (threads, subprocess)", async () => {
    const py =
      "import threading,subprocess;t=threading.Thread(target=lambda:None);t.start();t.join();print(subprocess.run(['echo','ok'],capture_output=True,text=True).stdout.strip())";
    const r = await sandboxed(["python3", "-c", py]);
    expect(r.stdout.trim()).toBe("ok");
  });

  test("bun -e through our runtime binary (BUN_BE_BUN=1), with a worker-backed file write", async () => {
    const r = await sandboxed(
      [
        "/opt/octo/bin/bun",
        "-e",
        "await Bun.write('/tmp/b','z'); console.log(await Bun.file('/tmp/b').text() + 1)",
      ],
      ["--ro", `${process.execPath}=/opt/octo/bin/bun`, "--env", "BUN_BE_BUN=1"],
    );
    expect({ out: r.stdout.trim(), err: r.stderr }).toEqual({ out: "z1", err: "" });
  });

  test.skipIf(!Bun.which("cc") || !Bun.which("make"))("make builds and runs a C program", async () => {
    writeFileSync(join(project, "hello.c"), '#include <stdio.h>\nint main(void){puts("built");return 0;}\n');
    writeFileSync(join(project, "Makefile"), "hello: hello.c\n\tcc -o hello hello.c\n");
    const r = await sandboxed(["sh", "-c", "make -s hello && ./hello"]);
    expect(r.stdout.trim()).toBe("built");
  });

  test("pi --version (the agent on our runtime)", async () => {
    const modules = join(import.meta.dir, "../../node_modules");
    const r = await sandboxed(
      ["/opt/octo/bin/bun", "/opt/octo/node_modules/@mariozechner/pi-coding-agent/dist/cli.js", "--version"],
      [
        "--ro",
        `${process.execPath}=/opt/octo/bin/bun`,
        "--ro",
        `${modules}=/opt/octo/node_modules`,
        "--env",
        "PI_OFFLINE=1",
        "--env",
        "PI_CODING_AGENT_DIR=/tmp/pi-agent",
      ],
    );
    expect({ code: r.code, out: r.stdout.trim() }).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^\d+\.\d+/),
    });
  }, 90_000);

  test("pi --mode rpc answers get_state", async () => {
    const modules = join(import.meta.dir, "../../node_modules");
    const r = await sandboxed(
      [
        "/opt/octo/bin/bun",
        "/opt/octo/node_modules/@mariozechner/pi-coding-agent/dist/cli.js",
        "--mode",
        "rpc",
      ],
      [
        "--ro",
        `${process.execPath}=/opt/octo/bin/bun`,
        "--ro",
        `${modules}=/opt/octo/node_modules`,
        "--env",
        "PI_OFFLINE=1",
        "--env",
        "PI_CODING_AGENT_DIR=/tmp/pi-agent",
      ],
      "default",
      `${JSON.stringify({ id: "1", type: "get_state" })}\n`,
    );
    const reply = JSON.parse(r.stdout.split("\n").find((l) => l.includes('"get_state"')) ?? "{}");
    expect(reply).toMatchObject({ id: "1", type: "response", command: "get_state", success: true });
  }, 90_000);

  test.skipIf(!existsSync("/usr/lib/chromium/chromium"))(
    "chromium --headless prints a page",
    async () => {
      writeFileSync(join(project, "page.html"), "<html><body><p id=x>seccomp-ok</p></body></html>");
      const r = await sandboxed(
        [
          "/usr/lib/chromium/chromium",
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--dump-dom",
          "file:///workspace/page.html",
        ],
        [],
        "browser",
      );
      expect(r.stdout).toContain("seccomp-ok");
    },
    60_000,
  );
});
