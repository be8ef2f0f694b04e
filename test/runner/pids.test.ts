import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunnerClient } from "../../src/runners/client.ts";
import { delegatedBase, pidsHierarchy, RUNNER_LEAF } from "../../src/shared/pids-cgroup.ts";
import { multiUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { EventLog, waitUntil } from "./harness.ts";
import { type SystemHarness, startSystem } from "./system-harness.ts";

/**
 * Decision 0032: `limits.processes` is per sandbox. Every sandbox of one Linux account used to share
 * one RLIMIT_NPROC count, so one agent's fork bomb starved the user's other agents. Real system
 * component, real `octo_*` users, real runners and bwrap; the strict profile (256 processes).
 */
setDefaultTimeout(180_000);
const tag = Math.random().toString(36).slice(2, 7);
const A = `pda${tag}`;
const C = `pdc${tag}`;
const STRICT_PROCESSES = 256;
const hierarchy = pidsHierarchy();

/**
 * Forks children that wait on a pipe until it is told to let go (a line on stdin): as many as it
 * is asked for or until fork is refused. Prints `held N refused ERR`, then `released`.
 */
const FORKS = `
import errno, os, sys
want = int(sys.argv[1]); r, w = os.pipe(); held = 0; refused = "none"
for _ in range(want):
    try:
        pid = os.fork()
    except OSError as e:
        refused = errno.errorcode.get(e.errno, str(e.errno)); break
    if pid == 0:
        os.close(w); os.read(r, 1); os._exit(0)
    held += 1
print("held %d refused %s" % (held, refused), flush=True)
sys.stdin.readline()
os.close(w)
for _ in range(held):
    os.wait()
print("released", flush=True)
`;

async function forks(client: RunnerClient, project: string, want: number) {
  const r = await client.spawn({ profile: "strict", project, argv: ["python3", "-c", FORKS, String(want)] });
  if (!r.ok) throw new Error(r.error.message);
  const log = new EventLog();
  await client.subscribe(r.value.proc, 0, log.push);
  const line = await log.waitText(/held \d+ refused \w+/, 60_000);
  const [, held, refused] = /held (\d+) refused (\w+)/.exec(line) ?? [];
  return {
    held: Number(held),
    refused,
    log,
    async release() {
      await client.write(r.value.proc, "\n");
      return log.waitExit(60_000);
    },
  };
}

const leaves = (base: string) =>
  readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== RUNNER_LEAF)
    .map((e) => join(base, e.name));

describe.skipIf(!hierarchy)("per-sandbox pids cgroups (delegated by the system component)", () => {
  let h: SystemHarness;
  let client: RunnerClient;
  let project: string;
  let base: string;

  beforeAll(async () => {
    h = await startSystem({ users: [A] });
    expect((await h.sys.ensureUser(A)).ok).toBe(true);
    project = h.project(A);
    const c = await h.manager.forUser(A);
    if (!c.ok) throw new Error(`${c.error.message}\n${h.log()}`);
    client = c.value;
    base = delegatedBase(hierarchy as NonNullable<typeof hierarchy>, `octo_${A}`);
  });
  afterAll(async () => {
    await h?.stop();
  });

  test("the runner lives in its account's delegated subtree", async () => {
    const status = await h.sys.status();
    const pid = status.ok ? status.value.runners.find((r) => r.name === A)?.pid : null;
    expect(pid).toBeGreaterThan(1);
    expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toContain(`/octo/octo_${A}/${RUNNER_LEAF}\n`);
    expect(readFileSync(multiUserRunnerFiles(h.runtime, A).logFile, "utf8")).toContain(
      "one pids cgroup per sandbox",
    );
  });

  test("a fork bomb in one sandbox stops at its own limit; a second sandbox of the same user still forks", async () => {
    const bomb = await forks(client, project, STRICT_PROCESSES + 150);
    // Refused by its own cgroup: everything in the sandbox (wrapper, bwrap, python) counts.
    expect(bomb.refused).toBe("EAGAIN");
    expect(bomb.held).toBeGreaterThan(STRICT_PROCESSES / 2);
    expect(bomb.held).toBeLessThan(STRICT_PROCESSES);
    const [leaf] = leaves(base);
    expect(leaves(base)).toHaveLength(1);
    expect(readFileSync(join(leaf as string, "pids.max"), "utf8").trim()).toBe(String(STRICT_PROCESSES));
    // The kernel counted the refusals in this sandbox's cgroup.
    const refusals = /^max (\d+)/m.exec(readFileSync(join(leaf as string, "pids.events"), "utf8"))?.[1];
    expect(Number(refusals)).toBeGreaterThan(0);

    // While the bomb holds every process it could get, the same account starts 100 more elsewhere.
    const neighbour = await forks(client, project, 100);
    expect({ held: neighbour.held, refused: neighbour.refused }).toEqual({ held: 100, refused: "none" });
    expect(leaves(base)).toHaveLength(2);
    expect((await neighbour.release()).code).toBe(0);
    const exit = await bomb.release();
    expect(exit.code).toBe(0);
    expect(bomb.log.text()).toContain("released");
    // Each sandbox's cgroup goes with it.
    await waitUntil("the sandboxes' cgroups to be removed", () => leaves(base).length === 0);
    expect(existsSync(leaf as string)).toBe(false);
  });

  test("a runner killed mid-sandbox leaves its leaf; the next runner removes it before it serves", async () => {
    const held = await forks(client, project, 5);
    expect(held.held).toBe(5);
    const [leaf] = leaves(base);
    expect(leaf).toBeDefined();
    const before = await h.sys.status();
    const pid = before.ok ? before.value.runners.find((r) => r.name === A)?.pid : null;
    process.kill(pid as number, "SIGKILL");
    await waitUntil("the runner to die", () => !existsSync(`/proc/${pid}/cgroup`));
    const started = await waitUntil("a new runner", async () => {
      const s = await h.sys.startRunner(A);
      return s.ok && s.value.pid !== pid && s.value;
    });
    // startRunner returns once the runner answers on its socket, i.e. after its start-up sweep.
    expect(existsSync(leaf as string)).toBe(false);
    expect(leaves(base)).toEqual([]);
    expect(readFileSync(`/proc/${started.pid}/cgroup`, "utf8")).toContain(`/octo/octo_${A}/${RUNNER_LEAF}\n`);
    expect(readFileSync(multiUserRunnerFiles(h.runtime, A).logFile, "utf8")).toContain(
      "removed sandbox cgroups left by a previous runner",
    );
  });

  test("a runner stopped with sandboxes running removes their leaves as it stops", async () => {
    await waitUntil("the client to reconnect to the new runner", async () => (await client.status()).ok);
    const held = await forks(client, project, 5);
    expect(held.held).toBe(5);
    expect(leaves(base)).toHaveLength(1);
    const stopped = await h.sys.stopRunner(A);
    expect(stopped.ok && stopped.value.stopped).toBe(true);
    expect(leaves(base)).toEqual([]);
  });

  test("deleting the user removes its delegated subtree", async () => {
    expect(existsSync(base)).toBe(true);
    expect((await h.sys.deleteUser(A, true)).ok).toBe(true);
    expect(existsSync(base)).toBe(false);
  });
});

describe("without cgroups (OCTO_PIDS_CGROUP=off): RLIMIT_NPROC, shared by the account, with a clear log line", () => {
  let h: SystemHarness;

  beforeAll(async () => {
    h = await startSystem({ users: [C], env: { OCTO_PIDS_CGROUP: "off" } });
    expect((await h.sys.ensureUser(C)).ok).toBe(true);
  });
  afterAll(async () => {
    await h?.stop();
  });

  test("the runner says so, and the sandbox runs under the profile's RLIMIT_NPROC", async () => {
    const c = await h.manager.forUser(C);
    if (!c.ok) throw new Error(`${c.error.message}\n${h.log()}`);
    const project = h.project(C);
    const r = await c.value.spawn({
      profile: "strict",
      project,
      argv: ["sh", "-c", "grep 'Max processes' /proc/self/limits; cat /proc/self/cgroup"],
    });
    if (!r.ok) throw new Error(r.error.message);
    const log = new EventLog();
    await c.value.subscribe(r.value.proc, 0, log.push);
    expect((await log.waitExit()).code).toBe(0);
    expect(log.text()).toMatch(new RegExp(`Max processes\\s+${STRICT_PROCESSES}\\s+${STRICT_PROCESSES}`));
    expect(readFileSync(multiUserRunnerFiles(h.runtime, C).logFile, "utf8")).toContain(
      "per-sandbox process limits unavailable (OCTO_PIDS_CGROUP=off): limits.processes falls back to RLIMIT_NPROC",
    );
    if (hierarchy) expect(existsSync(delegatedBase(hierarchy, `octo_${C}`))).toBe(false);
  });
});
