import Download from "lucide-solid/icons/download";
import Eye from "lucide-solid/icons/eye";
import Pencil from "lucide-solid/icons/pencil";
import Save from "lucide-solid/icons/save";
import { createEffect, createSignal, type JSX, Match, on, Show, Switch } from "solid-js";
import { CodeEditor } from "./CodeEditor.tsx";
import { ConflictDialog } from "./dialogs.tsx";
import type { FilesApi, ReadResult } from "./files-api.ts";
import type { FilesModel } from "./files-model.ts";
import { ImagePreview, MarkdownPreview } from "./Preview.tsx";
import { baseName, formatSize, imageTypeOf, isMarkdown, languageOf } from "./paths.ts";
import "./file-view.css";

type Loaded =
  | { kind: "text"; content: string; etag: string }
  | { kind: "image"; base64: string; type: string; size: number }
  | { kind: "binary"; size: number }
  | { kind: "error"; code: string; message: string };

function classify(r: ReadResult): Loaded {
  const image = imageTypeOf(r.name);
  if (image) {
    const base64 = r.encoding === "base64" ? r.content : btoa(unescape(encodeURIComponent(r.content)));
    return { kind: "image", base64, type: image, size: r.size };
  }
  if (r.encoding === "base64") return { kind: "binary", size: r.size };
  return { kind: "text", content: r.content, etag: r.etag };
}

/**
 * One open file: highlighted and editable (text), rendered (markdown, images), or offered for
 * download. Saving sends the etag that was read; if the file changed meanwhile the server says
 * `conflict` and the person chooses between both versions. Changes on disk are followed live:
 * a clean buffer reloads by itself, an edited one is told and can compare.
 */
export function FilePane(props: {
  api: FilesApi;
  model: FilesModel;
  path: string;
  actions: JSX.Element;
  /** A viewer of a shared project (decision 0030): read, never edit or save. */
  readOnly?: boolean;
}) {
  const [loaded, setLoaded] = createSignal<Loaded | null>(null);
  const [draft, setDraft] = createSignal("");
  const [saving, setSaving] = createSignal(false);
  const [status, setStatus] = createSignal<{ kind: "ok" | "warn" | "error"; text: string } | null>(null);
  const [changedOnDisk, setChangedOnDisk] = createSignal<"changed" | "deleted" | null>(null);
  const [conflict, setConflict] = createSignal<{ theirs: string | null; etag: string | null } | null>(null);
  const [mode, setMode] = createSignal<"edit" | "preview">("edit");

  const text = () => {
    const l = loaded();
    return l?.kind === "text" ? l : null;
  };
  const dirty = () => {
    const t = text();
    return !!t && draft() !== t.content;
  };

  const load = async (quiet = false) => {
    const r = await props.api.read(props.path);
    if (!r.ok) {
      if (quiet && r.error.code === "not_found") return setChangedOnDisk("deleted");
      return setLoaded({ kind: "error", code: r.error.code, message: r.error.message });
    }
    const next = classify(r.value);
    const current = text();
    if (quiet && current && next.kind === "text" && next.etag === current.etag) return;
    setLoaded(next);
    if (next.kind === "text") setDraft(next.content);
    setChangedOnDisk(null);
    if (quiet) setStatus({ kind: "ok", text: "Updated from disk." });
  };

  createEffect(
    on(
      () => props.path,
      () => {
        setLoaded(null);
        setStatus(null);
        setChangedOnDisk(null);
        setMode(isMarkdown(props.path) ? "preview" : "edit");
        void load();
      },
    ),
  );

  // Follow the watch: this file (or everything, after an overflow) may have changed.
  createEffect(
    on(
      props.model.lastChange,
      (e) => {
        if (!e) return;
        const mine = e.changes.find((c) => c.path === props.path);
        if (!mine && !e.overflow) return;
        if (mine?.kind === "deleted") return setChangedOnDisk("deleted");
        if (dirty()) setChangedOnDisk("changed");
        else void load(true);
      },
      { defer: true },
    ),
  );

  const save = async (force = false) => {
    const t = text();
    if (!t || saving()) return;
    setSaving(true);
    setStatus(null);
    const content = draft();
    const c = conflict();
    const ifMatch = force ? (c?.etag ?? null) : changedOnDisk() === "deleted" ? null : t.etag;
    const r = await props.api.write(props.path, content, ifMatch);
    setSaving(false);
    if (r.ok) {
      setLoaded({ kind: "text", content, etag: r.value.etag });
      setConflict(null);
      setChangedOnDisk(null);
      setStatus({ kind: "ok", text: "Saved." });
      return;
    }
    if (r.error.code === "conflict") return openConflict();
    setStatus({ kind: "error", text: r.error.message });
  };

  const openConflict = async () => {
    const r = await props.api.read(props.path);
    if (r.ok && r.value.encoding === "utf8") setConflict({ theirs: r.value.content, etag: r.value.etag });
    else if (!r.ok && r.error.code === "not_found") setConflict({ theirs: null, etag: null });
    else setStatus({ kind: "error", text: "The file on disk is no longer text; download it to compare." });
  };

  const takeTheirs = () => {
    const c = conflict();
    setConflict(null);
    if (c?.theirs == null || !c.etag) return void load();
    setLoaded({ kind: "text", content: c.theirs, etag: c.etag });
    setDraft(c.theirs);
    setChangedOnDisk(null);
    setStatus({ kind: "ok", text: "Now showing the version on disk." });
  };

  return (
    <div class="file-pane">
      <div class="pane-head">
        <div class="pane-title">
          <h2 title={props.path}>{baseName(props.path)}</h2>
          <Show when={dirty()}>
            <span class="badge warn" title="Unsaved changes">
              edited
            </span>
          </Show>
        </div>
        <div class="pane-actions">
          <Show when={text() && isMarkdown(props.path)}>
            <button
              type="button"
              class="btn small"
              aria-pressed={mode() === "preview"}
              onClick={() => setMode(mode() === "preview" ? "edit" : "preview")}
            >
              {mode() === "preview" ? (
                <Pencil size={15} aria-hidden="true" />
              ) : (
                <Eye size={15} aria-hidden="true" />
              )}
              {mode() === "preview" ? "Edit" : "Preview"}
            </button>
          </Show>
          <Show when={text() && !props.readOnly}>
            <button
              type="button"
              class="btn small primary"
              disabled={!dirty() || saving()}
              onClick={() => void save()}
            >
              <Save size={15} aria-hidden="true" /> {saving() ? "Saving…" : "Save"}
            </button>
          </Show>
          <a class="btn small" href={props.api.downloadUrl(props.path)} download="" aria-label="Download">
            <Download size={15} aria-hidden="true" />
          </a>
          {props.actions}
        </div>
      </div>

      <Show when={changedOnDisk()}>
        <div class="note warn file-banner" role="status">
          <Show
            when={changedOnDisk() === "changed"}
            fallback={<span>This file was deleted on disk. Saving will create it again.</span>}
          >
            <span>This file changed on disk while you were editing.</span>
            <span class="spacer" />
            <button type="button" class="btn small" onClick={() => void openConflict()}>
              Compare
            </button>
            <button type="button" class="btn small" onClick={() => void load()}>
              Discard mine and reload
            </button>
          </Show>
        </div>
      </Show>
      <Show when={status()}>
        {(s) => (
          <div class={`file-status ${s().kind}`} role={s().kind === "error" ? "alert" : "status"}>
            {s().text}
          </div>
        )}
      </Show>

      <div class="pane-body">
        <Switch fallback={<p class="muted pad">Opening…</p>}>
          <Match when={text()}>
            <Show
              when={mode() === "preview"}
              fallback={
                <CodeEditor
                  value={draft()}
                  readOnly={props.readOnly}
                  onInput={setDraft}
                  language={languageOf(baseName(props.path))}
                  label={`Contents of ${props.path}`}
                  onSave={() => void save()}
                />
              }
            >
              <div class="pad">
                <MarkdownPreview text={draft()} />
              </div>
            </Show>
          </Match>
          <Match when={loaded()?.kind === "image" && (loaded() as Extract<Loaded, { kind: "image" }>)}>
            {(img) => <ImagePreview base64={img().base64} type={img().type} name={baseName(props.path)} />}
          </Match>
          <Match when={loaded()?.kind === "binary" && (loaded() as Extract<Loaded, { kind: "binary" }>)}>
            {(b) => (
              <div class="empty">
                <p>A binary file ({formatSize(b().size)}). It cannot be shown here.</p>
                <a class="btn" href={props.api.downloadUrl(props.path)} download="">
                  <Download size={16} aria-hidden="true" /> Download
                </a>
              </div>
            )}
          </Match>
          <Match when={loaded()?.kind === "error" && (loaded() as Extract<Loaded, { kind: "error" }>)}>
            {(err) => (
              <div class="empty">
                <p>
                  {err().code === "payload_too_large"
                    ? "This file is too large to open here."
                    : err().code === "not_found"
                      ? "This file no longer exists."
                      : err().message}
                </p>
                <Show when={err().code === "payload_too_large"}>
                  <a class="btn" href={props.api.downloadUrl(props.path)} download="">
                    <Download size={16} aria-hidden="true" /> Download
                  </a>
                </Show>
              </div>
            )}
          </Match>
        </Switch>
      </div>

      <ConflictDialog
        open={conflict() !== null}
        path={props.path}
        mine={draft()}
        theirs={conflict()?.theirs ?? null}
        onClose={() => setConflict(null)}
        onTakeTheirs={takeTheirs}
        onKeepMine={() => void save(true)}
      />
    </div>
  );
}
