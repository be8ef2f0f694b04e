import { readdirSync, readFileSync } from "node:fs";
import { AGENT_COMMAND_TIMEOUT_MS } from "../../src/sessions/agent-link.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { type Frame, MuxClient, stopLocalRunner } from "../terminals/harness.ts";

export const PROVIDER_KEY = "sk-octo-test-provider-key-0123456789";
const KEY_ENV = "OCTO_TEST_PROVIDER_KEY";

export interface SessionWorld {
  t: TestServer;
  fx: LlmFixture;
  admin: Client;
  stop(): Promise<void>;
}

/** The real server with one provider pointing at the scripted LLM fixture. */
export async function startWorld(
  opts: {
    idleTimeout?: string;
    extraToml?: string;
    runnerToml?: string;
    /** More models after the two defaults (TOML inline tables, each with a leading comma). */
    extraModels?: string;
    /** All the models instead of the defaults (a TOML array). */
    models?: string;
  } = {},
): Promise<SessionWorld> {
  process.env[KEY_ENV] = PROVIDER_KEY;
  const fx = await startLlmFixture({ apiKeys: [PROVIDER_KEY] });
  const t = await startTestServer(`
[runner]
idle_timeout = "${opts.idleTimeout ?? "10m"}"
${opts.runnerToml ?? ""}

[llm]
default_model = "fx/fake-1"

[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${fx.openaiBaseUrl}"
api_key_env = "${KEY_ENV}"
models = ${opts.models ?? `[{ id = "fake-1" }, { id = "fake-r", reasoning = true }${opts.extraModels ?? ""}]`}
${opts.extraToml ?? ""}`);
  const admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  return {
    t,
    fx,
    admin,
    async stop() {
      stopLocalRunner(t.server.ctx.config.paths.socketDir);
      await t.stop();
      await fx.stop();
    },
  };
}

export async function createProject(c: Client, name: string): Promise<string> {
  const r = await c.post<{ project: { id: string } }>("/api/projects", { name });
  if (r.status !== 200) throw new Error(`create project: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.project.id;
}

/** A browser tab's mux socket, speaking the agent channel. */
export class AgentTab {
  private constructor(readonly mux: MuxClient) {}

  static async open(url: string, cookie: string | undefined): Promise<AgentTab> {
    const mux = await MuxClient.connect(url, cookie);
    // Answer the server's heartbeat, as the UI does: on a loaded machine an agent can take longer to
    // start than the server lets a silent socket live.
    mux.ws.addEventListener("message", (m) => {
      const f = JSON.parse(String(m.data)) as Frame;
      if (f.ch === "system" && f.event === "ping")
        mux.ws.send(JSON.stringify({ ch: "system", cmd: "pong", ts: f.ts }));
    });
    return new AgentTab(mux);
  }

  private nextId = 1;

  /**
   * An agent command and its response. A command may start pi in its sandbox first (a revive): the
   * server waits up to AGENT_COMMAND_TIMEOUT_MS for that, and so does this (a loaded machine needs it).
   */
  cmd(cmd: string, body: Record<string, unknown> = {}, ms = AGENT_COMMAND_TIMEOUT_MS): Promise<Frame> {
    const id = `a${this.nextId++}`;
    this.mux.ws.send(JSON.stringify({ ch: "agent", id, cmd, ...body }));
    return this.mux.waitFor(
      `response to ${cmd}`,
      () => this.mux.frames.find((f) => f.event === "response" && f.id === id),
      ms,
    );
  }

  async ok<T = Record<string, unknown>>(
    cmd: string,
    body: Record<string, unknown> = {},
    ms?: number,
  ): Promise<T> {
    const r = await this.cmd(cmd, body, ms);
    if (!r.ok) throw new Error(`${cmd} failed: ${JSON.stringify(r.error)}`);
    return r.data as T;
  }

  events(session: string): Frame[] {
    return this.mux.frames.filter(
      (f) => f.ch === "agent" && f.session_id === session && f.event !== "response",
    );
  }

  /** Assistant text as the UI would rebuild it from deltas. */
  text(session: string): string {
    return this.events(session)
      .filter((f) => f.event === "stream.text_delta")
      .map((f) => String(f.delta))
      .join("");
  }

  waitEvent(session: string, pred: (f: Frame) => boolean, what: string, ms = 60_000): Promise<Frame> {
    return this.mux.waitFor(what, () => this.events(session).find(pred), ms);
  }

  /** Wait for the n-th `agent.idle` of a session (1-based). */
  waitIdle(session: string, n = 1, ms = 60_000): Promise<Frame> {
    return this.mux.waitFor(
      `idle #${n}`,
      () => this.events(session).filter((f) => f.event === "agent.idle")[n - 1],
      ms,
    );
  }

  close() {
    return this.mux.close();
  }
}

/** seqs must be 1..n with no gap and no repeat. */
export function assertGapFree(frames: Frame[]): number[] {
  const seqs = frames.map((f) => f.seq as number);
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== (seqs[0] as number) + i)
      throw new Error(`seq gap or duplicate at ${i}: ${seqs.slice(Math.max(0, i - 3), i + 3)}`);
  }
  return seqs;
}

/** Every pid whose ancestry includes a process whose command line mentions `needle`. */
export function descendantsOf(needle: string): { pid: number; cmd: string }[] {
  const procs = new Map<number, { ppid: number; cmd: string }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      procs.set(Number(name), { ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  const roots = [...procs].filter(([, p]) => p.cmd.includes(needle)).map(([pid]) => pid);
  const out: { pid: number; cmd: string }[] = [];
  for (const [pid, p] of procs) {
    for (let cur: number | undefined = pid; cur && cur > 1; cur = procs.get(cur)?.ppid) {
      if (roots.includes(cur)) {
        out.push({ pid, cmd: p.cmd });
        break;
      }
    }
  }
  return out;
}

/** The pi process (inside its sandbox) serving a session. */
/** What names a session's sandbox in the process list: its state directory, bound by bwrap. */
export const sandboxNeedle = (sessionId: string) => `agents/${sessionId} /opt/octo/state`;

export function piOf(sessionId: string): number | undefined {
  return descendantsOf(sandboxNeedle(sessionId)).find(
    (p) => p.cmd.includes("pi-coding-agent/dist/cli.js") && !p.cmd.includes("/bin/sh"),
  )?.pid;
}
