import RefreshCw from "lucide-solid/icons/refresh-cw";
import Undo2 from "lucide-solid/icons/undo-2";
import { createEffect, createResource, createSignal, For, on, Show } from "solid-js";
import { DiffView } from "./DiffView.tsx";
import { STATUS_LABEL } from "./diff-model.ts";
import { InlineConfirm } from "./InlineConfirm.tsx";
import {
  type ChangedFile,
  type ChangesSource,
  discard,
  listChanges,
  restoreCheckpoint,
} from "./review-api.ts";
import "./review.css";

/**
 * The Changes view: which files changed (a conversation since it started, or one of its turns; a
 * project against git's HEAD or its last checkpoint), each file's diff, and discarding a file or a
 * hunk — confirmed first, undoable after (the server checkpoints before it discards).
 */
export default function ChangesView(props: {
  source: ChangesSource;
  /** A conversation's turns (its user messages), to narrow the list to one. */
  turns?: { id: string; label: string }[];
  /** Bumped by whoever changed the files outside this view (the Git panel): the list reloads. */
  refresh?: number;
}) {
  const [turn, setTurn] = createSignal<string>("");
  const source = (): ChangesSource =>
    props.source.kind === "session" && turn() ? { ...props.source, messageId: turn() } : props.source;
  const [list, { refetch }] = createResource(
    () => ({ source: source(), refresh: props.refresh ?? 0 }),
    (k) => listChanges(k.source),
  );
  const [selected, setSelected] = createSignal<string | null>(null);
  const [mode, setMode] = createSignal<"unified" | "split">(
    typeof window !== "undefined" && window.innerWidth < 700 ? "unified" : "split",
  );
  const [undo, setUndo] = createSignal<{ text: string; checkpoint: string } | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [version, setVersion] = createSignal(0);
  createEffect(
    on(
      () => props.refresh,
      () => setVersion((n) => n + 1),
      { defer: true },
    ),
  );

  const files = (): ChangedFile[] => {
    const r = list();
    return r?.ok ? r.value.files : [];
  };
  const current = () => files().find((f) => f.path === selected());
  createEffect(
    on(files, (fs) => {
      if (!fs.some((f) => f.path === selected())) setSelected(fs[0]?.path ?? null);
    }),
  );
  const reload = () => {
    setVersion((n) => n + 1);
    void refetch();
  };

  const doDiscard = async (
    path: string,
    hunk?: { index: number; header: string },
  ): Promise<string | null> => {
    const r = await discard(source(), path, hunk);
    if (!r.ok) return r.error.message;
    setUndo({
      text: hunk ? `Discarded one change in ${path}.` : `Discarded the changes to ${path}.`,
      checkpoint: r.value.checkpoint.id,
    });
    reload();
    return null;
  };
  const doUndo = async () => {
    const u = undo();
    if (!u) return;
    const r = await restoreCheckpoint(props.source, u.checkpoint);
    if (!r.ok) return setError(`Could not undo: ${r.error.message}`);
    setUndo(null);
    reload();
  };

  return (
    <div class="changes-view">
      <div class="row changes-toolbar">
        <Show when={props.source.kind === "session" && props.turns && props.turns.length > 0}>
          <label class="row small">
            <span class="muted">Show</span>
            <select
              aria-label="Which changes"
              value={turn()}
              onChange={(e) => setTurn(e.currentTarget.value)}
            >
              <option value="">Since the conversation started</option>
              <For each={props.turns}>{(t) => <option value={t.id}>Turn: {t.label}</option>}</For>
            </select>
          </label>
        </Show>
        <Show when={list()?.ok && list()}>
          {(r) => (
            <span class="muted small">
              {r().ok && (r() as { value: { git?: boolean } }).value.git
                ? "Against the last commit (git HEAD)"
                : props.source.kind === "project"
                  ? "Since the last checkpoint"
                  : ""}
            </span>
          )}
        </Show>
        <span class="spacer" />
        <fieldset class="row" aria-label="Diff layout">
          <button
            type="button"
            class="btn small"
            aria-pressed={mode() === "unified"}
            onClick={() => setMode("unified")}
          >
            Unified
          </button>
          <button
            type="button"
            class="btn small"
            aria-pressed={mode() === "split"}
            onClick={() => setMode("split")}
          >
            Side by side
          </button>
        </fieldset>
        <button type="button" class="btn ghost icon small" aria-label="Refresh" onClick={reload}>
          <RefreshCw size={16} />
        </button>
      </div>
      <Show when={undo()}>
        {(u) => (
          <div class="note ok row" role="status">
            <span>{u().text}</span>
            <span class="spacer" />
            <button type="button" class="btn small" onClick={() => void doUndo()}>
              <Undo2 size={14} aria-hidden="true" /> Undo
            </button>
          </div>
        )}
      </Show>
      <Show when={error()}>
        {(m) => (
          <div class="note error" role="alert">
            {m()}
          </div>
        )}
      </Show>
      <Show when={list() && !list()?.ok && list()}>
        {(r) => (
          <div class="note" role="status">
            {!r().ok && (r() as { error: { code: string; message: string } }).error.code === "no_checkpoint"
              ? "Nothing to compare yet: a checkpoint is taken before each message you send."
              : (r() as { error: { message: string } }).error.message}
          </div>
        )}
      </Show>
      <Show when={list()?.ok && files().length === 0}>
        <p class="muted">No changes.</p>
      </Show>
      <Show when={files().length > 0}>
        <div class="changes-body">
          <ul class="changes-files" aria-label="Changed files">
            <For each={files()}>
              {(f) => (
                <li>
                  <button
                    type="button"
                    class="changes-file"
                    aria-current={f.path === selected() ? "true" : undefined}
                    onClick={() => setSelected(f.path)}
                  >
                    <span class={`status-badge ${f.status}`} title={f.status}>
                      {STATUS_LABEL[f.status]}
                    </span>
                    <span class="path mono" title={f.old_path ? `${f.old_path} → ${f.path}` : f.path}>
                      {f.path}
                    </span>
                    <Show
                      when={f.binary}
                      fallback={
                        <span class="counts small">
                          <span class="plus">+{f.added}</span> <span class="minus">−{f.removed}</span>
                        </span>
                      }
                    >
                      <span class="badge small">binary</span>
                    </Show>
                  </button>
                </li>
              )}
            </For>
          </ul>
          <Show when={current()}>
            {(f) => (
              <section class="changes-diff" aria-label={`Diff of ${f().path}`}>
                <div class="row changes-diff-head">
                  <span class="mono">
                    {f().old_path ? `${f().old_path} → ` : ""}
                    {f().path}
                  </span>
                  <Show when={f().kind === "link"}>
                    <span class="badge small">symlink</span>
                  </Show>
                  <span class="spacer" />
                  <InlineConfirm
                    label={
                      <>
                        <Undo2 size={14} aria-hidden="true" /> Discard file
                      </>
                    }
                    ariaLabel={`Discard the changes to ${f().path}`}
                    question="Discard all changes to this file?"
                    confirmLabel="Discard file"
                    onConfirm={() => doDiscard(f().path)}
                  />
                </div>
                <Show keyed when={`${f().path}#${version()}`}>
                  <DiffView
                    source={source()}
                    file={f()}
                    mode={mode()}
                    onDiscardHunk={(index, header) => doDiscard(f().path, { index, header })}
                  />
                </Show>
              </section>
            )}
          </Show>
        </div>
      </Show>
    </div>
  );
}
