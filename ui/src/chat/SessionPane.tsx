import { createEffect, createMemo, createResource, createSignal, For, on, onCleanup, Show } from "solid-js";
import { type ImagePart, THINKING_LEVELS, type ThinkingLevel } from "../../../src/protocol/agent.ts";
import type { ModelsResponse } from "../../../src/protocol/llm.ts";
import type { MuxClient } from "../api/mux-client.ts";
import { BrowserAsk } from "../browser/BrowserAsk.tsx";
import { LinkedText } from "../components/LinkedText.tsx";
import { createSessionReview } from "../review/SessionReview.tsx";
import { canWrite, isOwner, useProjectShare } from "../sharing/project-share.ts";
import { Composer } from "./Composer.tsx";
import { sessionUsage } from "./chat-api.ts";
import { explainFailure } from "./chat-errors.ts";
import { type SendKind, startingAgent } from "./chat-state.ts";
import { isFailedAttempt } from "./chat-timeline.ts";
import { InputDialog } from "./InputDialog.tsx";
import { type LiveSession, openLiveSession } from "./live-session.ts";
import { Meters } from "./Meters.tsx";
import type { QueueAction } from "./QueueList.tsx";
import { Timeline } from "./Timeline.tsx";

const PHASE_TEXT = {
  model: "Writing…",
  tool: "Running a tool…",
  compact: "Compacting the conversation…",
  retry: "Waiting to retry…",
} as const;

/** One open conversation: its timeline, what the agent is doing, and the composer. */
export function SessionPane(props: {
  sessionId: string;
  projectId: string;
  mux: MuxClient;
  models: ModelsResponse | undefined;
  initialModel: string | null;
  onTitle: (title: string) => void;
  /** Branch before one of this conversation's user messages; resolves with the refusal, if any. */
  onFork: (messageId: string) => Promise<string | null>;
  /** What the composer starts with (set when this session was just forked). */
  draft?: { text: string; images?: ImagePart[] };
  /** A message to open at (from a notification's link). */
  anchor?: string;
  /** The agent is not known to be running (a sleeping session, or one just created). */
  agentDown?: boolean;
  /** This conversation was just created by its first message: say "Agent ready" once. */
  justStarted?: boolean;
  composerRef: (el: HTMLTextAreaElement) => void;
  registerStop: (stop: () => void) => void;
}) {
  const live: LiveSession = openLiveSession(props.mux, props.sessionId);
  const share = useProjectShare();
  onCleanup(() => live.dispose());
  const s = live.state;
  const [error, setError] = createSignal<string | null>(null);

  createEffect(
    on(
      () => s().title,
      (t) => t && props.onTitle(t),
      { defer: true },
    ),
  );

  // The proxy's accounting, refreshed whenever the agent goes idle.
  const [billed, { refetch }] = createResource(
    () => props.sessionId,
    async (id) => {
      const r = await sessionUsage(id);
      return r.ok ? r.value.totals : null;
    },
  );
  createEffect(
    on(
      () => s().working,
      (w, prev) => prev && !w && void refetch(),
      { defer: true },
    ),
  );

  const model = () => s().model ?? props.initialModel ?? props.models?.default_model ?? "";
  const modelInfo = createMemo(() => props.models?.models.find((m) => m.id === model()));

  const stop = () => void live.abort();
  props.registerStop(stop);

  // "Starting the agent…" while a prompt waits for an agent that is not running yet; then, briefly,
  // "Agent ready". Without a hint from the server, a prompt unanswered for 1.5 s means the same.
  const [agentUp, setAgentUp] = createSignal(!props.agentDown);
  const [slow, setSlow] = createSignal(false);
  const [ready, setReady] = createSignal(props.justStarted === true);
  const starting = () => startingAgent(s(), !agentUp() || slow());
  let slowTimer: ReturnType<typeof setTimeout> | undefined;
  let readyTimer: ReturnType<typeof setTimeout> | undefined = props.justStarted
    ? setTimeout(() => setReady(false), 2500)
    : undefined;
  createEffect(
    on(
      () => s().pending.some((p) => p.kind === "prompt" && p.status === "sending") && !s().working,
      (waiting) => {
        clearTimeout(slowTimer);
        if (waiting) slowTimer = setTimeout(() => setSlow(true), 1500);
        else setSlow(false);
      },
    ),
  );
  createEffect(
    on(starting, (now, before) => {
      if (before && !now && s().working) {
        setAgentUp(true);
        setReady(true);
        clearTimeout(readyTimer);
        readyTimer = setTimeout(() => setReady(false), 2500);
      }
    }),
  );
  createEffect(() => s().working && setAgentUp(true));
  // "Agent ready" is about the start: it goes once the agent has done its first piece of work.
  createEffect(
    on(
      () => s().working,
      (w, prev) => prev && !w && setReady(false),
      { defer: true },
    ),
  );
  onCleanup(() => {
    clearTimeout(slowTimer);
    clearTimeout(readyTimer);
  });

  const onQueue = async (a: QueueAction) => {
    const r =
      a.kind === "edit"
        ? await live.command("queue.edit", { client_id: a.client_id, message: a.text })
        : await live.command(`queue.${a.kind}`, { client_id: a.client_id });
    return r.ok ? null : r.error.message;
  };

  /** The last prompt, sent again after a failed reply. */
  const retryTurn = () => {
    const last = [...s().messages].reverse().find((m) => m.role === "user");
    if (!last) return;
    const text = last.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
    const images = last.parts.flatMap((p) => (p.type === "image" ? [p] : []));
    void send("prompt", text, images);
  };
  const lastFailed = () => {
    const last = s().messages.at(-1);
    return !s().working && !!last && last.role === "assistant" && last.stop === "error";
  };
  // The banner says what the timeline does not: a failed reply already shows there, once.
  const banner = () => {
    const e = s().error;
    if (!e) return error();
    const last = s().messages.at(-1);
    if (e.code === "agent_failed" && last && isFailedAttempt(last)) return error();
    return e.code === "agent_failed" ? explainFailure(e.message).summary : e.message;
  };

  const send = async (kind: SendKind, text: string, images: ImagePart[]) => {
    setError(null);
    const err = await live.send(kind, text, images);
    if (!err) return null;
    if (err.code === "busy")
      return "The agent is busy: interrupt after this step, or queue it for when it's done.";
    return err.message;
  };

  const review = createSessionReview({
    sessionId: () => props.sessionId,
    messages: () => s().messages,
    working: () => s().working !== null,
    fork: (messageId) => fork(messageId),
  });

  let forking = false;
  const fork = async (messageId: string) => {
    if (forking) return;
    forking = true;
    setError(null);
    const err = await props.onFork(messageId);
    forking = false;
    if (err) setError(`Could not fork: ${err}`);
  };

  const pickModel = async (id: string) => {
    const r = await live.command("set_model", { model: id });
    if (!r.ok) setError(`Could not switch model: ${r.error.message}`);
  };
  const pickThinking = async (level: ThinkingLevel) => {
    const r = await live.setThinking(level);
    if (!r.ok) setError(`Could not change thinking: ${r.error.message}`);
  };

  const closedText = () =>
    s().closed === "deleted"
      ? "This conversation was deleted."
      : s().closed
        ? "This conversation is closed."
        : null;

  return (
    <div class="session-pane">
      <div style={{ display: review.showingChanges() ? "none" : "contents" }}>
        <Timeline
          state={s()}
          projectId={props.projectId}
          onRetry={(id) => live.retry(id)}
          onDiscard={(id) => live.discard(id)}
          onFork={canWrite(share()) ? (id) => void fork(id) : undefined}
          onRestore={isOwner(share()) ? review.restore : undefined}
          onRetryTurn={lastFailed() ? retryTurn : undefined}
          anchor={props.anchor}
          onLoadOlder={() => live.loadOlder()}
          empty={
            <div class="chat-empty">
              <h2>What should the agent do?</h2>
              <p class="muted">It works in this project's sandbox. You can follow every command it runs.</p>
            </div>
          }
        />
      </div>
      {review.panel()}
      <div class="chat-status" aria-live="polite">
        <Show
          when={!starting() && s().working}
          fallback={
            <Show
              when={starting()}
              fallback={
                <span class="activity idle">
                  <span class="dot" aria-hidden="true" /> Idle
                </span>
              }
            >
              <span class="activity starting">
                <span class="boot-bar" role="progressbar" aria-label="Starting the agent" /> Starting the
                agent…
              </span>
            </Show>
          }
        >
          {(phase) => (
            <span class="activity working">
              <span class="dot" aria-hidden="true" /> {PHASE_TEXT[phase()]}
            </span>
          )}
        </Show>
        <Show when={ready() && !starting()}>
          <span class="activity ready">
            <span class="dot" aria-hidden="true" /> Agent ready
          </span>
        </Show>
        <Show when={s().retry}>
          {(r) => (
            <span class="warn-text small">
              Retry {r().attempt}/{r().max_attempts} in {Math.round(r().delay_ms / 1000)}s: {r().error}
            </span>
          )}
        </Show>
        <Show when={s().compacting}>
          <span class="muted small">Compacting ({s().compacting})…</span>
        </Show>
        <For each={Object.entries(s().statusSlots)}>
          {([key, text]) => (
            <span class="badge" title={key}>
              {text}
            </span>
          )}
        </For>
        <span class="spacer" />
        <Show when={isOwner(share())}>{review.button()}</Show>
        <Meters
          last={s().usage.last}
          total={s().usage.total}
          contextWindow={modelInfo()?.context_window}
          billed={billed() ?? null}
        />
      </div>
      <Show when={banner()}>
        {(text) => (
          <div class="note error small chat-error" role="alert">
            <LinkedText text={text()} />
          </div>
        )}
      </Show>
      {review.view()}
      <BrowserAsk projectId={props.projectId} sessionId={props.sessionId} mux={props.mux} />
      <Show when={s().accessEnded}>
        <div class="note error small read-only-note" role="alert" data-testid="access-ended">
          You no longer have access to this project: its owner removed you. This view has stopped.
        </div>
      </Show>
      <Show when={!s().accessEnded && !canWrite(share())}>
        <p class="note small read-only-note" role="status" data-testid="read-only">
          You are a viewer of this project: you can read its conversations live, not send messages.
        </p>
      </Show>
      <Show when={canWrite(share()) && !s().accessEnded}>
        <Composer
          working={s().working}
          disabled={closedText()}
          queue={s().queue}
          onSend={send}
          onStop={stop}
          onQueue={onQueue}
          initialText={props.draft?.text}
          initialImages={props.draft?.images}
          ref={props.composerRef}
          projectId={props.projectId}
        >
          <label class="sr-only" for="chat-model">
            Model
          </label>
          <select
            id="chat-model"
            class="picker"
            value={model()}
            onChange={(e) => void pickModel(e.currentTarget.value)}
            title="Model"
          >
            <Show when={model() && !modelInfo()}>
              <option value={model()}>{model()}</option>
            </Show>
            <For each={props.models?.models ?? []}>
              {(m) => (
                <option value={m.id} disabled={!m.available}>
                  {m.name || m.id}
                  {m.available ? "" : " (no key)"}
                </option>
              )}
            </For>
          </select>
          <label class="sr-only" for="chat-thinking">
            Thinking level
          </label>
          <select
            id="chat-thinking"
            class="picker"
            value={s().thinkingLevel ?? "off"}
            onChange={(e) => void pickThinking(e.currentTarget.value as ThinkingLevel)}
            title="Thinking level"
          >
            <For each={THINKING_LEVELS}>{(l) => <option value={l}>Thinking: {l}</option>}</For>
          </select>
        </Composer>
      </Show>
      <For each={s().inputs.slice(0, 1)}>
        {(req) => <InputDialog request={req} onAnswer={(a) => live.answer(req.id, a)} />}
      </For>
      <div class="toasts" aria-live="polite">
        <For each={s().toasts}>
          {(t) => (
            <div class="toast" data-level={t.level} role="status">
              <span>{t.text}</span>
              <button
                type="button"
                class="btn ghost small"
                aria-label="Dismiss"
                onClick={() => live.dismissToast(t.seq)}
              >
                ×
              </button>
            </div>
          )}
        </For>
      </div>
    </div>
  );
}
