import { createEffect, createMemo, createResource, createSignal, For, on, onCleanup, Show } from "solid-js";
import { type ImagePart, THINKING_LEVELS, type ThinkingLevel } from "../../../src/protocol/agent.ts";
import type { ModelsResponse } from "../../../src/protocol/llm.ts";
import type { MuxClient } from "../api/mux-client.ts";
import { Composer } from "./Composer.tsx";
import { sessionUsage } from "./chat-api.ts";
import type { SendKind } from "./chat-state.ts";
import { InputDialog } from "./InputDialog.tsx";
import { type LiveSession, openLiveSession } from "./live-session.ts";
import { Meters } from "./Meters.tsx";
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
  mux: MuxClient;
  models: ModelsResponse | undefined;
  initialModel: string | null;
  onTitle: (title: string) => void;
  /** Branch before one of this conversation's user messages; resolves with the refusal, if any. */
  onFork: (messageId: string) => Promise<string | null>;
  /** Text for the composer to start with (set when this session was just forked). */
  draft?: string;
  composerRef: (el: HTMLTextAreaElement) => void;
  registerStop: (stop: () => void) => void;
}) {
  const live: LiveSession = openLiveSession(props.mux, props.sessionId);
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
      return r.ok ? r.value.totals.cost : null;
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

  const send = async (kind: SendKind, text: string, images: ImagePart[]) => {
    setError(null);
    const err = await live.send(kind, text, images);
    if (!err) return null;
    if (err.code === "busy")
      return "The agent is busy: interrupt after this step, or queue it for when it's done.";
    return err.message;
  };

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
      <Timeline
        state={s()}
        onRetry={(id) => live.retry(id)}
        onDiscard={(id) => live.discard(id)}
        onFork={(id) => void fork(id)}
        empty={
          <div class="chat-empty">
            <h2>What should the agent do?</h2>
            <p class="muted">It works in this project's sandbox. You can follow every command it runs.</p>
          </div>
        }
      />
      <div class="chat-status" aria-live="polite">
        <Show
          when={s().working}
          fallback={
            <span class="activity idle">
              <span class="dot" aria-hidden="true" /> Idle
            </span>
          }
        >
          {(phase) => (
            <span class="activity working">
              <span class="dot" aria-hidden="true" /> {PHASE_TEXT[phase()]}
            </span>
          )}
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
        <Meters
          last={s().usage.last}
          total={s().usage.total}
          contextWindow={modelInfo()?.context_window}
          billed={billed() ?? null}
        />
      </div>
      <Show when={s().error ?? error()}>
        {(e) => (
          <div class="note error small chat-error" role="alert">
            {typeof e() === "string" ? (e() as string) : (e() as { message: string }).message}
          </div>
        )}
      </Show>
      <Composer
        working={s().working}
        disabled={closedText()}
        queue={s().queue}
        onSend={send}
        onStop={stop}
        initialText={props.draft}
        ref={props.composerRef}
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
