import { useSearchParams } from "@solidjs/router";
import Columns3 from "lucide-solid/icons/columns-3";
import ListIcon from "lucide-solid/icons/list";
import { createMemo, createSignal, For, onCleanup, Show } from "solid-js";
import type { ApiResult } from "../api/http.ts";
import { Loaded } from "../components/Loaded.tsx";
import { Notice } from "../components/Notice.tsx";
import { watchChanges } from "../records/watch-changes.ts";
import TaskDetail from "./TaskDetail.tsx";
import type { Task, TaskStatus } from "./tasks-api.ts";
import * as api from "./tasks-api.ts";
import {
  allLabels,
  BOARD_COLUMNS,
  byPriority,
  columns,
  filterTasks,
  NO_FILTER,
  STATUS_LABELS,
  type TaskFilter,
} from "./tasks-board.ts";
import "./tasks.css";

/** The Tasks tab: a list or a board of the project's tasks, filters, and the selected task's pane. */
export default function TasksView(props: { projectId: string; username: string }) {
  const [params, setParams] = useSearchParams<{ task?: string; view?: string }>();
  const [result, setResult] = createSignal<ApiResult<{ tasks: Task[] }>>();
  const [version, setVersion] = createSignal(0);
  const load = async () => {
    setResult(await api.listTasks(props.projectId));
    setVersion((n) => n + 1);
  };
  void load();
  onCleanup(watchChanges(props.projectId, "tasks", () => void load()));

  const [filter, setFilter] = createSignal<TaskFilter>(NO_FILTER);
  const patchFilter = (f: Partial<TaskFilter>) => setFilter((old) => ({ ...old, ...f }));
  const board = () => params.view === "board";
  const tasks = createMemo(() => {
    const r = result();
    return r?.ok ? r.value.tasks : [];
  });
  const shown = createMemo(() => filterTasks(tasks(), filter()));

  const [title, setTitle] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const add = async (e: SubmitEvent) => {
    e.preventDefault();
    const r = await api.createTask(props.projectId, { title: title() });
    if (!r.ok) return setError(r.error.message);
    setError(null);
    setTitle("");
    await load();
  };
  const setStatus = async (t: Task, status: TaskStatus) => {
    if (t.status === status) return;
    const r = await api.updateTask(props.projectId, t.id, { status });
    setError(r.ok ? null : r.error.message);
    await load();
  };
  const open = (id: string | undefined) => setParams({ task: id });

  return (
    <div class="tasks" classList={{ "with-detail": !!params.task }}>
      <div class="tasks-main stack">
        <form class="row wrap" onSubmit={add} aria-label="New task">
          <input
            class="grow tasks-new"
            aria-label="New task title"
            placeholder="New task…"
            value={title()}
            onInput={(e) => setTitle(e.currentTarget.value)}
          />
          <button type="submit" class="btn primary" disabled={!title().trim()}>
            Add
          </button>
        </form>
        <fieldset class="row wrap tasks-filters" aria-label="Filters">
          <input
            type="search"
            aria-label="Filter tasks"
            placeholder="Filter"
            value={filter().text}
            onInput={(e) => patchFilter({ text: e.currentTarget.value })}
          />
          <select
            aria-label="Status filter"
            value={filter().status}
            onChange={(e) => patchFilter({ status: e.currentTarget.value as TaskFilter["status"] })}
          >
            <option value="all">Any status</option>
            <option value="ready">Ready</option>
            <For each={BOARD_COLUMNS}>{(s) => <option value={s}>{STATUS_LABELS[s]}</option>}</For>
          </select>
          <select
            aria-label="Label filter"
            value={filter().label ?? ""}
            onChange={(e) => patchFilter({ label: e.currentTarget.value || null })}
          >
            <option value="">Any label</option>
            <For each={allLabels(tasks())}>{(l) => <option value={l}>#{l}</option>}</For>
          </select>
          <select
            aria-label="Assignee filter"
            value={filter().assignee}
            onChange={(e) => patchFilter({ assignee: e.currentTarget.value })}
          >
            <option value="any">Anyone</option>
            <option value="none">Unassigned</option>
            <option value="agent">Agent</option>
            <option value={props.username}>Me</option>
          </select>
          <span class="spacer" />
          <fieldset class="row tasks-view-switch" aria-label="View">
            <button
              type="button"
              class="btn small"
              aria-pressed={!board()}
              onClick={() => setParams({ view: undefined })}
            >
              <ListIcon size={16} aria-hidden="true" /> List
            </button>
            <button
              type="button"
              class="btn small"
              aria-pressed={board()}
              onClick={() => setParams({ view: "board" })}
            >
              <Columns3 size={16} aria-hidden="true" /> Board
            </button>
          </fieldset>
        </fieldset>
        <Show when={error()}>{(m) => <Notice kind="error">{m()}</Notice>}</Show>
        <Loaded result={result()}>
          {() => (
            <Show
              when={tasks().length > 0}
              fallback={<p class="muted">No tasks yet. Add one above, or ask the agent to plan the work.</p>}
            >
              <Show
                when={board()}
                fallback={
                  <TaskList tasks={[...shown()].sort(byPriority)} open={open} selected={params.task} />
                }
              >
                <Board tasks={shown()} open={open} setStatus={setStatus} selected={params.task} />
              </Show>
            </Show>
          )}
        </Loaded>
      </div>
      <Show when={params.task}>
        {(id) => (
          <TaskDetail
            projectId={props.projectId}
            taskId={id()}
            username={props.username}
            version={version()}
            close={() => open(undefined)}
            changed={() => void load()}
          />
        )}
      </Show>
    </div>
  );
}

function TaskList(props: { tasks: Task[]; open: (id: string) => void; selected: string | undefined }) {
  return (
    <ul class="list tasks-list" aria-label="Tasks">
      <For each={props.tasks} fallback={<li class="muted">No task matches the filters.</li>}>
        {(t) => (
          <li class="list-item" data-task={t.id} aria-current={props.selected === t.id ? "true" : undefined}>
            <button type="button" class="task-row" onClick={() => props.open(t.id)}>
              <span class="mono muted">{t.id}</span>
              <span class="grow task-title">{t.title}</span>
              <TaskBadges task={t} />
              <span class={`badge status-${t.status}`}>{STATUS_LABELS[t.status]}</span>
            </button>
          </li>
        )}
      </For>
    </ul>
  );
}

function TaskBadges(props: { task: Task }) {
  return (
    <>
      <Show when={props.task.priority !== "normal"}>
        <span class={`badge prio-${props.task.priority}`}>{props.task.priority}</span>
      </Show>
      <Show when={props.task.ready}>
        <span class="badge ok">ready</span>
      </Show>
      <Show when={props.task.assignee}>{(a) => <span class="badge">@{a()}</span>}</Show>
      <For each={props.task.labels}>{(l) => <span class="badge">#{l}</span>}</For>
    </>
  );
}

/** Columns by status: drag a card to another column, or use its status menu (keyboard). */
function Board(props: {
  tasks: Task[];
  open: (id: string) => void;
  setStatus: (t: Task, s: TaskStatus) => void;
  selected: string | undefined;
}) {
  const byStatus = createMemo(() => columns(props.tasks));
  const [over, setOver] = createSignal<TaskStatus | null>(null);
  const find = (id: string) => props.tasks.find((t) => t.id === id);
  return (
    <section class="board" aria-label="Board">
      <For each={BOARD_COLUMNS}>
        {(status) => (
          <section
            class="board-col"
            classList={{ over: over() === status }}
            aria-label={STATUS_LABELS[status]}
            data-status={status}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(status);
            }}
            onDragLeave={() => setOver(null)}
            onDrop={(e) => {
              e.preventDefault();
              setOver(null);
              const t = find(e.dataTransfer?.getData("text/x-octo-task") ?? "");
              if (t) props.setStatus(t, status);
            }}
          >
            <h3 class="board-h">
              {STATUS_LABELS[status]} <span class="muted small">{byStatus()[status].length}</span>
            </h3>
            <ul class="board-cards">
              <For each={byStatus()[status]}>
                {(t) => (
                  <li
                    class="board-card card"
                    data-task={t.id}
                    draggable="true"
                    aria-current={props.selected === t.id ? "true" : undefined}
                    onDragStart={(e) => {
                      e.dataTransfer?.setData("text/x-octo-task", t.id);
                      if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
                    }}
                  >
                    <button type="button" class="task-open" onClick={() => props.open(t.id)}>
                      <span class="mono muted small">{t.id}</span> {t.title}
                    </button>
                    <div class="row wrap small">
                      <TaskBadges task={t} />
                    </div>
                    <select
                      class="small"
                      aria-label={`Status of ${t.id}`}
                      value={t.status}
                      onChange={(e) => props.setStatus(t, e.currentTarget.value as TaskStatus)}
                    >
                      <For each={BOARD_COLUMNS}>{(s) => <option value={s}>{STATUS_LABELS[s]}</option>}</For>
                    </select>
                  </li>
                )}
              </For>
            </ul>
          </section>
        )}
      </For>
    </section>
  );
}
