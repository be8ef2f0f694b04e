import { A, useLocation, useNavigate, useParams } from "@solidjs/router";
import ArrowLeft from "lucide-solid/icons/arrow-left";
import Brain from "lucide-solid/icons/brain";
import CalendarClock from "lucide-solid/icons/calendar-clock";
import FileDiff from "lucide-solid/icons/file-diff";
import FolderTree from "lucide-solid/icons/folder-tree";
import Globe from "lucide-solid/icons/globe";
import ListTodo from "lucide-solid/icons/list-todo";
import MessageSquare from "lucide-solid/icons/message-square";
import Presentation from "lucide-solid/icons/presentation";
import Settings from "lucide-solid/icons/settings";
import SquareTerminal from "lucide-solid/icons/square-terminal";
import { createEffect, createResource, createSignal, For, type JSX, lazy, Show, Suspense } from "solid-js";
import { mux } from "../api/tab-mux.ts";
import { currentUser } from "../auth/auth-session.ts";
import ChatView from "../chat/ChatView.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { usePageTitle } from "../shell/page-title.ts";
import { LazyTerminalView } from "../terminal/lazy.ts";
import { sharedMuxTransport } from "../terminal/shared-mux.ts";
import * as projects from "./projects-api.ts";

// Each tab's code loads when the tab is first opened.
const FilesView = lazy(() => import("../files/FilesView.tsx"));
const SettingsView = lazy(() => import("../settings/SettingsView.tsx"));
const MemoryView = lazy(() => import("../memory/MemoryView.tsx"));
const TasksView = lazy(() => import("../tasks/TasksView.tsx"));
const BrowserView = lazy(() => import("../browser/BrowserView.tsx"));
const ChangesView = lazy(() => import("../review/ChangesView.tsx"));
const GitPanel = lazy(() => import("../review/GitPanel.tsx"));
const SchedulesView = lazy(() => import("../schedules/SchedulesView.tsx"));
const CanvasView = lazy(() => import("../canvas/CanvasView.tsx"));

const TABS = [
  { id: "chat", label: "Chat", icon: MessageSquare },
  { id: "files", label: "Files", icon: FolderTree },
  { id: "changes", label: "Changes", icon: FileDiff },
  { id: "terminal", label: "Terminal", icon: SquareTerminal },
  { id: "tasks", label: "Tasks", icon: ListTodo },
  { id: "memory", label: "Memory", icon: Brain },
  { id: "schedules", label: "Schedules", icon: CalendarClock },
  { id: "canvas", label: "Canvas", icon: Presentation },
  { id: "browser", label: "Browser", icon: Globe },
  { id: "settings", label: "Settings", icon: Settings },
] as const;
type TabId = (typeof TABS)[number]["id"];

export default function ProjectView() {
  const params = useParams<{ id: string; tab?: string }>();
  const navigate = useNavigate();
  const [project] = createResource(() => params.id, projects.getProject);
  const tab = (): TabId => (TABS.some((t) => t.id === params.tab) ? (params.tab as TabId) : "chat");
  // Panels stay mounted once opened, so switching tabs never loses a draft, a scroll position or a shell.
  const [visited, setVisited] = createSignal<Set<TabId>>(new Set());
  const isVisited = (id: TabId) => {
    if (tab() === id && !visited().has(id)) setVisited((s) => new Set(s).add(id));
    return tab() === id || visited().has(id);
  };
  usePageTitle(() => {
    const p = project();
    return p?.ok ? p.value.project.name : "Project";
  });

  // Each tab keeps its own query string (the Chat tab's `?session=`), so going to Files and back
  // opens the same conversation again.
  const location = useLocation();
  const searches = new Map<TabId, string>();
  createEffect(() => searches.set(tab(), location.search));
  // On a phone the tab strip scrolls: keep the open tab in sight.
  createEffect(() => {
    const id = tab();
    if (!project()?.ok) return;
    queueMicrotask(() =>
      document.getElementById(`tab-${id}`)?.scrollIntoView({ block: "nearest", inline: "nearest" }),
    );
  });
  const select = (id: TabId) => navigate(`/projects/${params.id}/${id}${searches.get(id) ?? ""}`);
  const onKeyDown = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === tab());
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = TABS[(i + step + TABS.length) % TABS.length];
    if (next) {
      select(next.id);
      document.getElementById(`tab-${next.id}`)?.focus();
    }
  };

  return (
    <Loaded
      result={project()}
      error={(e) => (
        <div class="empty">
          <h1>{e.status === 404 ? "Project not found" : "Cannot open this project"}</h1>
          <p>{e.status === 404 ? "It does not exist, or it is not yours." : e.message}</p>
          <A class="btn" href="/projects">
            <ArrowLeft size={16} aria-hidden="true" /> All projects
          </A>
        </div>
      )}
    >
      {(r) => (
        <>
          <div class="page-head">
            <A class="btn ghost icon" href="/projects" aria-label="All projects">
              <ArrowLeft size={18} />
            </A>
            <h1>{r().project.name}</h1>
            <span class="badge">{r().project.profile}</span>
          </div>
          <div class="tabs-list" role="tablist" aria-label="Project" onKeyDown={onKeyDown}>
            <For each={TABS}>
              {(t) => (
                <button
                  type="button"
                  role="tab"
                  id={`tab-${t.id}`}
                  class="tab"
                  aria-selected={tab() === t.id}
                  aria-controls={`panel-${t.id}`}
                  tabIndex={tab() === t.id ? 0 : -1}
                  onClick={() => select(t.id)}
                >
                  <t.icon size={16} aria-hidden="true" />
                  {t.label}
                </button>
              )}
            </For>
          </div>
          <For each={TABS}>
            {(t) => (
              <Show when={isVisited(t.id)}>
                <section
                  role="tabpanel"
                  id={`panel-${t.id}`}
                  aria-labelledby={`tab-${t.id}`}
                  hidden={tab() !== t.id}
                >
                  {PANELS[t.id](r().project, () => tab() === t.id)}
                </section>
              </Show>
            )}
          </For>
        </>
      )}
    </Loaded>
  );
}

/** The Git panel (where the project is a repository) above the project's Changes; a git action reloads both. */
function ProjectChanges(props: { projectId: string }) {
  const [gitChanged, setGitChanged] = createSignal(0);
  return (
    <>
      <GitPanel projectId={props.projectId} onChange={() => setGitChanged((n) => n + 1)} />
      <ChangesView source={{ kind: "project", id: props.projectId }} refresh={gitChanged()} />
    </>
  );
}

const PANELS: Record<TabId, (p: projects.Project, showing: () => boolean) => JSX.Element> = {
  chat: (p, showing) => <ChatView projectId={p.id} mux={mux()} showing={showing()} />,
  files: (p) => <FilesView projectId={p.id} />,
  changes: (p, showing) => (
    <Show when={showing()} fallback={<p class="muted">Changes load when this tab is open.</p>}>
      <ProjectChanges projectId={p.id} />
    </Show>
  ),
  terminal: (p) => (
    <div class="term-panel">
      <Suspense fallback={<p class="muted">Loading the terminal…</p>}>
        <LazyTerminalView projectId={p.id} transport={sharedMuxTransport(mux())} />
      </Suspense>
    </div>
  ),
  browser: (p) => <BrowserView projectId={p.id} mux={mux()} />,
  settings: (p) => <SettingsView project={p} />,
  tasks: (p) => <TasksView projectId={p.id} username={currentUser()?.username ?? ""} />,
  memory: (p) => <MemoryView projectId={p.id} />,
  schedules: (p) => <SchedulesView projectId={p.id} />,
  canvas: (p) => <CanvasView projectId={p.id} />,
};
