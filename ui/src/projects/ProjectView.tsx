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
import {
  createEffect,
  createResource,
  createSignal,
  For,
  type JSX,
  lazy,
  onCleanup,
  Show,
  Suspense,
} from "solid-js";
import type { ProjectShare } from "../../../src/protocol/members.ts";
import { mux } from "../api/tab-mux.ts";
import { currentUser } from "../auth/auth-session.ts";
import ChatView from "../chat/ChatView.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { isOwner, ProjectShareContext, shareLabel } from "../sharing/project-share.ts";
import { usePageTitle } from "../shell/page-title.ts";
import { LazyTerminalView } from "../terminal/lazy.ts";
import { sharedMuxTransport } from "../terminal/shared-mux.ts";
import * as projects from "./projects-api.ts";
import "../sharing/sharing.css";

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

/**
 * The tabs of a project shared with me (decision 0030): its conversations and files, and the
 * terminal only with the owner's grant. The other areas stay the owner's.
 */
const tabsFor = (share: ProjectShare | undefined) =>
  isOwner(share)
    ? TABS
    : TABS.filter((t) => t.id === "chat" || t.id === "files" || (t.id === "terminal" && share?.terminal));

export default function ProjectView() {
  const params = useParams<{ id: string; tab?: string }>();
  const navigate = useNavigate();
  const [project, { refetch }] = createResource(() => params.id, projects.getProject);
  // The owner changed my role or removed me (a shared project): show what I may do now, at once.
  onCleanup(mux().onAccessChanged((id) => id === params.id && void refetch()));
  const share = () => {
    const p = project();
    return p?.ok ? p.value.project.share : undefined;
  };
  const tabs = () => tabsFor(share());
  const tab = (): TabId => (tabs().some((t) => t.id === params.tab) ? (params.tab as TabId) : "chat");
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
    const list = tabs();
    const i = list.findIndex((t) => t.id === tab());
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = list[(i + step + list.length) % list.length];
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
          <p>{e.status === 404 ? "It does not exist, or it is not shared with you." : e.message}</p>
          <A class="btn" href="/projects">
            <ArrowLeft size={16} aria-hidden="true" /> All projects
          </A>
        </div>
      )}
    >
      {(r) => (
        <ProjectShareContext.Provider value={share}>
          <div class="page-head">
            <A class="btn ghost icon" href="/projects" aria-label="All projects">
              <ArrowLeft size={18} />
            </A>
            <h1>{r().project.name}</h1>
            <span class="badge">{r().project.profile}</span>
            <Show when={shareLabel(r().project.share)}>
              {(label) => (
                <span class="badge" data-share={r().project.share?.role}>
                  {label()}
                </span>
              )}
            </Show>
          </div>
          <div class="tabs-list" role="tablist" aria-label="Project" onKeyDown={onKeyDown}>
            <For each={tabs()}>
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
          <For each={tabs()}>
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
        </ProjectShareContext.Provider>
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
