import { fail, ok, type Result } from "../src/protocol/errors.ts";
import type {
  AgentSpawn,
  ProcessInfo,
  ProcessKind,
  RestartPolicy,
  RunnerEvent,
  RunnerEventBody,
} from "../src/protocol/runner.ts";
import type { Logger } from "../src/shared/log.ts";
import { killTree, type Memory, treeMemory } from "../src/shared/proctree.ts";
import { EventBuffer } from "./event-buffer.ts";
import { AGENT_PATHS } from "./kinds/agent-launch.ts";
import { type KindTranslator, PROCESS_KIND_IMPLS } from "./kinds/index.ts";
import type { ExitStatus, LaunchedProcess, Launcher, LaunchSpec } from "./launcher.ts";

export type ProcessState = "running" | "restarting" | "exited";

export interface SupervisedOptions {
  id: string;
  kind: ProcessKind;
  spec: LaunchSpec;
  tag: string | null;
  restart: RestartPolicy | null;
  /** Agent processes: what the spawn asked for beyond the command (fork point, …). */
  agent?: AgentSpawn;
  bufferBytes: number;
  launcher: Launcher;
  log: Logger;
  /** Called after every new event (the table pumps the subscriber) and on state changes. */
  onEvent: (proc: SupervisedProcess) => void;
}

/** A run that lasts this long counts as healthy: the next crash starts the backoff over. */
const STABLE_RUN_MS = 30_000;

/**
 * One logical process: launched through the sandbox, restarted after crashes when its policy
 * says so (with exponential backoff, reported as events), its events numbered and buffered in
 * one `EventBuffer` across restarts. Its last event is always exactly one `exit` with
 * `restarting: false`.
 */
export class SupervisedProcess {
  readonly buffer: EventBuffer;
  readonly startedAt = Date.now();
  state: ProcessState = "running";
  restarts = 0;
  private current: LaunchedProcess | null = null;
  private translator: KindTranslator | null = null;
  private lastLaunchAt = 0;
  private consecutiveCrashes = 0;
  private stopRequested = false;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: SupervisedOptions) {
    this.buffer = new EventBuffer(opts.id, opts.bufferBytes);
  }

  get id(): string {
    return this.opts.id;
  }
  get kind(): ProcessKind {
    return this.opts.kind;
  }
  get tag(): string | null {
    return this.opts.tag;
  }
  get pid(): number | null {
    return this.current?.pid ?? null;
  }
  /** The pid below the sandbox wrappers (a process inside the sandbox), while running. */
  commandPid(): number | null {
    return this.current?.commandPid() ?? null;
  }
  get project(): string {
    return this.opts.spec.project;
  }
  get isLive(): boolean {
    return this.state !== "exited";
  }

  /** First launch; a failure here is reported to the caller, not as events. */
  start(): Result<number> {
    const launched = this.launch(0);
    if (!launched.ok) {
      this.state = "exited";
      return launched;
    }
    return ok(launched.value.pid);
  }

  write(bytes: Uint8Array): Result<number> {
    if (!this.current) return fail("conflict", `process ${this.id} is not running`);
    return ok(this.current.write(bytes));
  }

  /** A command for kinds that speak a protocol on stdin (agents). */
  command(command: unknown): Promise<Result<unknown>> {
    if (!this.current || !this.translator)
      return Promise.resolve(fail("conflict", `process ${this.id} is not running`));
    if (!this.translator.command)
      return Promise.resolve(fail("bad_request", `process ${this.id} (${this.opts.kind}) takes no commands`));
    return this.translator.command(command);
  }

  /**
   * This agent now works for session `session` (a spare taking over a conversation): its tag and
   * session key change, its state directory moved to `stateDir` (a restart binds it from there),
   * and pi resumes the session's file at `sessionPath`.
   */
  adopt(session: string, stateDir: string, sessionPath: string): Promise<Result<unknown>> {
    if (!this.current || !this.translator?.adopt || !this.opts.agent)
      return Promise.resolve(fail("conflict", `process ${this.id} is not a running agent`));
    this.opts.tag = session;
    this.opts.agent = { ...this.opts.agent, session_key: session };
    const { spec } = this.opts;
    this.opts.spec = {
      ...spec,
      readWrite: spec.readWrite?.map((b) => (b.dst === AGENT_PATHS.state ? { ...b, src: stateDir } : b)),
    };
    return this.translator.adopt(session, sessionPath);
  }

  /** The session an agent works for (its pi files, tool socket and checkpoints are keyed by it). */
  get sessionKey(): string | null {
    return this.opts.agent?.session_key ?? null;
  }

  closeStdin(): Result<void> {
    if (!this.current) return fail("conflict", `process ${this.id} is not running`);
    this.current.closeStdin();
    return ok(undefined);
  }

  resize(cols: number, rows: number): Result<void> {
    if (!this.current) return fail("conflict", `process ${this.id} is not running`);
    if (!this.opts.spec.pty) return fail("bad_request", `process ${this.id} has no terminal`);
    this.current.resize(cols, rows);
    return ok(undefined);
  }

  signal(signal: NodeJS.Signals): Result<void> {
    if (!this.current) return fail("conflict", `process ${this.id} is not running`);
    try {
      process.kill(this.current.commandPid(), signal);
    } catch (e) {
      return fail("conflict", `cannot signal process ${this.id}: ${(e as NodeJS.ErrnoException).code}`);
    }
    return ok(undefined);
  }

  /** Kill the whole tree and never restart. Safe to call in any state. */
  kill(): void {
    this.stopRequested = true;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
      this.finish({ event: "exit", code: null, signal: null, restarting: false });
      return;
    }
    if (this.current) killTree(this.current.pid);
  }

  /** The whole tree's memory (wrapper, sandbox, command, its children); zeros when not running. */
  memory(children?: Map<number, number[]>): Memory {
    return this.current ? treeMemory(this.current.pid, children) : { rss: 0, pss: 0, private: 0 };
  }

  info(children?: Map<number, number[]>): ProcessInfo {
    const spec = this.opts.spec;
    const memory = this.memory(children);
    return {
      proc: this.id,
      kind: this.opts.kind,
      pid: this.pid,
      state: this.state,
      tag: this.opts.tag,
      profile: spec.profile,
      project: spec.project,
      argv: spec.argv,
      pty: Boolean(spec.pty),
      started_at: this.startedAt,
      restarts: this.restarts,
      last_seq: this.buffer.lastSeq,
      acked_seq: this.buffer.ackedSeq,
      pss_bytes: memory.pss,
      private_bytes: memory.private,
    };
  }

  private emit(body: RunnerEventBody): RunnerEvent {
    const event = this.buffer.append(body);
    this.opts.onEvent(this);
    return event;
  }

  private finish(body: RunnerEventBody): void {
    this.state = "exited";
    this.current = null;
    this.emit(body);
  }

  private launch(attempt: number): Result<LaunchedProcess> {
    let proc: LaunchedProcess | null = null;
    // A translator may speak first (an agent asks for its state at once): hold that until launch.
    const early: Uint8Array[] = [];
    const stdin = {
      write: (bytes: Uint8Array) => {
        if (proc) return proc.write(bytes);
        early.push(bytes);
        return bytes.byteLength;
      },
      closeStdin: () => proc?.closeStdin(),
    };
    // Only the first launch forks; a restart continues the forked session.
    const agent =
      attempt === 0 ? this.opts.agent : this.opts.agent && { ...this.opts.agent, fork_at: undefined };
    const translator = PROCESS_KIND_IMPLS[this.opts.kind].translator(
      (e) => this.emit(e),
      stdin,
      agent,
      this.opts.spec.project,
    );
    const launched = this.opts.launcher.launch(this.opts.spec, (stream, bytes) =>
      translator.output(stream, bytes),
    );
    if (!launched.ok) return launched;
    proc = launched.value;
    for (const bytes of early.splice(0)) proc.write(bytes);
    this.current = proc;
    this.translator = translator;
    this.state = "running";
    this.lastLaunchAt = Date.now();
    this.emit({ event: "started", pid: proc.pid, attempt });
    proc.finished.then((status) => {
      translator.end(status);
      if (this.translator === translator) this.translator = null;
      this.onExit(status);
    });
    return launched;
  }

  private onExit(status: ExitStatus) {
    this.current = null;
    const crashed = status.signal !== null || status.code !== 0;
    if (Date.now() - this.lastLaunchAt >= STABLE_RUN_MS) this.consecutiveCrashes = 0;
    const policy = this.opts.restart;
    const restart =
      crashed && !this.stopRequested && policy !== null && this.consecutiveCrashes < policy.max_restarts;
    if (!restart) {
      this.opts.log.info("process exited", { proc: this.id, code: status.code, signal: status.signal });
      return this.finish({ event: "exit", ...status, restarting: false });
    }
    const delay = Math.min(policy.initial_delay_ms * 2 ** this.consecutiveCrashes, policy.max_delay_ms);
    this.consecutiveCrashes++;
    this.state = "restarting";
    this.emit({ event: "exit", ...status, restarting: true });
    this.emit({ event: "restart_scheduled", attempt: this.restarts + 1, delay_ms: delay });
    this.opts.log.warn("process crashed, restarting", {
      proc: this.id,
      code: status.code,
      signal: status.signal,
      delay_ms: delay,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts++;
      const relaunched = this.launch(this.restarts);
      if (!relaunched.ok) {
        this.opts.log.error("restart failed", { proc: this.id, error: relaunched.error.message });
        this.finish({ event: "exit", code: null, signal: null, restarting: false });
      }
    }, delay);
  }
}
