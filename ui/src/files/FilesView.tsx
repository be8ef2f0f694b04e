import ArrowLeft from "lucide-solid/icons/arrow-left";
import Download from "lucide-solid/icons/download";
import FilePlus from "lucide-solid/icons/file-plus";
import FolderInput from "lucide-solid/icons/folder-input";
import FolderPlus from "lucide-solid/icons/folder-plus";
import RefreshCw from "lucide-solid/icons/refresh-cw";
import Trash from "lucide-solid/icons/trash";
import Upload from "lucide-solid/icons/upload";
import { createSignal, onCleanup, onMount, Show } from "solid-js";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { canWrite, useProjectShare } from "../sharing/project-share.ts";
import { NameDialog } from "./dialogs.tsx";
import { droppedFiles, type PickedFile } from "./drop.ts";
import { FilePane } from "./FilePane.tsx";
import { FileTree } from "./FileTree.tsx";
import { type FilesApi, filesApi, uploadFiles } from "./files-api.ts";
import { createFilesModel } from "./files-model.ts";
import { baseName, formatSize, joinPath, nameProblem, parentOf } from "./paths.ts";
import "./files.css";

type Ask = { kind: "file" | "folder"; dir: string } | { kind: "move"; path: string; isDir: boolean } | null;

interface UploadState {
  count: number;
  loaded: number;
  total: number;
  error: string | null;
  /** Files kept for "replace them" after an already-exists refusal. */
  retry: { dir: string; files: PickedFile[] } | null;
  done: boolean;
}

/** The Files tab: a lazily listed tree on the left (or alone on a phone), the open item on the right. */
export default function FilesView(props: { projectId: string; api?: FilesApi }) {
  const api = props.api ?? filesApi(props.projectId);
  const model = createFilesModel(api);
  const [ask, setAsk] = createSignal<Ask>(null);
  const [upload, setUpload] = createSignal<UploadState | null>(null);
  const [problem, setProblem] = createSignal<string | null>(null);
  let picker: HTMLInputElement | undefined;

  onMount(() => void model.load(""));
  onCleanup(api.watch((e) => model.applyChanges(e)));

  const sel = () => model.selected();
  /** The folder new things go into: the selected folder, or the selected file's folder. */
  const targetDir = () => {
    const s = sel();
    if (!s) return "";
    return s.type === "dir" ? s.path : parentOf(s.path);
  };

  const create = async (kind: "file" | "folder", dir: string, name: string) => {
    const path = joinPath(dir, name);
    const r =
      kind === "file" ? await api.write(path, "", null, { createParents: true }) : await api.mkdir(path);
    if (!r.ok)
      return r.error.code === "conflict" || r.error.code === "already_exists"
        ? "Something with that name already exists."
        : r.error.message;
    model.reveal(path);
    model.select({ path, type: kind === "file" ? "file" : "dir" });
    if (kind === "folder") model.toggle(path, true);
    return null;
  };

  const move = async (from: string, to: string) => {
    if (from === to) return null;
    const r = await api.move(from, to);
    if (!r.ok) return r.error.code === "already_exists" ? `${to} already exists.` : r.error.message;
    model.reveal(to);
    const s = sel();
    if (s?.path === from) model.select({ path: to, type: s.type });
    return null;
  };

  const remove = async (path: string, isDir: boolean) => {
    const r = await api.remove(path, isDir);
    if (!r.ok) return r.error.message;
    model.select(null);
    void model.load(parentOf(path));
    return null;
  };

  const startUpload = async (dir: string, files: PickedFile[], overwrite = false) => {
    if (files.length === 0) return;
    const total = files.reduce((n, f) => n + f.file.size, 0);
    setUpload({ count: files.length, loaded: 0, total, error: null, retry: null, done: false });
    const r = await uploadFiles(props.projectId, dir, files, {
      overwrite,
      onProgress: (p) => setUpload((u) => u && { ...u, loaded: p.loaded, total: p.total || u.total }),
    });
    if (r.ok) {
      setUpload((u) => u && { ...u, loaded: u.total, done: true });
      model.reveal(joinPath(dir, "x"));
      return;
    }
    const exists = r.error.code === "already_exists" || r.error.code === "conflict";
    setUpload(
      (u) =>
        u && {
          ...u,
          error: exists ? "Some of these files already exist." : r.error.message,
          retry: exists ? { dir, files } : null,
        },
    );
  };

  const pickFiles = (list: FileList | null) => {
    const files = [...(list ?? [])].map((file) => ({ file, name: file.name }));
    void startUpload(targetDir(), files);
  };

  const actions = {
    moveInto: (from: string, to: string) => {
      if (readOnly()) return;
      if (to === from || to.startsWith(`${from}/`) || parentOf(from) === to) return;
      void move(from, joinPath(to, baseName(from))).then((err) => setProblem(err));
    },
    dropFiles: (to: string, data: DataTransfer) => {
      if (!readOnly()) void droppedFiles(data).then((files) => startUpload(to, files));
    },
  };

  // A viewer of a shared project reads and downloads; changing is for editors and the owner.
  const shared = useProjectShare();
  const readOnly = () => !canWrite(shared());
  const itemActions = (path: string, isDir: boolean) => (
    <Show when={!readOnly()}>
      <button
        type="button"
        class="btn small"
        aria-label="Rename or move"
        title="Rename or move"
        onClick={() => setAsk({ kind: "move", path, isDir })}
      >
        <FolderInput size={15} aria-hidden="true" />
      </button>
      <ConfirmButton
        label={<Trash size={15} aria-hidden="true" />}
        ariaLabel="Delete"
        class="btn small danger"
        title={`Delete ${baseName(path)}?`}
        message={
          isDir
            ? `The folder ${path} and everything in it will be deleted. This cannot be undone.`
            : `${path} will be deleted. This cannot be undone.`
        }
        confirmLabel="Delete"
        danger
        onConfirm={() => remove(path, isDir)}
      />
    </Show>
  );

  const uploadPercent = () => {
    const u = upload();
    return u && u.total > 0 ? Math.min(100, Math.round((u.loaded / u.total) * 100)) : 0;
  };

  return (
    <div class="files" classList={{ "has-open": sel()?.type === "file" }}>
      <aside class="files-side" aria-label="File tree">
        <div class="files-toolbar" role="toolbar" aria-label="Files">
          <Show when={!readOnly()}>
            <button
              type="button"
              class="btn small"
              onClick={() => setAsk({ kind: "file", dir: targetDir() })}
              title="New file"
            >
              <FilePlus size={15} aria-hidden="true" /> <span class="label">New file</span>
            </button>
            <button
              type="button"
              class="btn small"
              onClick={() => setAsk({ kind: "folder", dir: targetDir() })}
              title="New folder"
            >
              <FolderPlus size={15} aria-hidden="true" /> <span class="label">New folder</span>
            </button>
            <button type="button" class="btn small" onClick={() => picker?.click()} title="Upload files">
              <Upload size={15} aria-hidden="true" /> <span class="label">Upload</span>
            </button>
          </Show>
          <span class="spacer" />
          <button
            type="button"
            class="btn small ghost icon"
            aria-label="Refresh"
            title="Refresh"
            onClick={() =>
              model.applyChanges({
                ch: "files",
                event: "changes",
                project_id: props.projectId,
                changes: [],
                overflow: true,
              })
            }
          >
            <RefreshCw size={15} aria-hidden="true" />
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            aria-label="Files to upload"
            onChange={(e) => {
              pickFiles(e.currentTarget.files);
              e.currentTarget.value = "";
            }}
          />
        </div>
        <Show when={upload()}>
          {(u) => (
            <div class="upload-status" role="status">
              <div class="row">
                <span class="small">
                  {u().error
                    ? u().error
                    : u().done
                      ? `Uploaded ${u().count} file${u().count === 1 ? "" : "s"}.`
                      : `Uploading ${u().count} file${u().count === 1 ? "" : "s"} (${formatSize(u().total)})… ${uploadPercent()}%`}
                </span>
                <span class="spacer" />
                <Show when={u().retry}>
                  {(retry) => (
                    <button
                      type="button"
                      class="btn small"
                      onClick={() => void startUpload(retry().dir, retry().files, true)}
                    >
                      Replace them
                    </button>
                  )}
                </Show>
                <Show when={u().done || u().error}>
                  <button type="button" class="btn small ghost" onClick={() => setUpload(null)}>
                    Dismiss
                  </button>
                </Show>
              </div>
              <progress max="100" value={uploadPercent()} aria-label="Upload progress" />
            </div>
          )}
        </Show>
        <Show when={problem()}>
          <div class="note error small" role="alert">
            {problem()}{" "}
            <button type="button" class="btn small ghost" onClick={() => setProblem(null)}>
              Dismiss
            </button>
          </div>
        </Show>
        <FileTree model={model} actions={actions} />
        <p class="muted small files-hint">
          Drop files here to upload. Drag items onto a folder to move them.
        </p>
      </aside>

      <section class="files-main" aria-label="Open item">
        <Show when={sel()?.type === "file" && sel()}>
          {(s) => (
            <>
              <button type="button" class="btn small ghost files-back" onClick={() => model.select(null)}>
                <ArrowLeft size={16} aria-hidden="true" /> All files
              </button>
              <FilePane
                api={api}
                model={model}
                path={s().path}
                actions={itemActions(s().path, false)}
                readOnly={readOnly()}
              />
            </>
          )}
        </Show>
        <Show when={sel()?.type !== "file"}>
          <FolderPane
            path={sel()?.path ?? ""}
            api={api}
            count={model.dirs[sel()?.path ?? ""]?.entries?.length}
            actions={sel() ? itemActions(sel()?.path ?? "", true) : null}
          />
        </Show>
      </section>

      <NameDialog
        open={ask() !== null}
        title={
          ask()?.kind === "file" ? "New file" : ask()?.kind === "folder" ? "New folder" : "Rename or move"
        }
        label={ask()?.kind === "move" ? "New path in the project" : "Name"}
        description={(() => {
          const a = ask();
          if (!a || a.kind === "move") return undefined;
          return a.dir ? `In ${a.dir}/` : "In the project folder";
        })()}
        initial={(() => {
          const a = ask();
          return a?.kind === "move" ? a.path : "";
        })()}
        confirmLabel={ask()?.kind === "move" ? "Move" : "Create"}
        check={nameProblem}
        onClose={() => setAsk(null)}
        onSubmit={async (value) => {
          const a = ask();
          if (!a) return null;
          if (a.kind === "move") return move(a.path, value);
          return create(a.kind, a.dir, value);
        }}
      />
    </div>
  );
}

function FolderPane(props: { path: string; api: FilesApi; count?: number; actions: unknown }) {
  return (
    <div class="file-pane">
      <div class="pane-head">
        <div class="pane-title">
          <h2>{props.path ? baseName(props.path) : "Project folder"}</h2>
        </div>
        <div class="pane-actions">
          <a class="btn small" href={props.api.downloadUrl(props.path)} download="">
            <Download size={15} aria-hidden="true" /> <span class="label">Download .zip</span>
          </a>
          {props.actions as never}
        </div>
      </div>
      <div class="empty">
        <p class="muted">
          {props.count === undefined
            ? "Select a file to open it."
            : `${props.count} item${props.count === 1 ? "" : "s"} in this folder. Select a file to open it.`}
        </p>
      </div>
    </div>
  );
}
