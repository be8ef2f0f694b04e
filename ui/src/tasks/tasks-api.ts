import * as v from "valibot";
import { TaskDetailSchema, TaskSchema } from "../../../src/protocol/tasks.ts";
import { api } from "../api/http.ts";

export type { Task, TaskEvent, TaskLink, TaskPriority, TaskStatus } from "../../../src/protocol/tasks.ts";
export { TASK_PRIORITIES, TASK_STATUSES } from "../../../src/protocol/tasks.ts";

const base = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}/tasks`;
const List = v.object({ tasks: v.array(TaskSchema) });
const One = v.object({ task: TaskSchema });

export const listTasks = (projectId: string) => api("GET", base(projectId), List);
export const getTask = (projectId: string, id: string) =>
  api("GET", `${base(projectId)}/${id}`, TaskDetailSchema);
export const createTask = (projectId: string, body: Record<string, unknown>) =>
  api("POST", base(projectId), One, { body });
export const updateTask = (projectId: string, id: string, body: Record<string, unknown>) =>
  api("PATCH", `${base(projectId)}/${id}`, One, { body });
export const commentTask = (projectId: string, id: string, text: string) =>
  api("POST", `${base(projectId)}/${id}/comments`, One, { body: { text } });
export const exportUrl = (projectId: string) => `${base(projectId)}/export`;
export const importTasks = (projectId: string, jsonl: string) =>
  api("POST", `${base(projectId)}/import`, v.object({ count: v.number() }), { body: { jsonl } });
