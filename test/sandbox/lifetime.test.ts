import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { SandboxLedger } from "../../runner/sandbox/ledger.ts";
import type { RunnerClient } from "../../src/runners/client.ts";
import { commandFor } from "../../src/shared/paths.ts";
import { descendants, isAlive } from "../../src/shared/proctree.ts";
import { EventLog, type LocalRunner, startLocalRunner, waitUntil } from "../runner/harness.ts";

/**
 * Nothing a runner started outlives it: a real octo-runner starts a real sandbox itself (proxy
 * profile, so the runner hosts the egress proxy and two socat relays run inside; bwrap is the
 * runner's own child, decision 0034); then either the runner is SIGKILLed or the command inside
 * is, and every process of that sandbox must be gone. Waits poll
 * /proc with a deadline (there is no event for "a process elsewhere has exited").
 */
setDefaultTimeout(60_000);

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
};

interface Sandbox {
  proc: string;
  log: EventLog;
  /** Every process below the runner for this sandbox: bwraps, relays, the command. */
  tree: number[];
  pid: number;
  /** The private directory holding this sandbox's egress socket (removed once it has exited). */
  privateDir: string;
}

async function startSandbox(runner: LocalRunner, client: RunnerClient, llmSocket: string): Promise<Sandbox> {
  const spawned = await client.spawn({
    profile: "default",
    project: runner.project,
    argv: ["sh", "-c", "echo ready; exec sleep 1000"],
    llm_socket: llmSocket,
  });
  if (!spawned.ok) throw new Error(spawned.error.message);
  const log = new EventLog();
  const sub = await client.subscribe(spawned.value.proc, 0, log.push);
  if (!sub.ok) throw new Error(sub.error.message);
  await log.waitFor("ready", () => log.text().includes("ready"));
  // "ready" comes just before the shell execs sleep: wait for the tree to settle into its shape.
  const tree = await waitUntil("the sandbox's command to start", () => {
    const pids = [spawned.value.pid, ...descendants(spawned.value.pid)];
    return pids.some((pid) => comm(pid) === "sleep") && pids;
  });
  const names = tree.map(comm);
  // The shape the test relies on (a positive control for "all of it is gone" below).
  expect(names).toContain("bwrap");
  expect(names.filter((n) => n === "socat")).toHaveLength(2);
  expect(names).toContain("sleep");
  // The runner's own child is bwrap: no octo-sandbox process anywhere in the tree.
  expect(comm(spawned.value.pid)).toBe("bwrap");
  expect(tree.map(cmdline).filter((c) => c.includes("--profile"))).toEqual([]);
  const privateDir = /--ro-bind (\S+)\/egress\.sock \/run\/octo\/egress\.sock/.exec(
    cmdline(spawned.value.pid),
  )?.[1];
  if (!privateDir) throw new Error("no egress socket bound");
  expect(existsSync(join(privateDir, "egress.sock"))).toBe(true);
  // The seccomp program went to bwrap as a descriptor: nothing of it is left on disk.
  expect(readdirSync(privateDir)).toEqual(["egress.sock"]);
  return { proc: spawned.value.proc, log, tree, pid: spawned.value.pid, privateDir };
}

const stillAlive = (pids: number[]) => pids.filter(isAlive).map((pid) => `${pid} ${comm(pid)}`);

describe("sandbox lifetime", () => {
  let llm: ReturnType<typeof Bun.serve>;
  let llmSocket: string;
  let keep: LocalRunner | undefined;
  beforeAll(() => {
    llmSocket = join("/tmp", `octo-lifetime-llm-${process.pid}.sock`);
    llm = Bun.serve({ unix: llmSocket, fetch: () => new Response("llm") });
    chmodSync(llmSocket, 0o600);
  });
  afterAll(async () => {
    await keep?.stop();
    await llm.stop(true);
  });

  test("kill -9 of the runner takes its sandbox down: bwrap, relays, command", async () => {
    const runner = await startLocalRunner();
    let tree: number[] = [];
    try {
      const sandbox = await startSandbox(runner, await runner.client(), llmSocket);
      tree = sandbox.tree;
      runner.proc.kill("SIGKILL");
      await runner.proc.exited;
      await waitUntil(
        "every process of the sandbox to exit",
        () => stillAlive(sandbox.tree).length === 0,
        15_000,
      ).catch(() => {
        throw new Error(`still alive: ${stillAlive(sandbox.tree).join(", ")}`);
      });
    } finally {
      for (const pid of tree.filter(isAlive)) process.kill(pid, "SIGKILL");
      await runner.stop().catch(() => {});
    }
  });

  test("when the command inside dies, bwrap and the relays exit, the runner sees the exit and clears up", async () => {
    const state = mkdtempSync("/tmp/octo-lifetime-state-");
    keep = await startLocalRunner({ env: { XDG_STATE_HOME: state } });
    const ledger = SandboxLedger.forRunner(keep.files.socket, { XDG_STATE_HOME: state });
    const sandbox = await startSandbox(keep, await keep.client(), llmSocket);
    // The ledger lists the runner's own child (bwrap), so a successor could sweep it.
    expect(readFileSync(ledger.file, "utf8")).toStartWith(`${sandbox.pid} `);
    const sleep = sandbox.tree.find((pid) => comm(pid) === "sleep");
    if (sleep === undefined) throw new Error("no sleep");
    process.kill(sleep, "SIGKILL");
    await sandbox.log.waitFor("the exit event", () => sandbox.log.events.some((e) => e.event === "exit"));
    await waitUntil(
      "bwrap and the relays to exit",
      () => stillAlive(sandbox.tree).length === 0,
      15_000,
    ).catch(() => {
      throw new Error(`still alive: ${stillAlive(sandbox.tree).join(", ")}`);
    });
    expect(isAlive(keep.proc.pid)).toBe(true);
    await waitUntil("the egress socket's directory to go", () => !existsSync(sandbox.privateDir));
    await waitUntil("the ledger to forget it", () => readFileSync(ledger.file, "utf8") === "");
    rmSync(state, { recursive: true, force: true });
  });

  test("a new runner sweeps what its dead predecessor's ledger lists, and only that", async () => {
    const state = mkdtempSync("/tmp/octo-lifetime-state-");
    // Stand-ins for wrappers that escaped: a process with a child, as a wrapper has bwrap.
    const orphan = Bun.spawn(["sh", "-c", "sleep 1000 & wait"], { stdio: ["ignore", "ignore", "ignore"] });
    const bystander = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"] });
    try {
      const orphanTree = await waitUntil("the orphan's child", () => {
        const kids = descendants(orphan.pid);
        return kids.length > 0 && [orphan.pid, ...kids];
      });
      const startOf = (pid: number) => {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
      };
      // The ledger is keyed by socket path: the harness makes a fresh one, so write it once we know
      // it — by starting a runner, stopping it cleanly, then planting the entries.
      const first = await startLocalRunner({ env: { XDG_STATE_HOME: state } });
      const ledger = SandboxLedger.forRunner(first.files.socket, { XDG_STATE_HOME: state });
      first.proc.kill("SIGKILL");
      await first.proc.exited;
      mkdirSync(dirname(ledger.file), { recursive: true });
      // The bystander is listed with a wrong start time: a reused pid must never be hit.
      writeFileSync(ledger.file, `${orphan.pid} ${startOf(orphan.pid)}\n${bystander.pid} 1\n`);
      // The successor: same socket directory and workspace, as a restarted runner has.
      const second = Bun.spawn(
        [
          ...commandFor("octo-runner"),
          "--user",
          "local",
          "--socket-dir",
          dirname(first.files.socket),
          "--workspace",
          first.workspace,
        ],
        { env: { ...process.env, XDG_STATE_HOME: state }, stdout: "ignore", stderr: "pipe" },
      );
      let stderr = "";
      try {
        for await (const chunk of second.stderr as ReadableStream<Uint8Array>) {
          stderr += Buffer.from(chunk).toString();
          if (stderr.includes("runner listening")) break;
        }
        expect(stderr).toContain("killed sandboxes left by a previous runner");
        await waitUntil("the listed wrapper and its child to die", () => stillAlive(orphanTree).length === 0);
        expect(isAlive(bystander.pid)).toBe(true);
        expect(readFileSync(ledger.file, "utf8")).toBe("");
      } finally {
        second.kill("SIGKILL");
        await second.exited;
        rmSync(first.root, { recursive: true, force: true });
      }
    } finally {
      for (const p of [orphan, bystander]) p.kill("SIGKILL");
      rmSync(state, { recursive: true, force: true });
    }
  });
});
