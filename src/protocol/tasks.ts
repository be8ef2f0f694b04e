import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * The task tracker of a project. A task's id is short and stable within its project: `T-12`.
 * Every change is kept in its history with who made it (a person or an agent session).
 */

export const TASK_STATUSES = ["open", "in_progress", "blocked", "done", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export const TaskRefSchema = v.pipe(
  v.string(),
  v.trim(),
  v.toUpperCase(),
  v.regex(/^T-[1-9][0-9]{0,8}$/, "a task id looks like T-12"),
);
export const taskRef = (num: number) => `T-${num}`;
export const taskNum = (ref: string) => Number(ref.slice(2));

const title = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "a task needs a title"),
  v.maxLength(200, "a title has at most 200 characters"),
);
const body = v.pipe(v.string(), v.maxLength(20_000, "a body has at most 20000 characters"));
const label = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.regex(/^[a-z0-9][a-z0-9_:.-]{0,39}$/, "a label is 1-40 characters: letters, digits, _ : . -"),
);
const labels = v.pipe(v.array(label), v.maxLength(12, "at most 12 labels"));
/** "agent", or a person by username. */
const assignee = v.nullable(
  v.pipe(v.string(), v.trim(), v.regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/i, "an assignee is a username or agent")),
);
export const TaskLinkSchema = v.variant("kind", [
  v.strictObject({ kind: v.literal("session"), session_id: idSchema("ses") }),
  v.strictObject({
    kind: v.literal("file"),
    path: v.pipe(
      v.string(),
      v.minLength(1),
      v.maxLength(1000),
      v.check((p) => !p.includes("\0") && !p.split("/").includes(".."), "a path inside the project"),
    ),
  }),
]);
export type TaskLink = v.InferOutput<typeof TaskLinkSchema>;
const links = v.pipe(v.array(TaskLinkSchema), v.maxLength(50));
const refs = v.pipe(v.array(TaskRefSchema), v.maxLength(50));

export const TaskActorSchema = v.variant("kind", [
  v.strictObject({ kind: v.literal("person"), user_id: idSchema("usr"), username: v.string() }),
  v.strictObject({ kind: v.literal("session"), session_id: idSchema("ses") }),
]);
export type TaskActor = v.InferOutput<typeof TaskActorSchema>;

export const TaskSchema = v.strictObject({
  id: v.string(),
  project_id: idSchema("prj"),
  title: v.string(),
  body: v.string(),
  status: v.picklist(TASK_STATUSES),
  priority: v.picklist(TASK_PRIORITIES),
  labels: v.array(v.string()),
  assignee: v.nullable(v.string()),
  parent: v.nullable(v.string()),
  children: v.array(v.string()),
  depends_on: v.array(v.string()),
  links: v.array(TaskLinkSchema),
  /** Open, and every dependency is done. */
  ready: v.boolean(),
  created_at: v.number(),
  updated_at: v.number(),
});
export type Task = v.InferOutput<typeof TaskSchema>;

export const TaskEventSchema = v.strictObject({
  kind: v.picklist(["created", "updated", "comment", "imported"]),
  /** Field → [before, after]. */
  changes: v.record(v.string(), v.tuple([v.unknown(), v.unknown()])),
  comment: v.nullable(v.string()),
  by: TaskActorSchema,
  at: v.number(),
});
export type TaskEvent = v.InferOutput<typeof TaskEventSchema>;

export const CreateTaskBody = v.strictObject({
  title,
  body: v.optional(body, ""),
  status: v.optional(v.picklist(TASK_STATUSES), "open"),
  priority: v.optional(v.picklist(TASK_PRIORITIES), "normal"),
  labels: v.optional(labels, []),
  assignee: v.optional(assignee, null),
  parent: v.optional(v.nullable(TaskRefSchema), null),
  depends_on: v.optional(refs, []),
  links: v.optional(links, []),
});
export type CreateTaskInput = v.InferOutput<typeof CreateTaskBody>;

export const UpdateTaskBody = v.strictObject({
  title: v.optional(title),
  body: v.optional(body),
  status: v.optional(v.picklist(TASK_STATUSES)),
  priority: v.optional(v.picklist(TASK_PRIORITIES)),
  labels: v.optional(labels),
  assignee: v.optional(assignee),
  parent: v.optional(v.nullable(TaskRefSchema)),
  depends_on: v.optional(refs),
  links: v.optional(links),
  /** A note kept with this change in the history (e.g. why it was closed). */
  reason: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2000))),
});
export type UpdateTaskInput = v.InferOutput<typeof UpdateTaskBody>;

export const CommentBody = v.strictObject({
  text: v.pipe(v.string(), v.trim(), v.minLength(1, "an empty comment"), v.maxLength(20_000)),
});

export const TaskListQuery = v.strictObject({
  status: v.optional(v.picklist(TASK_STATUSES)),
  ready: v.optional(v.picklist(["0", "1", "true", "false"])),
  label: v.optional(label),
  assignee: v.optional(v.string()),
  q: v.optional(v.pipe(v.string(), v.maxLength(200))),
});

// ── tool area `task` (octo-tool task …) ────────────────────────────────────────────────────────

export const TaskToolArgs = {
  add: CreateTaskBody,
  list: v.strictObject({
    status: v.optional(v.picklist(TASK_STATUSES)),
    ready: v.optional(v.boolean(), false),
  }),
  show: v.strictObject({ id: TaskRefSchema }),
  update: v.strictObject({ id: TaskRefSchema, ...UpdateTaskBody.entries }),
  comment: v.strictObject({ id: TaskRefSchema, text: CommentBody.entries.text }),
  close: v.strictObject({
    id: TaskRefSchema,
    reason: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2000))),
    status: v.optional(v.picklist(["done", "cancelled"]), "done"),
  }),
  export: v.strictObject({}),
  import: v.strictObject({}),
};

export const TaskDetailSchema = v.strictObject({ task: TaskSchema, history: v.array(TaskEventSchema) });
export const TaskListAnswer = v.strictObject({ tasks: v.array(TaskSchema) });
export const TaskAnswer = v.strictObject({ task: TaskSchema });
export const TaskTransferAnswer = v.strictObject({ path: v.string(), count: v.number() });

/** One line of `.octo/tasks.jsonl`: a task with its parent, dependencies and links (its history stays in octo). */
export const TaskLineSchema = v.strictObject({
  id: TaskRefSchema,
  title,
  body: v.optional(body, ""),
  status: v.picklist(TASK_STATUSES),
  priority: v.optional(v.picklist(TASK_PRIORITIES), "normal"),
  labels: v.optional(labels, []),
  assignee: v.optional(assignee, null),
  parent: v.optional(v.nullable(TaskRefSchema), null),
  depends_on: v.optional(refs, []),
  links: v.optional(links, []),
  created_at: v.optional(v.number()),
  updated_at: v.optional(v.number()),
});
export type TaskLine = v.InferOutput<typeof TaskLineSchema>;
