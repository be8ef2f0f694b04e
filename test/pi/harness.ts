import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { PiProcess } from "../../runner/pi/process.ts";
import { ioFromSubprocess } from "../../runner/pi/rpc-channel.ts";
import {
  type AgentEvent,
  type AgentEventName,
  type AgentEventOf,
  agentEventSchema,
} from "../../src/protocol/agent.ts";
import type { Lane } from "../fixtures/llm/lane.ts";
import type { LlmFixture } from "../fixtures/llm/server.ts";
import { writePiAgentDir } from "../fixtures/pi.ts";

/**
 * A real pi (`bun …/cli.js --mode rpc`) driven through PiProcess against the scripted LLM fixture.
 * Every canonical event is checked against the wire schema as it arrives; tests wait on events.
 */

const PI_CLI = join(import.meta.dir, "../../node_modules/@mariozechner/pi-coding-agent/dist/cli.js");

export interface Agent {
  pi: PiProcess;
  proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  lane: Lane;
  events: AgentEvent[];
  cwd: string;
  /** The first event at index ≥ from matching `pred` (already seen or future). */
  waitFor<K extends AgentEventName>(
    name: K,
    pred?: (e: AgentEventOf<K>) => boolean,
    from?: number,
    timeoutMs?: number,
  ): Promise<AgentEventOf<K>>;
  /** Events of one kind from index `from`. */
  all<K extends AgentEventName>(name: K, from?: number): AgentEventOf<K>[];
  stop(): Promise<void>;
}

export interface AgentSetup {
  /** Files to create in the project (relative path → content) before pi starts. */
  files?: Record<string, string>;
}

export async function startAgent(fx: LlmFixture, setup: AgentSetup = {}): Promise<Agent> {
  const root = await mkdtemp(join(tmpdir(), "octo-pi-adapter-"));
  const agentDir = join(root, "agent");
  const cwd = join(root, "project");
  const apiKey = `key-${crypto.randomUUID()}`;
  await writePiAgentDir(agentDir, {
    fx: {
      baseUrl: fx.openaiBaseUrl,
      api: "openai-completions",
      apiKey,
      models: [{ id: "fake-1" }, { id: "fake-r", reasoning: true }],
    },
  });
  await mkdir(cwd, { recursive: true });
  for (const [path, content] of Object.entries(setup.files ?? {})) {
    await mkdir(join(cwd, path, ".."), { recursive: true });
    await writeFile(join(cwd, path), content);
  }
  const proc = Bun.spawn(
    [process.execPath, PI_CLI, "--mode", "rpc", "--provider", "fx", "--model", "fake-1"],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: root,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OFFLINE: "1",
      },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const events: AgentEvent[] = [];
  const listeners = new Set<() => void>();
  const bad: string[] = [];
  const pi = new PiProcess(ioFromSubprocess(proc), {
    onEvent: (e) => {
      const r = v.safeParse(agentEventSchema, e);
      if (!r.success) bad.push(`${JSON.stringify(e).slice(0, 300)}: ${r.issues[0]?.message}`);
      events.push(e);
      for (const l of [...listeners]) l();
    },
  });
  void pi.exited.then(() => {
    for (const l of [...listeners]) l();
  });
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });

  const waitFor: Agent["waitFor"] = (name, pred, from = 0, timeoutMs = 45_000) =>
    new Promise((resolve, reject) => {
      let i = from;
      const check = () => {
        if (bad.length) return fail(new Error(`invalid canonical events:\n${bad.join("\n")}`));
        for (; i < events.length; i++) {
          const e = events[i] as AgentEvent;
          if (e.event === name && (!pred || pred(e as never))) {
            done();
            return resolve(e as never);
          }
        }
      };
      const timer = setTimeout(() => {
        const tail = events.slice(-8).map((e) => JSON.stringify(e).slice(0, 200));
        fail(
          new Error(
            `no ${name} within ${timeoutMs} ms (pi exited: ${exited}); last events:\n  ${tail.join("\n  ")}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      const fail = (err: Error) => {
        done();
        reject(err);
      };
      listeners.add(check);
      check();
    });

  const ready = await pi.ready();
  if (!ready.ok) throw new Error(`pi did not start: ${ready.error.message}`);
  return {
    pi,
    proc,
    lane: fx.lane({ apiKey }),
    events,
    cwd,
    waitFor,
    all: (name, from = 0) => events.slice(from).filter((e) => e.event === name) as never,
    async stop() {
      await pi.close();
      if (bad.length) throw new Error(`invalid canonical events:\n${bad.join("\n")}`);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A promise to hold a scripted stream open until the test releases it. */
export function gate() {
  let release!: () => void;
  const promise = new Promise<void>((r) => {
    release = r;
  });
  return { promise, release };
}
