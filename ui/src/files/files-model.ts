import { createSignal } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { FilesChangesEvent } from "../../../src/protocol/files.ts";
import type { Entry, FilesApi } from "./files-api.ts";
import { foldersToRefresh, isWithin, sortEntries } from "./paths.ts";

export interface DirState {
  entries: Entry[] | null;
  loading: boolean;
  error: string | null;
  truncated: boolean;
}

export interface Selection {
  path: string;
  type: Entry["type"];
}

/**
 * The Files tab's state: listed folders (loaded when first expanded), which are open, what is
 * selected, and the last batch of changes the watch reported (open files compare against it).
 */
export function createFilesModel(api: FilesApi) {
  const [dirs, setDirs] = createStore<Record<string, DirState>>({});
  const [expanded, setExpanded] = createStore<Record<string, boolean>>({ "": true });
  const [selected, setSelected] = createSignal<Selection | null>(null);
  const [lastChange, setLastChange] = createSignal<FilesChangesEvent | null>(null);
  const loads = new Map<string, number>();

  const load = async (path: string) => {
    const ticket = (loads.get(path) ?? 0) + 1;
    loads.set(path, ticket);
    setDirs(path, (d) => ({
      entries: d?.entries ?? null,
      truncated: d?.truncated ?? false,
      loading: true,
      error: null,
    }));
    const r = await api.list(path);
    if (loads.get(path) !== ticket) return; // a newer listing is on its way
    if (r.ok)
      setDirs(path, {
        entries: sortEntries(r.value.entries),
        truncated: r.value.truncated,
        loading: false,
        error: null,
      });
    else if (r.error.code === "not_found" && path !== "") dropDir(path);
    else setDirs(path, { loading: false, error: r.error.message });
  };

  const dropDir = (path: string) =>
    setDirs(
      produce((all) => {
        for (const key of Object.keys(all)) if (key !== "" && isWithin(key, path)) delete all[key];
      }),
    );

  return {
    dirs,
    expanded,
    selected,
    lastChange,
    load,
    select: (s: Selection | null) => setSelected(s),
    isOpen: (path: string) => !!expanded[path],
    toggle(path: string, open = !expanded[path]) {
      setExpanded(path, open);
      if (open && !dirs[path]) void load(path);
    },
    /** Open every folder on the way to `path` (after creating or moving something there). */
    reveal(path: string) {
      const parts = path.split("/");
      for (let i = 0; i < parts.length - 1; i++) {
        const dir = parts.slice(0, i + 1).join("/");
        setExpanded(dir, true);
        void load(dir);
      }
      void load(parts.length > 1 ? parts.slice(0, -1).join("/") : "");
    },
    applyChanges(e: FilesChangesEvent) {
      const { reload, drop } = foldersToRefresh(e.changes, e.overflow, Object.keys(dirs));
      for (const d of drop) dropDir(d);
      for (const d of reload) void load(d);
      const sel = selected();
      if (
        sel &&
        e.changes.some((c) => c.kind === "deleted" && isWithin(sel.path, c.path)) &&
        sel.type === "dir"
      )
        setSelected(null);
      setLastChange(e);
    },
  };
}

export type FilesModel = ReturnType<typeof createFilesModel>;
