import type {
  AgentCommand,
  AgentEvent,
  AgentState,
  ImagePart,
  Message,
  ThinkingLevel,
} from "../../src/protocol/agent.ts";
import { type ErrorBody, fail, ok, type Result } from "../../src/protocol/errors.ts";
import { newId } from "../../src/protocol/ids.ts";
import { HeldQueue } from "./held-queue.ts";
import { toCanonicalMessage } from "./messages.ts";
import { modelRef, toAgentState } from "./pi-state.ts";
import { type PiIo, type PiResult, RpcChannel } from "./rpc-channel.ts";
import { PiTranslator, type TranslatorOptions } from "./translate.ts";

/**
 * Drives one `pi --mode rpc` process: canonical commands in, canonical events out.
 *
 * - Every canonical event goes to `onEvent`, synchronously, in pi's stdout order.
 * - Idleness: after `agent_end` (and other maybe-final events) a `get_state` barrier is sent; pi
 *   emits auto-retry/compaction starts in the same tick as `agent_end`, so by the time the barrier's
 *   response arrives, either they have been seen or the agent is truly idle.
 * - new/switch/fork emit no pi event: the driver re-reads `get_state` and emits `session.state`.
 * - Follow-ups are held here, not in pi (see held-queue.ts): sent as a prompt when pi goes idle (that
 *   idle is not reported: the next run follows at once), removable, editable, and cleared by abort.
 * - pi exiting unexpectedly (or mid-turn) closes everything in flight and emits
 *   `agent.error{code:"agent_crashed", recoverable:true}` then `agent.idle`.
 */

export interface UserInput {
  message: string;
  client_id: string;
  images?: ImagePart[];
}
export type InputAnswer = { request_id: string } & (
  | { value: string }
  | { confirmed: boolean }
  | { cancelled: true }
);
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** true when `close()` asked for it */
  expected: boolean;
}
export interface PiProcessOptions extends TranslatorOptions {
  onEvent: (event: AgentEvent) => void;
  onExit?: (info: ExitInfo) => void;
}

export class PiProcess {
  private readonly translator: PiTranslator;
  private readonly channel: RpcChannel;
  private readonly dialogTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private barrierInFlight = false;
  private closing = false;
  private gone = false;
  private readonly held = new HeldQueue();
  /** Our ids of the user messages on pi's active branch, in order: fork points. */
  private userMessages: string[] = [];
  readonly exited: Promise<ExitInfo>;

  constructor(
    private readonly io: PiIo,
    private readonly opts: PiProcessOptions,
  ) {
    this.translator = new PiTranslator((e) => this.forward(e), opts);
    this.channel = new RpcChannel(io, {
      onLine: (line) => {
        this.translator.feed(line);
        if (this.translator.settling) this.barrier();
      },
      onEnd: (tail) => {
        if (tail !== undefined) this.forward(notice(`agent output cut off mid-line (${tail.length} chars)`));
      },
    });
    this.exited = Promise.all([io.exited, this.channel.done]).then(([exit]) => this.onExit(exit));
  }

  /** Wait for pi to answer; resolves with its state (and emits `session.state`). */
  ready(): Promise<Result<AgentState>> {
    return this.refreshState();
  }

  /** True while a run (or its retry/compaction tail) is in progress, as far as events tell. */
  get busy(): boolean {
    return this.translator.busy;
  }

  /** Dispatch a canonical command addressed to this agent. Server-level commands are refused. */
  handle(c: AgentCommand): Promise<Result<unknown>> {
    switch (c.cmd) {
      case "prompt":
        return this.prompt(c);
      case "steer":
      case "follow_up":
        return this.queue(c.cmd, c);
      case "abort":
        return this.abort();
      case "queue.remove":
        return Promise.resolve(this.removeQueued(c.client_id));
      case "queue.edit":
        return Promise.resolve(this.editQueued(c.client_id, c.message));
      case "queue.send_now":
        return this.sendQueuedNow(c.client_id);
      case "input_response":
        return Promise.resolve(this.respond(c as InputAnswer));
      case "get_state":
        return this.getState();
      case "get_messages":
        return this.getMessages();
      case "set_model":
        return this.setModel(c.model);
      case "set_thinking_level":
        return this.setThinkingLevel(c.level);
      case "compact":
        return this.compact(c.instructions);
      case "set_session_name":
        return this.setSessionName(c.name);
      case "fork":
        return this.fork(c.message_id);
      default:
        return Promise.resolve(
          fail("unknown_command", `${c.cmd} is handled by the session layer, not the agent`),
        );
    }
  }

  /** Fails with `busy` while the agent works (pi's rule): use steer/follow_up then. */
  async prompt(input: UserInput): Promise<Result<void>> {
    this.translator.users.expectPrompt(input.client_id);
    const r = await this.channel.request({
      type: "prompt",
      message: input.message,
      ...piImages(input.images),
    });
    if (!r.ok) this.translator.users.forget(input.client_id);
    return unit(r);
  }

  /**
   * Steering goes to pi's queue (due at its next turn boundary); a follow-up waits in the runner until
   * pi is idle. While pi is idle either one is simply a prompt (pi would park a steer until the next run).
   */
  async queue(kind: "steer" | "follow_up", input: UserInput): Promise<Result<void>> {
    if (!this.busy) {
      const r = await this.prompt(input);
      if (r.ok || r.error.code !== "busy") return r;
    }
    if (kind === "follow_up") {
      this.held.add({
        client_id: input.client_id,
        text: input.message,
        ...(input.images?.length ? { images: input.images } : {}),
      });
      this.opts.onEvent(this.held.event());
      return ok(undefined);
    }
    this.translator.users.expectQueued(kind, input.client_id);
    const r = await this.channel.request({ type: kind, message: input.message, ...piImages(input.images) });
    if (!r.ok) this.translator.users.forget(input.client_id);
    return unit(r);
  }

  /**
   * Stop the run and empty the queue. Held follow-ups are dropped here; steering already in pi's queue
   * (which `abort` keeps) is dropped by reloading pi's session from its file, which starts pi's agent
   * afresh with the same history.
   */
  async abort(): Promise<Result<void>> {
    const hadHeld = this.held.length > 0;
    this.held.clear();
    if (hadHeld) this.opts.onEvent(this.held.event());
    const r = await this.channel.request({ type: "abort" });
    if (this.held.hasPiSteering) await this.dropPiSteering();
    return unit(r);
  }

  removeQueued(clientId: string): Result<void> {
    if (!this.held.take(clientId)) return notQueued();
    this.opts.onEvent(this.held.event());
    return ok(undefined);
  }

  editQueued(clientId: string, message: string): Result<void> {
    if (!this.held.edit(clientId, message)) return notQueued();
    this.opts.onEvent(this.held.event());
    return ok(undefined);
  }

  /** Deliver a held follow-up now, as steering (or as a prompt if the agent has just stopped). */
  async sendQueuedNow(clientId: string): Promise<Result<void>> {
    const m = this.held.take(clientId);
    if (!m) return notQueued();
    this.opts.onEvent(this.held.event());
    return this.queue("steer", { message: m.text, client_id: m.client_id, images: m.images });
  }

  /** Answer a dialog (`agent.input_needed`). pi sends no response to this. */
  respond(answer: InputAnswer): Result<void> {
    const { request_id, ...rest } = answer;
    if (!this.translator.isDialogOpen(request_id)) return fail("not_found", `no open dialog ${request_id}`);
    const reply =
      "value" in rest
        ? { value: rest.value }
        : "confirmed" in rest
          ? { confirmed: rest.confirmed }
          : { cancelled: true };
    if (!this.channel.send({ type: "extension_ui_response", id: request_id, ...reply })) {
      return fail("agent_crashed", "the agent process is gone");
    }
    this.clearDialogTimer(request_id);
    this.translator.answered(request_id);
    return ok(undefined);
  }

  async getState(): Promise<Result<AgentState>> {
    const r = await this.channel.request({ type: "get_state" });
    return r.ok ? ok(toAgentState(r.data)) : r;
  }

  /** pi's history, converted. Ids are minted here: the server's store, not pi, owns message identity. */
  async getMessages(): Promise<Result<Message[]>> {
    const r = await this.channel.request({ type: "get_messages" });
    if (!r.ok) return r;
    const list = (r.data as { messages?: unknown[] } | undefined)?.messages;
    const mint = this.opts.newMessageId ?? (() => newId("msg"));
    const now = (this.opts.now ?? Date.now)();
    return ok((Array.isArray(list) ? list : []).map((m) => toCanonicalMessage(m, mint(), now)));
  }

  async setModel(ref: string): Promise<Result<AgentState>> {
    const slash = ref.indexOf("/");
    if (slash <= 0) return fail("validation_failed", "expected a model as provider/model-id");
    const r = await this.channel.request({
      type: "set_model",
      provider: ref.slice(0, slash),
      modelId: ref.slice(slash + 1),
    });
    if (!r.ok) return r;
    this.forward({ event: "config.model_changed", model: modelRef(r.data) ?? ref });
    return this.refreshState();
  }

  async setThinkingLevel(level: ThinkingLevel): Promise<Result<void>> {
    return unit(await this.channel.request({ type: "set_thinking_level", level }));
  }

  async compact(instructions?: string): Promise<Result<{ summary: string; tokens_before: number }>> {
    const r = await this.channel.request({
      type: "compact",
      ...(instructions ? { customInstructions: instructions } : {}),
    });
    if (!r.ok) return r;
    const d = (r.data ?? {}) as { summary?: unknown; tokensBefore?: unknown };
    return ok({
      summary: typeof d.summary === "string" ? d.summary : "",
      tokens_before: typeof d.tokensBefore === "number" ? d.tokensBefore : 0,
    });
  }

  async setSessionName(name: string): Promise<Result<void>> {
    return unit(await this.channel.request({ type: "set_session_name", name }));
  }

  /**
   * Branch before one of this session's user messages. pi names fork points by its own entry ids;
   * both lists are "user messages on the active branch, in order", so a length mismatch (history
   * not seen by this process) refuses rather than guesses.
   */
  async fork(messageId: string): Promise<Result<{ text: string; state: AgentState }>> {
    const index = this.userMessages.indexOf(messageId);
    if (index === -1) return fail("not_found", "no such user message in this agent's history");
    return this.forkAt(index, this.userMessages.length);
  }

  /**
   * Branch before the `index`-th user message (0-based) of the active branch. The session layer
   * uses this on a copy of another session's pi files, where it knows the index from its history.
   */
  async forkAt(index: number, expectedCount?: number): Promise<Result<{ text: string; state: AgentState }>> {
    const points = await this.channel.request({ type: "get_fork_messages" });
    if (!points.ok) return points;
    const list = (points.data as { messages?: { entryId?: unknown }[] } | undefined)?.messages ?? [];
    const entryId = list[index]?.entryId;
    if ((expectedCount !== undefined && list.length !== expectedCount) || typeof entryId !== "string") {
      return fail("conflict", "this agent's history does not match; cannot fork here");
    }
    const r = await this.channel.request({ type: "fork", entryId });
    if (!r.ok) return r;
    const data = (r.data ?? {}) as { text?: unknown; cancelled?: unknown };
    if (data.cancelled === true) return fail("conflict", "an extension cancelled the fork");
    this.userMessages = this.userMessages.slice(0, index);
    const state = await this.refreshState();
    return state.ok
      ? ok({ text: typeof data.text === "string" ? data.text : "", state: state.value })
      : state;
  }

  /** Start a fresh pi session in this process (pi emits no event: state is re-read). */
  async newSession(): Promise<Result<AgentState>> {
    return this.afterSwitch(await this.channel.request({ type: "new_session" }));
  }

  /** Resume a pi session file (a missing path starts a new session there, as pi does). */
  async switchSession(path: string): Promise<Result<AgentState>> {
    return this.afterSwitch(await this.channel.request({ type: "switch_session", sessionPath: path }));
  }

  /** Close stdin and wait for pi to exit; kill it if it lingers past `graceMs`. */
  async close(graceMs = 3000): Promise<ExitInfo> {
    this.closing = true;
    this.io.end();
    const timer = setTimeout(() => this.io.kill("SIGKILL"), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }

  // ---------------------------------------------------------------- internals

  private forward(e: AgentEvent): void {
    if (e.event === "agent.input_needed" && e.request.timeout_ms !== undefined) {
      const id = e.request.id;
      this.dialogTimers.set(
        id,
        setTimeout(() => {
          this.dialogTimers.delete(id);
          this.translator.expired(id);
        }, e.request.timeout_ms),
      );
    } else if (e.event === "stream.message_end" && e.message.role === "user") {
      this.userMessages.push(e.message.id);
    } else if (e.event === "agent.queue") {
      this.held.piSteering(e.steering, this.translator.users.waitingSteering());
      e = this.held.event();
    } else if (e.event === "agent.idle" && this.held.length > 0 && !this.closing && !this.gone) {
      this.runNextHeld();
      return;
    }
    this.opts.onEvent(e);
  }

  /** pi went idle with follow-ups waiting: the oldest runs now, as a prompt. */
  private runNextHeld(): void {
    const m = this.held.next();
    if (!m) return;
    this.opts.onEvent(this.held.event());
    void this.prompt({ message: m.text, client_id: m.client_id, images: m.images }).then((r) => {
      if (r.ok) return;
      this.forward(notice(`a queued message could not be sent: ${r.error.message}`));
      if (!this.busy) this.forward({ event: "agent.idle" });
    });
  }

  private async dropPiSteering(): Promise<void> {
    const state = await this.getState();
    const file = state.ok ? state.value.harness_session.file : undefined;
    const r = file
      ? await this.channel.request({ type: "switch_session", sessionPath: file })
      : fail("agent_failed", "this agent keeps no session file");
    if (!r.ok) {
      this.forward(notice(`steering messages could not be withdrawn: ${r.error.message}`));
      return;
    }
    this.translator.users.clearQueues();
    this.held.piSteering([], []);
    this.opts.onEvent(this.held.event());
  }

  private barrier(): void {
    if (this.barrierInFlight) return;
    this.barrierInFlight = true;
    void this.channel.request({ type: "get_state" }).then((r) => {
      this.barrierInFlight = false;
      if (!r.ok) return;
      const s = toAgentState(r.data);
      this.translator.settle(s);
      // pi still said streaming (its agent_end listeners had not settled when it answered): no
      // event is due that would ask again, so ask again shortly, or the turn would never end.
      if (this.translator.settling && !this.gone && !this.closing)
        setTimeout(() => {
          if (this.translator.settling && !this.gone) this.barrier();
        }, BARRIER_RETRY_MS);
    });
  }

  private async refreshState(): Promise<Result<AgentState>> {
    const r = await this.getState();
    if (r.ok) this.forward({ event: "session.state", state: r.value });
    return r;
  }

  private async afterSwitch(r: PiResult): Promise<Result<AgentState>> {
    if (!r.ok) return r;
    if ((r.data as { cancelled?: unknown } | undefined)?.cancelled === true) {
      return fail("conflict", "an extension cancelled the session switch");
    }
    this.userMessages = [];
    return this.refreshState();
  }

  private clearDialogTimer(id: string): void {
    const t = this.dialogTimers.get(id);
    if (t) clearTimeout(t);
    this.dialogTimers.delete(id);
  }

  private onExit(exit: { code: number | null; signal: string | null }): ExitInfo {
    this.gone = true;
    if (this.held.length > 0) {
      this.held.clear();
      this.opts.onEvent(this.held.event());
    }
    for (const id of [...this.dialogTimers.keys()]) this.clearDialogTimer(id);
    const info: ExitInfo = { ...exit, expected: this.closing };
    if (!this.closing || this.translator.busy) {
      const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
      this.translator.interrupted(`the agent process exited (${how})${this.closing ? " while closing" : ""}`);
    }
    this.opts.onExit?.(info);
    return info;
  }
}

/** How soon a barrier that found pi still streaming after `agent_end` asks again. */
const BARRIER_RETRY_MS = 50;

const unit = (r: PiResult): Result<void> =>
  r.ok ? ok(undefined) : { ok: false, error: r.error as ErrorBody };
const piImages = (images?: ImagePart[]) =>
  images?.length ? { images: images.map((i) => ({ type: "image", data: i.data, mimeType: i.mime })) } : {};
const notQueued = () => fail("not_found", "no such queued message (it may have been sent already)");
const notice = (text: string): AgentEvent => ({
  event: "agent.notice",
  kind: "notify",
  level: "warning",
  text,
});
