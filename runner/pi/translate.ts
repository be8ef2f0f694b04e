import type { AgentEvent, Message, WorkingPhase } from "../../src/protocol/agent.ts";
import { newId } from "../../src/protocol/ids.ts";
import type { DeltaKind, PiLine } from "./framing.ts";
import { contentText, partsFromBlocks, type StreamedBlock, toCanonicalMessage } from "./messages.ts";
import { sessionEvent } from "./session-events.ts";
import { dialogOrNotice } from "./ui-requests.ts";
import { UserMessageAttribution } from "./user-attribution.ts";

/**
 * pi RPC events → canonical agent events. Pure: no I/O, no timers; the clock and id source are
 * injectable. The PiProcess driver feeds it every stdout line and calls `settle()` when its
 * ordering barrier says that nothing else follows an `agent_end`.
 *
 * Rules (PI-RPC.md §3.5): text is rebuilt from deltas (pi's snapshots run ahead and are dropped);
 * `message_end.message` is the final truth; blocks are keyed by `contentIndex`; `agent_end` is not
 * final (auto-retry or compaction may follow in the same tick), so idleness waits for `settle()`.
 */

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const count = (x: unknown): number =>
  typeof x === "number" && x >= 0 && Number.isFinite(x) ? Math.floor(x) : 0;

type Block = StreamedBlock;
interface OpenMessage {
  id: string;
  role: Message["role"];
  clientId?: string;
  blocks: Map<number, Block>;
}

export interface TranslatorOptions {
  now?: () => number;
  newMessageId?: () => string;
}

/** Events that may follow `agent_end` without meaning the agent is idle yet. */
const NEUTRAL_WHILE_SETTLING = new Set([
  "auto_retry_end",
  "queue_update",
  "extension_ui_request",
  "extension_error",
  "session_info_changed",
  "thinking_level_changed",
  "response",
]);

export class PiTranslator {
  private run: "idle" | "running" | "settling" = "idle";
  private phase: WorkingPhase | undefined;
  private open: OpenMessage | undefined;
  private lastError: string | undefined;
  private readonly toolOutput = new Map<string, string>();
  private readonly dialogs = new Set<string>();
  readonly users = new UserMessageAttribution();
  private readonly now: () => number;
  private readonly newMessageId: () => string;

  constructor(
    private readonly emit: (event: AgentEvent) => void,
    opts: TranslatorOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.newMessageId = opts.newMessageId ?? (() => newId("msg"));
  }

  /** True after `agent_end` (or a failed retry / finished compaction) until `settle()` or a new run. */
  get settling(): boolean {
    return this.run === "settling";
  }
  get busy(): boolean {
    return this.run !== "idle";
  }
  /** Dialogs shown and not yet answered. */
  isDialogOpen(id: string): boolean {
    return this.dialogs.has(id);
  }

  feed(line: PiLine): void {
    if (line.kind === "delta") this.delta(line.delta, line.index, line.text);
    else if (line.kind === "json") this.event(line.value);
    else
      this.emit({
        event: "agent.notice",
        kind: "notify",
        level: "warning",
        text: `agent output unreadable (${line.reason})`,
      });
  }

  /** The driver's barrier: everything pi emits in the tick of `agent_end` has been seen. */
  settle(state?: { streaming: boolean; compacting: boolean }): void {
    if (this.run !== "settling" || state?.streaming || state?.compacting) return;
    this.goIdle();
  }

  /** A dialog was answered by a user; false if it is not (or no longer) open. */
  answered(id: string): boolean {
    return this.closeDialog(id, "answered");
  }
  /** The harness resolved a dialog itself after its timeout. */
  expired(id: string): boolean {
    return this.closeDialog(id, "timeout");
  }

  /** pi is gone (crashed, killed, or its stream ended): close everything that was in flight. */
  interrupted(message: string): void {
    if (this.open) this.finishOpenFromDeltas(message);
    for (const callId of this.toolOutput.keys()) {
      this.emit({
        event: "tool.end",
        call_id: callId,
        output: "(interrupted: the agent process ended)",
        is_error: true,
      });
    }
    this.toolOutput.clear();
    for (const id of [...this.dialogs]) this.closeDialog(id, "cancelled");
    this.emit({ event: "agent.error", error: { code: "agent_crashed", message }, recoverable: true });
    this.run = "idle";
    this.phase = undefined;
    this.lastError = undefined;
    this.emit({ event: "agent.idle" });
  }

  // ---------------------------------------------------------------- internals

  private event(e: Obj): void {
    const type = e.type as string;
    this.users.observe(type, e);
    if (this.run === "settling") {
      if (type === "auto_retry_start" || type === "compaction_start") this.run = "running";
      else if (!NEUTRAL_WHILE_SETTLING.has(type)) this.goIdle();
    }
    switch (type) {
      case "agent_start":
        this.run = "running";
        this.setPhase("model");
        return;
      case "agent_end":
        if (this.run === "running") this.run = "settling";
        return;
      case "message_start":
        this.messageStart(e.message);
        return;
      case "message_update":
        this.messageUpdate(e);
        return;
      case "message_end":
        this.messageEnd(e.message);
        return;
      case "tool_execution_start":
        this.toolStart(e);
        return;
      case "tool_execution_update":
        this.toolProgress(e);
        return;
      case "tool_execution_end":
        this.toolEnd(e);
        return;
      case "auto_retry_start":
        this.run = "running";
        this.setPhase("retry");
        break;
      case "auto_retry_end":
        if (e.success !== true && this.run !== "idle") this.run = "settling";
        break;
      case "compaction_start":
        if (this.run === "idle") this.run = "running";
        this.setPhase("compact");
        break;
      case "extension_ui_request": {
        const out = dialogOrNotice(e);
        if (out?.event === "agent.input_needed") this.dialogs.add(out.request.id);
        if (out) this.emit(out);
        return;
      }
    }
    const mapped = sessionEvent(e);
    if (mapped) this.emit(mapped);
    // after compact.end: a retrying compaction goes back to the model, otherwise the run may be over
    if (type === "compaction_end") {
      if (e.willRetry === true) this.setPhase("model");
      else if (this.run !== "idle") this.run = "settling";
    }
  }

  private setPhase(phase: WorkingPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.emit({ event: "agent.working", phase });
  }

  private goIdle(): void {
    this.run = "idle";
    this.phase = undefined;
    if (this.lastError !== undefined) {
      this.emit({
        event: "agent.error",
        error: { code: "agent_failed", message: this.lastError },
        recoverable: true,
      });
      this.lastError = undefined;
    }
    this.emit({ event: "agent.idle" });
  }

  private messageStart(raw: unknown): void {
    const m = isObj(raw) ? raw : {};
    if (this.open) this.finishOpenFromDeltas("message ended without message_end");
    const role = roleOf(m.role);
    const clientId = role === "user" ? this.users.take() : undefined;
    this.open = { id: this.newMessageId(), role, blocks: new Map(), ...(clientId ? { clientId } : {}) };
    if (role === "assistant" && this.run !== "idle") this.setPhase("model");
    this.emit({
      event: "stream.message_start",
      message_id: this.open.id,
      role,
      ...(clientId ? { client_id: clientId } : {}),
    });
  }

  private ensureOpenAssistant(): OpenMessage {
    if (!this.open) this.messageStart({ role: "assistant" });
    return this.open as OpenMessage;
  }

  private delta(kind: DeltaKind, index: number, text: string): void {
    const open = this.ensureOpenAssistant();
    let block = open.blocks.get(index);
    if (!block) {
      block = { kind, text: "" };
      open.blocks.set(index, block);
    }
    if (text.length === 0) return;
    block.text += text;
    if (kind === "text")
      this.emit(
        index === 0
          ? { event: "stream.text_delta", delta: text }
          : { event: "stream.text_delta", part: index, delta: text },
      );
    else if (kind === "thinking")
      this.emit(
        index === 0
          ? { event: "stream.thinking_delta", delta: text }
          : { event: "stream.thinking_delta", part: index, delta: text },
      );
    else this.emit({ event: "stream.tool_call_delta", part: index, delta: text });
  }

  private messageUpdate(e: Obj): void {
    const ame = isObj(e.assistantMessageEvent) ? e.assistantMessageEvent : {};
    const index = count(ame.contentIndex);
    switch (ame.type) {
      case "text_delta":
        this.delta("text", index, str(ame.delta) ?? "");
        return;
      case "thinking_delta":
        this.delta("thinking", index, str(ame.delta) ?? "");
        return;
      case "toolcall_delta":
        this.delta("toolcall", index, str(ame.delta) ?? "");
        return;
      case "toolcall_start": {
        const open = this.ensureOpenAssistant();
        // toolcall_start carries no id/name; the snapshot has them from the first chunk (it may be
        // ahead on arguments, never behind on identity). toolcall_end is authoritative.
        const snap =
          isObj(e.message) && Array.isArray(e.message.content) ? e.message.content[index] : undefined;
        const callId = isObj(snap) ? str(snap.id) || undefined : undefined;
        const name = isObj(snap) ? str(snap.name) || undefined : undefined;
        open.blocks.set(index, {
          kind: "toolcall",
          text: "",
          ...(callId ? { callId } : {}),
          ...(name ? { name } : {}),
        });
        this.emit({
          event: "stream.tool_call_start",
          part: index,
          ...(callId ? { call_id: callId } : {}),
          ...(name ? { name } : {}),
        });
        return;
      }
      case "toolcall_end": {
        const open = this.ensureOpenAssistant();
        const tc = isObj(ame.toolCall) ? ame.toolCall : {};
        const block = open.blocks.get(index) ?? { kind: "toolcall" as const, text: "" };
        block.callId = str(tc.id) ?? block.callId ?? "";
        block.name = str(tc.name) ?? block.name ?? "";
        open.blocks.set(index, block);
        this.emit({
          event: "stream.tool_call_end",
          part: index,
          call_id: block.callId,
          name: block.name,
          args: tc.arguments ?? {},
        });
        return;
      }
      // text_start/_end and thinking_start/_end add nothing that deltas and message_end don't carry.
    }
  }

  private messageEnd(raw: unknown): void {
    const m = isObj(raw) ? raw : {};
    const open = this.open && this.open.role === roleOf(m.role) ? this.open : undefined;
    if (!open && this.open) this.finishOpenFromDeltas("message ended without message_end");
    const id = open?.id ?? this.newMessageId();
    if (!open) this.emit({ event: "stream.message_start", message_id: id, role: roleOf(m.role) });
    this.open = undefined;
    const message = toCanonicalMessage(m, id, this.now(), open?.clientId);
    this.emit({ event: "stream.message_end", message });
    if (message.role === "assistant") {
      this.lastError = message.stop === "error" ? (message.error ?? "the model call failed") : undefined;
      if (message.usage) {
        this.emit({
          event: "usage",
          message_id: id,
          ...(message.model ? { model: message.model } : {}),
          tokens: message.usage.tokens,
          cost: message.usage.cost,
        });
      }
    }
  }

  /** pi died mid-message: keep what streamed so far, marked as an error. */
  private finishOpenFromDeltas(error: string): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    const parts = partsFromBlocks(open.blocks);
    const message: Message = {
      id: open.id,
      role: open.role,
      parts,
      created_at: this.now(),
      stop: "error",
      error,
    };
    if (open.clientId) message.client_id = open.clientId;
    this.emit({ event: "stream.message_end", message });
  }

  private toolStart(e: Obj): void {
    const callId = str(e.toolCallId) ?? "";
    this.toolOutput.set(callId, "");
    this.setPhase("tool");
    this.emit({ event: "tool.start", call_id: callId, name: str(e.toolName) ?? "", args: e.args ?? {} });
  }

  private toolProgress(e: Obj): void {
    const callId = str(e.toolCallId) ?? "";
    const text = contentText(isObj(e.partialResult) ? e.partialResult.content : undefined);
    const before = this.toolOutput.get(callId) ?? "";
    this.toolOutput.set(callId, text);
    if (text.startsWith(before)) {
      if (text.length > before.length)
        this.emit({ event: "tool.progress", call_id: callId, delta: text.slice(before.length) });
    } else {
      // pi keeps a rolling tail of long output: not an extension of what we sent, so replace it.
      this.emit({ event: "tool.progress", call_id: callId, delta: text, replace: true });
    }
  }

  private toolEnd(e: Obj): void {
    const callId = str(e.toolCallId) ?? "";
    this.toolOutput.delete(callId);
    const output = contentText(isObj(e.result) ? e.result.content : undefined);
    this.emit({ event: "tool.end", call_id: callId, output, is_error: e.isError === true });
  }

  private closeDialog(id: string, reason: "answered" | "timeout" | "cancelled"): boolean {
    if (!this.dialogs.delete(id)) return false;
    this.emit({ event: "agent.input_closed", request_id: id, reason });
    return true;
  }
}

const ROLE_MAP: Record<string, Message["role"]> = {
  user: "user",
  assistant: "assistant",
  toolResult: "tool",
};
/** Own keys only: a role of `constructor` (or `__proto__`) must not find Object.prototype's. */
const roleOf = (r: unknown): Message["role"] => {
  const name = str(r) ?? "";
  return Object.hasOwn(ROLE_MAP, name) ? (ROLE_MAP[name] as Message["role"]) : "system";
};
