import { fail, ok, type Result } from "../src/protocol/errors.ts";
import { newId } from "../src/protocol/ids.ts";
import type { ProcessInfo, ProcessMemory, RunnerRequest } from "../src/protocol/runner.ts";
import { TOOL_TOKEN_ENV } from "../src/protocol/tools.ts";
import type { Logger } from "../src/shared/log.ts";
import { childrenMap } from "../src/shared/proctree.ts";
import { AGENT_PATHS, adoptAgentState, agentLaunchSpec } from "./kinds/agent-launch.ts";
import type { Launcher, LaunchSpec } from "./launcher.ts";
import { SupervisedProcess } from "./supervised.ts";
import { ensureToolKit } from "./tools/kit.ts";
import type { ToolService } from "./tools/service.ts";
import { confineProject } from "./workspace.ts";

/** A connection's interest in one process: everything after `position` should reach it. */
export interface Subscription {
  readonly proc: string;
  position: number;
  readonly sink: SubscriptionSink;
}

export interface SubscriptionSink {
  /** New events may be readable for this subscription. */
  pump(sub: Subscription): void;
}

export interface ProcessTableOptions {
  user: string;
  workspaceRoot: string;
  maxProcesses: number;
  /** Largest per-process event buffer a spawn may ask for; also the default. */
  maxBufferBytes: number;
  launcher: Launcher;
  log: Logger;
  /**
   * Exited processes whose events nobody acknowledges (their server is gone for good) are kept
   * up to this many; beyond it the oldest are forgotten, so they cannot pile up forever.
   */
  maxExitedRecords?: number;
  /** Agent sessions' tool sockets (absent: agents get no octo-tool). */
  tools?: ToolService;
}

const DEFAULT_MAX_EXITED_RECORDS = 256;

type SpawnRequest = Extract<RunnerRequest, { op: "spawn" }>;

/**
 * The runner's processes and who is subscribed to each. A process record stays until it has
 * exited and every one of its events is acknowledged; then it is forgotten.
 */
export class ProcessTable {
  private readonly procs = new Map<string, SupervisedProcess>();
  private readonly subs = new Map<string, Subscription>();
  /** Process id → the session whose tool socket it owns. */
  private readonly toolSessions = new Map<string, string>();

  constructor(private readonly opts: ProcessTableOptions) {}

  get liveCount(): number {
    let n = 0;
    for (const p of this.procs.values()) if (p.isLive) n++;
    return n;
  }

  spawn(req: SpawnRequest): Result<{ proc: string; pid: number }> {
    const { opts } = this;
    if (req.user !== opts.user)
      return fail("forbidden", `this runner serves user ${opts.user}, not ${req.user}`);
    if (this.liveCount >= opts.maxProcesses)
      return fail(
        "process_limit",
        `user ${opts.user} already has ${opts.maxProcesses} processes (runner.max_processes)`,
      );
    const project = confineProject(req.project, opts.workspaceRoot);
    if (!project.ok) return project;
    const baseSpec: LaunchSpec = {
      argv: req.argv,
      env: req.env,
      profile: req.profile,
      project: project.value,
      workspaceRoot: opts.workspaceRoot,
      pty: req.pty,
      llmSocket: req.llm_socket,
      gatewayDir: req.gateway_dir,
      toolSocket: req.tool_socket,
      userLabel: opts.user,
    };
    if ((req.kind === "agent") !== (req.agent !== undefined))
      return fail("validation_failed", "agent: required for kind agent, and only for it");
    if (req.kind === "agent" && req.pty)
      return fail("validation_failed", "an agent runs on pipes, not a terminal");
    const id = newId("prc");
    const tools = this.agentTools(req, id, baseSpec);
    if (!tools.ok) return tools;
    const spec = req.agent ? agentLaunchSpec(baseSpec, req.agent, tools.value) : ok(baseSpec);
    if (!spec.ok) {
      this.closeTools(id);
      return spec;
    }
    const proc = new SupervisedProcess({
      id,
      kind: req.kind,
      tag: req.tag ?? null,
      restart: req.restart ?? null,
      agent: req.agent,
      bufferBytes: Math.min(req.buffer_bytes ?? opts.maxBufferBytes, opts.maxBufferBytes),
      launcher: opts.launcher,
      log: opts.log.child({ proc: id }),
      spec: spec.value,
      onEvent: (p) => this.onEvent(p),
    });
    this.procs.set(id, proc);
    const started = proc.start();
    if (!started.ok) {
      this.procs.delete(id);
      this.closeTools(id);
      return started;
    }
    opts.log.info("spawned", {
      proc: id,
      pid: started.value,
      profile: req.profile,
      pty: Boolean(req.pty),
      tag: req.tag,
    });
    return ok({ proc: id, pid: started.value });
  }

  /**
   * An agent launched with a tool token gets its session's tool socket (bound into the sandbox) and
   * the tool kit: octo-tool on its PATH, the skill and the extension loaded by pi.
   */
  private agentTools(req: SpawnRequest, id: string, spec: LaunchSpec) {
    const token = req.env[TOOL_TOKEN_ENV];
    if (!req.agent || !token || !this.opts.tools) return ok(undefined);
    const socket = this.opts.tools.open(req.agent.session_key, token, id);
    if (!socket.ok) return socket;
    spec.toolSocket = socket.value;
    this.toolSessions.set(id, req.agent.session_key);
    return ok(ensureToolKit(AGENT_PATHS.runtime));
  }

  /**
   * The running agent `id` (a warm spare) becomes `session`'s agent: the session's pi files move
   * into its state, its tool socket and tag take the session's key, and pi resumes the session.
   * Refused while another live agent works for `session`.
   */
  async adopt(id: string, session: string): Promise<Result<unknown>> {
    const proc = this.get(id);
    if (!proc.ok) return fail("agent_crashed", `agent process ${id} is no longer running`);
    const p = proc.value;
    const from = p.sessionKey;
    if (p.kind !== "agent" || !p.isLive || !from)
      return fail("conflict", `process ${id} is not a live agent`);
    if (from === session) return fail("conflict", `process ${id} already works for ${session}`);
    for (const other of this.procs.values())
      if (other !== p && other.isLive && other.sessionKey === session)
        return fail("conflict", `session ${session} has a live agent (${other.id})`);
    const state = adoptAgentState(from, session);
    if (!state.ok) return state;
    if (this.toolSessions.get(id) === from) {
      const moved = this.opts.tools?.rekey(from, session, id);
      if (moved && !moved.ok) return moved;
      this.toolSessions.set(id, session);
    }
    this.opts.log.info("agent adopted", { proc: id, from, session });
    return p.adopt(session, state.value.hostDir, state.value.sessionPath);
  }

  private closeTools(id: string): void {
    const session = this.toolSessions.get(id);
    this.toolSessions.delete(id);
    if (session) this.opts.tools?.close(session, id);
  }

  /** A running process inside `session`'s agent sandbox and the project it works on, if any. */
  sandboxOf(session: string): { pid: number; project: string } | null {
    for (const [id, owner] of this.toolSessions) {
      if (owner !== session) continue;
      const proc = this.procs.get(id);
      const pid = proc?.isLive ? proc.commandPid() : null;
      if (proc && pid) return { pid, project: proc.project };
    }
    return null;
  }

  get(id: string): Result<SupervisedProcess> {
    const proc = this.procs.get(id);
    return proc ? ok(proc) : fail("not_found", `no process ${id} on this runner`);
  }

  list(tag?: string): ProcessInfo[] {
    const children = childrenMap();
    return [...this.procs.values()]
      .filter((p) => tag === undefined || p.tag === tag)
      .map((p) => p.info(children));
  }

  /** Each live process's tree memory, from one scan of /proc. */
  memory(children = childrenMap()): ProcessMemory[] {
    const out: ProcessMemory[] = [];
    for (const p of this.procs.values()) {
      if (!p.isLive) continue;
      const m = p.memory(children);
      out.push({ proc: p.id, kind: p.kind, tag: p.tag, pss_bytes: m.pss, private_bytes: m.private });
    }
    return out;
  }

  killTag(tag: string): string[] {
    const killed: string[] = [];
    for (const p of this.procs.values()) {
      if (p.tag === tag && p.isLive) {
        p.kill();
        killed.push(p.id);
      }
    }
    return killed;
  }

  killAll(): void {
    for (const p of this.procs.values()) p.kill();
  }

  subscribe(id: string, sink: SubscriptionSink, afterSeq: number): Result<{ last_seq: number }> {
    const proc = this.get(id);
    if (!proc.ok) return proc;
    const last = proc.value.buffer.lastSeq;
    if (afterSeq > last) return fail("bad_request", `after_seq ${afterSeq} is beyond the last event ${last}`);
    // One subscriber per process: a reconnecting server replaces its stale connection.
    const sub: Subscription = { proc: id, position: afterSeq, sink };
    this.subs.set(id, sub);
    return ok({ last_seq: last });
  }

  /** Called by the connection once the subscribe response is written, so replay follows it. */
  startDelivery(id: string): void {
    const sub = this.subs.get(id);
    if (sub) sub.sink.pump(sub);
  }

  unsubscribe(id: string, sink: SubscriptionSink): void {
    if (this.subs.get(id)?.sink === sink) this.subs.delete(id);
  }

  /** A closed connection: its subscriptions end, its processes keep running. */
  detach(sink: SubscriptionSink): void {
    for (const [id, sub] of this.subs) if (sub.sink === sink) this.subs.delete(id);
  }

  ack(id: string, seq: number): Result<void> {
    const proc = this.get(id);
    if (!proc.ok) return proc;
    const acked = proc.value.buffer.ack(seq);
    if (acked.ok) this.forgetIfDone(proc.value);
    return acked;
  }

  /** False once the subscription was replaced, ended or its process forgotten. */
  isCurrent(sub: Subscription): boolean {
    return this.subs.get(sub.proc) === sub;
  }

  /** Lines this subscription has not yet seen. */
  pending(sub: Subscription, max: number) {
    return this.procs.get(sub.proc)?.buffer.readAfter(sub.position, max) ?? [];
  }

  private onEvent(proc: SupervisedProcess): void {
    const sub = this.subs.get(proc.id);
    if (sub) sub.sink.pump(sub);
    if (!proc.isLive) {
      this.closeTools(proc.id);
      this.limitExited();
    }
  }

  private limitExited(): void {
    const max = this.opts.maxExitedRecords ?? DEFAULT_MAX_EXITED_RECORDS;
    const exited = [...this.procs.values()].filter((p) => !p.isLive);
    for (const p of exited.slice(0, Math.max(0, exited.length - max))) {
      this.opts.log.warn("forgetting an exited process nobody acknowledged", {
        proc: p.id,
        last_seq: p.buffer.lastSeq,
      });
      this.procs.delete(p.id);
      this.subs.delete(p.id);
    }
  }

  private forgetIfDone(proc: SupervisedProcess): void {
    if (proc.isLive || proc.buffer.ackedSeq < proc.buffer.lastSeq) return;
    this.procs.delete(proc.id);
    this.subs.delete(proc.id);
  }
}
