import ArrowLeft from "lucide-solid/icons/arrow-left";
import FileDiff from "lucide-solid/icons/file-diff";
import Undo2 from "lucide-solid/icons/undo-2";
import { createSignal, For, type JSX, lazy, Show, Suspense } from "solid-js";
import type { Message } from "../../../src/protocol/agent.ts";
import type { RestoreResult } from "../../../src/protocol/review.ts";
import { Modal } from "../components/Modal.tsx";
import { STATUS_LABEL } from "./diff-model.ts";
import { restoreBefore, restoreCheckpoint } from "./review-api.ts";
import "./review.css";

const ChangesView = lazy(() => import("./ChangesView.tsx"));

const firstLine = (m: Message) =>
  (m.parts.find((p) => p.type === "text") as { text?: string } | undefined)?.text
    ?.split("\n")[0]
    ?.slice(0, 60) ?? "(image)";

/**
 * A conversation's review: its Changes (a dialog), "Restore files to before this message" with a
 * preview that names the person's own edits it would overwrite, and an undo of the restore.
 */
export function createSessionReview(props: {
  sessionId: () => string;
  messages: () => readonly Message[];
  working: () => boolean;
  /** "Fork from here": with a restore, the new conversation starts from the files of that moment. */
  fork?: (messageId: string) => Promise<void>;
}) {
  const [target, setTarget] = createSignal<string | null>(null);
  const [preview, setPreview] = createSignal<RestoreResult | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [undo, setUndo] = createSignal<string | null>(null);
  const [changesOpen, setChangesOpen] = createSignal(false);

  const open = async (messageId: string) => {
    setTarget(messageId);
    setPreview(null);
    setError(null);
    const r = await restoreBefore(props.sessionId(), messageId, { preview: true });
    if (target() !== messageId) return;
    if (!r.ok)
      setError(
        r.error.code === "no_checkpoint"
          ? "There is no checkpoint from before this message."
          : r.error.message,
      );
    else setPreview(r.value);
  };
  const confirm = async (thenFork = false) => {
    const id = target();
    if (!id) return;
    setBusy(true);
    const r = await restoreBefore(props.sessionId(), id, { stop_agents: props.working() });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setTarget(null);
    setUndo(r.value.checkpoint?.id ?? null);
    if (thenFork) await props.fork?.(id);
  };
  const doUndo = async () => {
    const cp = undo();
    if (!cp) return;
    const r = await restoreCheckpoint({ kind: "session", id: props.sessionId() }, cp);
    if (!r.ok) return setError(`Could not undo: ${r.error.message}`);
    setUndo(null);
  };
  const turns = () =>
    props
      .messages()
      .filter((m) => m.role === "user")
      .map((m) => ({ id: m.id, label: firstLine(m) }));

  const button = (): JSX.Element => (
    <button
      type="button"
      class="btn ghost small"
      aria-pressed={changesOpen()}
      onClick={() => setChangesOpen((o) => !o)}
      title="What this conversation changed"
    >
      <FileDiff size={14} aria-hidden="true" /> Changes
    </button>
  );

  /** The Changes view, shown in place of the timeline (which stays mounted, scroll kept). */
  const panel = (): JSX.Element => (
    <Show when={changesOpen()}>
      <section class="changes-panel" aria-label="Changes in this conversation">
        <div class="row">
          <h2 class="changes-title">Changes in this conversation</h2>
          <span class="spacer" />
          <button type="button" class="btn small" onClick={() => setChangesOpen(false)}>
            <ArrowLeft size={14} aria-hidden="true" /> Back to the conversation
          </button>
        </div>
        <Suspense fallback={<p class="muted">Loading…</p>}>
          <ChangesView source={{ kind: "session", id: props.sessionId() }} turns={turns()} />
        </Suspense>
      </section>
    </Show>
  );

  const view = (): JSX.Element => (
    <>
      <Show when={undo()}>
        <div class="note ok row small restore-undo" role="status">
          <span>Files restored to before your message.</span>
          <span class="spacer" />
          <button type="button" class="btn small" onClick={() => void doUndo()}>
            <Undo2 size={14} aria-hidden="true" /> Undo restore
          </button>
          <button type="button" class="btn ghost small" aria-label="Dismiss" onClick={() => setUndo(null)}>
            ×
          </button>
        </div>
      </Show>
      <Show when={!target() && error()}>
        {(m) => (
          <div class="note error small" role="alert">
            {m()}
          </div>
        )}
      </Show>
      <Modal
        open={target() !== null}
        onOpenChange={(o) => !o && setTarget(null)}
        title="Restore files to before this message?"
      >
        <div class="stack">
          <Show when={error()}>
            {(m) => (
              <div class="note error" role="alert">
                {m()}
              </div>
            )}
          </Show>
          <Show when={!preview() && !error()}>
            <p class="muted">Checking what would change…</p>
          </Show>
          <Show when={preview()}>
            {(p) => (
              <>
                <Show
                  when={p().files.length > 0}
                  fallback={<p>The files are already as they were then: nothing to restore.</p>}
                >
                  <p>
                    {p().files.length} {p().files.length === 1 ? "file goes" : "files go"} back to how they
                    were when you sent this message. You can undo this.
                  </p>
                  <ul class="restore-files" aria-label="Files that change">
                    <For each={p().files}>
                      {(f) => (
                        <li>
                          <span class={`status-badge ${f.status}`}>{STATUS_LABEL[f.status]}</span>{" "}
                          <span class="mono">{f.path}</span>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
                <Show when={p().overwrites.length > 0}>
                  <div class="note warn" role="alert">
                    <strong>Your edits will be overwritten.</strong> These files changed after the agent's
                    last turn:
                    <ul class="restore-files" aria-label="Edits that would be overwritten">
                      <For each={p().overwrites}>{(path) => <li class="mono">{path}</li>}</For>
                    </ul>
                  </div>
                </Show>
                <Show when={props.working()}>
                  <p class="warn-text small">The agent is working: it will be stopped first.</p>
                </Show>
              </>
            )}
          </Show>
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={() => setTarget(null)}>
              Cancel
            </button>
            <Show when={props.fork}>
              <button
                type="button"
                class="btn"
                disabled={busy() || !preview()}
                title="Restore the files, then start a new conversation from before this message"
                onClick={() => void confirm(true)}
              >
                Restore and fork from here
              </button>
            </Show>
            <button
              type="button"
              class="btn primary"
              disabled={busy() || !preview() || preview()?.files.length === 0}
              onClick={() => void confirm()}
            >
              {props.working() ? "Stop the agent and restore" : "Restore files"}
            </button>
          </div>
        </div>
      </Modal>
    </>
  );

  return {
    restore: (messageId: string) => void open(messageId),
    button,
    view,
    panel,
    showingChanges: changesOpen,
  };
}
