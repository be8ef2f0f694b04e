import { A, useNavigate } from "@solidjs/router";
import MessageSquarePlus from "lucide-solid/icons/message-square-plus";
import X from "lucide-solid/icons/x";
import { createEffect, createResource, createSignal, For, Show } from "solid-js";
import { mux } from "../api/tab-mux.ts";
import { Loaded } from "../components/Loaded.tsx";
import { CHAT_MARKDOWN, loadMarkdown } from "../components/markdown.ts";
import { Notice } from "../components/Notice.tsx";
import { relativeTime } from "../components/time.ts";
import type { Task, TaskEvent } from "./tasks-api.ts";
import * as api from "./tasks-api.ts";
import { BOARD_COLUMNS, STATUS_LABELS, taskPrompt } from "./tasks-board.ts";

const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** One task: its fields (each saved on change), its Markdown body, links, comments and history. */
export default function TaskDetail(props: {
  projectId: string;
  taskId: string;
  username: string;
  /** Bumped whenever the list reloads (a live change): the pane reloads too. */
  version: number;
  close: () => void;
  changed: () => void;
}) {
  const navigate = useNavigate();
  const [detail, { refetch }] = createResource(
    () => [props.taskId, props.version] as const,
    ([id]) => api.getTask(props.projectId, id),
  );
  const [error, setError] = createSignal<string | null>(null);
  const save = async (t: Task, fields: Record<string, unknown>) => {
    const r = await api.updateTask(props.projectId, t.id, fields);
    setError(r.ok ? null : r.error.message);
    props.changed();
    void refetch();
  };
  const [editingBody, setEditingBody] = createSignal(false);
  const [comment, setComment] = createSignal("");
  const sendComment = async (t: Task) => {
    const r = await api.commentTask(props.projectId, t.id, comment());
    if (!r.ok) return setError(r.error.message);
    setComment("");
    props.changed();
    void refetch();
  };
  // "Start a conversation on this task": a new session linked from the task, and the Chat tab opened
  // on it with the task in its composer (`?draft=`, taken once by the chat).
  const [starting, setStarting] = createSignal(false);
  const startConversation = async (t: Task) => {
    setStarting(true);
    const r = await mux().request("agent", "session.create", { project_id: props.projectId });
    setStarting(false);
    if (!r.ok) return setError(`Could not start a conversation: ${r.error.message}`);
    const sessionId = (r.data as { session_id: string }).session_id;
    await api.updateTask(props.projectId, t.id, {
      links: [...t.links, { kind: "session", session_id: sessionId }],
    });
    const q = new URLSearchParams({ session: sessionId, draft: taskPrompt(t) });
    navigate(`/projects/${props.projectId}/chat?${q}`);
  };

  // Below the list on narrow screens: bring the pane into view when a task is opened.
  let pane!: HTMLElement;
  createEffect(() => {
    if (props.taskId && window.matchMedia("(max-width: 959px)").matches)
      queueMicrotask(() => pane.scrollIntoView({ block: "start" }));
  });
  return (
    <aside class="task-detail card" ref={pane} aria-label={`Task ${props.taskId}`}>
      <div class="row">
        <span class="mono muted">{props.taskId}</span>
        <span class="spacer" />
        <button type="button" class="btn ghost icon" aria-label="Close task" onClick={props.close}>
          <X size={18} />
        </button>
      </div>
      <Loaded result={detail()}>
        {(d) => {
          const t = () => d().task;
          return (
            <div class="stack">
              <input
                class="task-detail-title"
                aria-label="Title"
                value={t().title}
                onChange={(e) => void save(t(), { title: e.currentTarget.value })}
              />
              <div class="task-fields">
                <label class="field">
                  <span>Status</span>
                  <select
                    value={t().status}
                    onChange={(e) => void save(t(), { status: e.currentTarget.value })}
                  >
                    <For each={BOARD_COLUMNS}>{(s) => <option value={s}>{STATUS_LABELS[s]}</option>}</For>
                  </select>
                </label>
                <label class="field">
                  <span>Priority</span>
                  <select
                    value={t().priority}
                    onChange={(e) => void save(t(), { priority: e.currentTarget.value })}
                  >
                    <For each={api.TASK_PRIORITIES}>{(p) => <option value={p}>{p}</option>}</For>
                  </select>
                </label>
                <label class="field">
                  <span>Assignee</span>
                  <select
                    value={t().assignee ?? ""}
                    onChange={(e) => void save(t(), { assignee: e.currentTarget.value || null })}
                  >
                    <option value="">Nobody</option>
                    <option value="agent">Agent</option>
                    <option value={props.username}>Me ({props.username})</option>
                  </select>
                </label>
                <label class="field">
                  <span>Labels</span>
                  <input
                    value={t().labels.join(", ")}
                    onChange={(e) => void save(t(), { labels: list(e.currentTarget.value) })}
                  />
                </label>
                <label class="field">
                  <span>Depends on</span>
                  <input
                    value={t().depends_on.join(", ")}
                    placeholder="T-1, T-2"
                    onChange={(e) => void save(t(), { depends_on: list(e.currentTarget.value) })}
                  />
                </label>
                <label class="field">
                  <span>Parent</span>
                  <input
                    value={t().parent ?? ""}
                    placeholder="T-1"
                    onChange={(e) => void save(t(), { parent: e.currentTarget.value.trim() || null })}
                  />
                </label>
              </div>
              <Show when={error()}>{(m) => <Notice kind="error">{m()}</Notice>}</Show>
              <Show when={t().children.length > 0}>
                <p class="small">Subtasks: {t().children.join(", ")}</p>
              </Show>
              <button
                type="button"
                class="btn primary"
                disabled={starting()}
                onClick={() => void startConversation(t())}
              >
                <MessageSquarePlus size={16} aria-hidden="true" /> Start a conversation on this task
              </button>
              <section class="stack" aria-label="Description">
                <div class="row">
                  <h3 class="task-h">Description</h3>
                  <span class="spacer" />
                  <button type="button" class="btn small" onClick={() => setEditingBody((b) => !b)}>
                    {editingBody() ? "Done" : "Edit"}
                  </button>
                </div>
                <Show when={editingBody()} fallback={<Markdown text={t().body} />}>
                  <textarea
                    aria-label="Description (Markdown)"
                    rows="8"
                    value={t().body}
                    onChange={(e) => void save(t(), { body: e.currentTarget.value })}
                  />
                </Show>
              </section>
              <Show when={t().links.length > 0}>
                <section aria-label="Links">
                  <h3 class="task-h">Links</h3>
                  <ul class="task-links">
                    <For each={t().links}>
                      {(l) =>
                        l.kind === "session" ? (
                          <li>
                            <A href={`/projects/${props.projectId}/chat?session=${l.session_id}`}>
                              Conversation
                            </A>
                          </li>
                        ) : (
                          <li>
                            <A href={`/projects/${props.projectId}/files?path=${encodeURIComponent(l.path)}`}>
                              {l.path}
                            </A>
                          </li>
                        )
                      }
                    </For>
                  </ul>
                </section>
              </Show>
              <section class="stack" aria-label="History">
                <h3 class="task-h">History</h3>
                <ol class="task-history">
                  <For each={d().history}>{(e) => <HistoryItem event={e} />}</For>
                </ol>
                <form
                  class="stack"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void sendComment(t());
                  }}
                >
                  <textarea
                    aria-label="Comment"
                    rows="2"
                    placeholder="Add a comment"
                    value={comment()}
                    onInput={(e) => setComment(e.currentTarget.value)}
                  />
                  <div class="row">
                    <button type="submit" class="btn small" disabled={!comment().trim()}>
                      Comment
                    </button>
                  </div>
                </form>
              </section>
            </div>
          );
        }}
      </Loaded>
    </aside>
  );
}

function HistoryItem(props: { event: TaskEvent }) {
  const e = () => props.event;
  const who = () => (e().by.kind === "person" ? (e().by as { username: string }).username : "agent");
  const what = () => {
    const ev = e();
    if (ev.kind === "comment") return `: ${ev.comment}`;
    if (ev.kind === "created") return " created it";
    if (ev.kind === "imported") return " imported it";
    const parts = Object.entries(ev.changes).map(([k, [a, b]]) =>
      k === "body" ? "the description" : `${FIELD_NAMES[k] ?? k} ${fmt(a)} → ${fmt(b)}`,
    );
    return ` changed ${parts.join(", ")}${ev.comment ? ` (${ev.comment})` : ""}`;
  };
  return (
    <li class="small" data-kind={e().kind}>
      <strong>{who()}</strong>
      {what()} <span class="muted">· {relativeTime(e().at)}</span>
    </li>
  );
}

const FIELD_NAMES: Record<string, string> = { depends_on: "depends on" };
const fmt = (v: unknown) => (v === null ? "none" : Array.isArray(v) ? v.join(", ") || "none" : String(v));

function Markdown(props: { text: string }) {
  let el!: HTMLDivElement;
  createEffect(() => {
    const text = props.text;
    if (!text.trim()) {
      el.textContent = "No description.";
      return;
    }
    el.textContent = text;
    void loadMarkdown(CHAT_MARKDOWN).then((render) => {
      if (props.text === text) el.innerHTML = render(text);
    });
  });
  return <div class="markdown task-body" ref={el} />;
}
