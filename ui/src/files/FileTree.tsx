import ChevronRight from "lucide-solid/icons/chevron-right";
import FileIcon from "lucide-solid/icons/file";
import FileCode from "lucide-solid/icons/file-code";
import FileText from "lucide-solid/icons/file-text";
import FolderIcon from "lucide-solid/icons/folder";
import FolderOpen from "lucide-solid/icons/folder-open";
import ImageIcon from "lucide-solid/icons/image";
import Link from "lucide-solid/icons/link";
import { createSignal, For, Match, Show, Switch } from "solid-js";
import { isMoveDrag, isOsFileDrag, MOVE_TYPE } from "./drop.ts";
import type { Entry } from "./files-api.ts";
import type { FilesModel } from "./files-model.ts";
import { imageTypeOf, isMarkdown, languageOf } from "./paths.ts";

export interface TreeActions {
  /** Move `from` into folder `to` (a drag onto a folder). */
  moveInto(from: string, to: string): void;
  /** OS files dropped onto folder `to`. */
  dropFiles(to: string, data: DataTransfer): void;
}

function EntryIcon(props: { entry: Entry; open: boolean }) {
  return (
    <Switch fallback={<FileIcon size={16} aria-hidden="true" />}>
      <Match when={props.entry.type === "dir"}>
        {props.open ? (
          <FolderOpen size={16} aria-hidden="true" />
        ) : (
          <FolderIcon size={16} aria-hidden="true" />
        )}
      </Match>
      <Match when={props.entry.type === "symlink"}>
        <Link size={16} aria-hidden="true" />
      </Match>
      <Match when={imageTypeOf(props.entry.name)}>
        <ImageIcon size={16} aria-hidden="true" />
      </Match>
      <Match when={isMarkdown(props.entry.name)}>
        <FileText size={16} aria-hidden="true" />
      </Match>
      <Match when={languageOf(props.entry.name)}>
        <FileCode size={16} aria-hidden="true" />
      </Match>
    </Switch>
  );
}

/** Up/Down move between visible rows, Right/Left open and close folders (WAI-ARIA tree pattern). */
function onTreeKey(e: KeyboardEvent, model: FilesModel) {
  const row = (e.target as HTMLElement).closest<HTMLElement>("[data-path]");
  if (!row) return;
  const rows = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>("[data-path]")];
  const i = rows.indexOf(row);
  const path = row.dataset.path ?? "";
  const isDir = row.dataset.type === "dir";
  if (e.key === "ArrowDown") rows[i + 1]?.focus();
  else if (e.key === "ArrowUp") rows[i - 1]?.focus();
  else if (e.key === "ArrowRight" && isDir) model.toggle(path, true);
  else if (e.key === "ArrowLeft" && isDir && model.isOpen(path)) model.toggle(path, false);
  else return;
  e.preventDefault();
}

/** The project's files, listed folder by folder as they are opened. */
export function FileTree(props: { model: FilesModel; actions: TreeActions }) {
  const [dropTarget, setDropTarget] = createSignal<string | null>(null);

  const dropProps = (folder: () => string) => ({
    onDragOver: (e: DragEvent) => {
      if (!isMoveDrag(e) && !isOsFileDrag(e)) return;
      e.preventDefault();
      e.stopPropagation();
      if (e.dataTransfer) e.dataTransfer.dropEffect = isMoveDrag(e) ? "move" : "copy";
      setDropTarget(folder());
    },
    onDragLeave: (e: DragEvent) => {
      if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node)) setDropTarget(null);
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      e.stopPropagation();
      setDropTarget(null);
      const moved = e.dataTransfer?.getData(MOVE_TYPE);
      if (moved) props.actions.moveInto(moved, folder());
      else if (e.dataTransfer && isOsFileDrag(e)) props.actions.dropFiles(folder(), e.dataTransfer);
    },
  });

  const Level = (p: { dir: string; depth: number }) => {
    const state = () => props.model.dirs[p.dir];
    return (
      <>
        <Show when={state()?.error}>
          <li class="tree-note error" role="none" style={{ "padding-left": `${p.depth * 16 + 28}px` }}>
            {state()?.error}
          </li>
        </Show>
        <Show when={state()?.entries === null || state() === undefined}>
          <li class="tree-note muted" role="none" style={{ "padding-left": `${p.depth * 16 + 28}px` }}>
            Loading…
          </li>
        </Show>
        <Show when={state()?.entries?.length === 0 && p.depth > 0}>
          <li class="tree-note muted" role="none" style={{ "padding-left": `${p.depth * 16 + 28}px` }}>
            Empty folder
          </li>
        </Show>
        <For each={state()?.entries ?? []}>{(entry) => <Node entry={entry} depth={p.depth} />}</For>
        <Show when={state()?.truncated}>
          <li class="tree-note muted" role="none" style={{ "padding-left": `${p.depth * 16 + 28}px` }}>
            Too many files to list them all here.
          </li>
        </Show>
      </>
    );
  };

  const Node = (p: { entry: Entry; depth: number }) => {
    const isDir = () => p.entry.type === "dir";
    const open = () => isDir() && props.model.isOpen(p.entry.path);
    const isSelected = () => props.model.selected()?.path === p.entry.path;
    const activate = () => {
      props.model.select({ path: p.entry.path, type: p.entry.type });
      if (isDir()) props.model.toggle(p.entry.path);
    };
    const drop = isDir() ? dropProps(() => p.entry.path) : {};
    return (
      <li role="none">
        <button
          type="button"
          role="treeitem"
          class="tree-row"
          classList={{ selected: isSelected(), "drop-target": dropTarget() === p.entry.path }}
          aria-selected={isSelected()}
          aria-expanded={isDir() ? open() : undefined}
          data-path={p.entry.path}
          data-type={p.entry.type}
          style={{ "padding-left": `${p.depth * 16 + 6}px` }}
          draggable={true}
          onDragStart={(e) => {
            e.dataTransfer?.setData(MOVE_TYPE, p.entry.path);
            if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
          }}
          onClick={activate}
          {...drop}
        >
          <span class="tree-chevron" classList={{ open: open(), hidden: !isDir() }}>
            <ChevronRight size={14} aria-hidden="true" />
          </span>
          <EntryIcon entry={p.entry} open={open()} />
          <span class="tree-name">{p.entry.name}</span>
        </button>
        <Show when={open()}>
          {/* biome-ignore lint/a11y/useSemanticElements: a group of treeitems in the WAI-ARIA tree pattern */}
          <ul role="group" class="tree-group">
            <Level dir={p.entry.path} depth={p.depth + 1} />
          </ul>
        </Show>
      </li>
    );
  };

  return (
    <div class="tree-wrap" classList={{ "drop-target": dropTarget() === "" }} {...dropProps(() => "")}>
      {/* biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the WAI-ARIA tree pattern's container */}
      <ul class="tree" role="tree" aria-label="Project files" onKeyDown={(e) => onTreeKey(e, props.model)}>
        <Level dir="" depth={0} />
      </ul>
    </div>
  );
}
