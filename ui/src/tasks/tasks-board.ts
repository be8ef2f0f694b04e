import type { Task, TaskPriority, TaskStatus } from "./tasks-api.ts";

export const STATUS_LABELS: Record<TaskStatus, string> = {
  open: "Open",
  in_progress: "In progress",
  blocked: "Blocked",
  done: "Done",
  cancelled: "Cancelled",
};
export const BOARD_COLUMNS: readonly TaskStatus[] = ["open", "in_progress", "blocked", "done", "cancelled"];
const PRIORITY_RANK: Record<TaskPriority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

export interface TaskFilter {
  text: string;
  status: TaskStatus | "all" | "ready";
  label: string | null;
  assignee: string | "any";
}
export const NO_FILTER: TaskFilter = { text: "", status: "all", label: null, assignee: "any" };

const num = (t: Task) => Number(t.id.slice(2));

export function filterTasks(tasks: readonly Task[], f: TaskFilter): Task[] {
  const text = f.text.trim().toLowerCase();
  return tasks.filter(
    (t) =>
      (f.status === "all" || (f.status === "ready" ? t.ready : t.status === f.status)) &&
      (!f.label || t.labels.includes(f.label)) &&
      (f.assignee === "any" || (f.assignee === "none" ? t.assignee === null : t.assignee === f.assignee)) &&
      (!text ||
        t.title.toLowerCase().includes(text) ||
        t.id.toLowerCase() === text ||
        t.body.toLowerCase().includes(text)),
  );
}

/** Most urgent first, then oldest. */
export const byPriority = (a: Task, b: Task) =>
  PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || num(a) - num(b);

/** The board: one column per status, each sorted by priority. */
export function columns(tasks: readonly Task[]): Record<TaskStatus, Task[]> {
  const out = Object.fromEntries(BOARD_COLUMNS.map((s) => [s, [] as Task[]])) as Record<TaskStatus, Task[]>;
  for (const t of tasks) out[t.status].push(t);
  for (const s of BOARD_COLUMNS) out[s].sort(byPriority);
  return out;
}

export const allLabels = (tasks: readonly Task[]) => [...new Set(tasks.flatMap((t) => t.labels))].sort();

const MAX_CONTEXT_BODY = 1500;

/** What "Start a conversation on this task" puts in the composer: the task as context, to edit and send. */
export function taskPrompt(t: Task): string {
  const body = t.body.trim();
  const cut = body.length > MAX_CONTEXT_BODY ? `${body.slice(0, MAX_CONTEXT_BODY)}…` : body;
  return [
    `Let's work on task ${t.id}: ${t.title}`,
    `(status ${t.status}, priority ${t.priority}${t.depends_on.length ? `, after ${t.depends_on.join(", ")}` : ""})`,
    ...(cut ? ["", cut] : []),
    "",
    `Read it with \`octo-tool task show ${t.id}\`, set it in_progress, and comment on what you find.`,
  ].join("\n");
}
