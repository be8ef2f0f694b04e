import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import {
  CommentBody,
  CreateTaskBody,
  type Task,
  type TaskActor,
  type TaskEvent,
  TaskRefSchema,
  taskNum,
  taskRef,
  UpdateTaskBody,
  type UpdateTaskInput,
} from "../protocol/tasks.ts";
import { type TaskRow, tasksRepo } from "../storage/tasks.ts";
import { checkGraph, readyNums } from "./graph.ts";
import { ImportRefused, importTaskLines, parseTaskLines } from "./transfer.ts";
import type { TaskActorRef, TaskDeps, TaskFilter, TaskScope } from "./types.ts";

const notFound = (what = "task") => fail("not_found", `no such ${what}`);
const parseJson = <T>(s: string): T => JSON.parse(s) as T;

/** Tasks of a user's project, each change kept in its history with who made it. */
export class TaskService {
  private readonly repo;
  constructor(private readonly deps: TaskDeps) {
    this.repo = tasksRepo(deps.db);
  }
  private now() {
    return (this.deps.now ?? Date.now)();
  }
  private owns(scope: TaskScope): boolean {
    return this.deps.ownsProject(scope.userId, scope.projectId);
  }

  private toTask(
    row: TaskRow,
    deps: { num: number; depends_on: number }[],
    ready: Set<number>,
    children: number[],
  ): Task {
    return {
      id: taskRef(row.num),
      project_id: row.project_id,
      title: row.title,
      body: row.body,
      status: row.status as Task["status"],
      priority: row.priority as Task["priority"],
      labels: parseJson<string[]>(row.labels),
      assignee: row.assignee,
      parent: row.parent === null ? null : taskRef(row.parent),
      children: children.map(taskRef),
      depends_on: deps.filter((d) => d.num === row.num).map((d) => taskRef(d.depends_on)),
      links: parseJson<Task["links"]>(row.links),
      ready: ready.has(row.num),
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  private snapshot(projectId: string) {
    const rows = this.repo.list(projectId);
    const deps = this.repo.deps(projectId);
    const ready = readyNums(rows, deps);
    const tasks = rows.map((r) =>
      this.toTask(
        r,
        deps,
        ready,
        rows.filter((c) => c.parent === r.num).map((c) => c.num),
      ),
    );
    return { rows, deps, tasks };
  }

  private actorOut(kind: string, id: string): TaskActor {
    return kind === "person"
      ? { kind: "person", user_id: id, username: this.deps.usernameOf(id) ?? "(deleted user)" }
      : { kind: "session", session_id: id };
  }

  private record(
    scope: TaskScope,
    num: number,
    actor: TaskActorRef,
    kind: TaskEvent["kind"],
    changes: Record<string, [unknown, unknown]>,
    comment: string | null,
  ) {
    this.repo.addEvent({
      project_id: scope.projectId,
      num,
      kind,
      changes: JSON.stringify(changes),
      comment,
      actor_kind: actor.kind,
      actor_id: actor.kind === "person" ? actor.userId : actor.sessionId,
      at: this.now(),
    });
  }

  /** Assignees are "agent" or the project's owner (the only person with access today). */
  private checkAssignee(scope: TaskScope, assignee: string | null | undefined): Result<null> {
    if (assignee === undefined || assignee === null || assignee === "agent") return ok(null);
    return assignee === this.deps.usernameOf(scope.userId)
      ? ok(null)
      : fail(
          "validation_failed",
          `assignee: ${assignee} has no access to this project (use agent or your username)`,
        );
  }

  list(scope: TaskScope, filter: TaskFilter = {}): Result<Task[]> {
    if (!this.owns(scope)) return notFound("project");
    const q = filter.q?.trim().toLowerCase();
    return ok(
      this.snapshot(scope.projectId).tasks.filter(
        (t) =>
          (!filter.status || t.status === filter.status) &&
          (!filter.ready || t.ready) &&
          (!filter.label || t.labels.includes(filter.label)) &&
          (!filter.assignee || t.assignee === filter.assignee) &&
          (!q || t.title.toLowerCase().includes(q) || t.id.toLowerCase() === q),
      ),
    );
  }

  get(scope: TaskScope, ref: string): Result<{ task: Task; history: TaskEvent[] }> {
    if (!this.owns(scope)) return notFound();
    const r = decode(TaskRefSchema, ref, "task id");
    if (!r.ok) return r;
    const num = taskNum(r.value);
    const task = this.snapshot(scope.projectId).tasks.find((t) => t.id === r.value);
    if (!task) return notFound();
    const history = this.repo.events(scope.projectId, num).map((e) => ({
      kind: e.kind as TaskEvent["kind"],
      changes: parseJson<Record<string, [unknown, unknown]>>(e.changes),
      comment: e.comment,
      by: this.actorOut(e.actor_kind, e.actor_id),
      at: e.at,
    }));
    return ok({ task, history });
  }

  create(scope: TaskScope, actor: TaskActorRef, input: unknown): Result<Task> {
    if (!this.owns(scope)) return notFound("project");
    const body = decode(CreateTaskBody, input, "task");
    if (!body.ok) return body;
    const b = body.value;
    const assignee = this.checkAssignee(scope, b.assignee);
    if (!assignee.ok) return assignee;
    const made = this.repo.transaction((): Result<number> => {
      const num = this.repo.nextNum(scope.projectId);
      const rows = this.repo.list(scope.projectId);
      const parent = b.parent ? taskNum(b.parent) : null;
      const dependsOn = [...new Set(b.depends_on.map(taskNum))];
      const checked = checkGraph(rows, this.repo.deps(scope.projectId), num, parent, dependsOn);
      if (!checked.ok) return checked;
      const now = this.now();
      this.repo.insert({
        project_id: scope.projectId,
        num,
        title: b.title,
        body: b.body,
        status: b.status,
        priority: b.priority,
        labels: JSON.stringify([...new Set(b.labels)]),
        assignee: b.assignee,
        parent,
        links: JSON.stringify(b.links),
        created_at: now,
        updated_at: now,
      });
      this.repo.setDeps(scope.projectId, num, dependsOn);
      this.record(scope, num, actor, "created", {}, null);
      return ok(num);
    });
    if (!made.ok) return made;
    this.deps.changed(scope.userId, scope.projectId);
    const created = this.get(scope, taskRef(made.value));
    return created.ok ? ok(created.value.task) : created;
  }

  update(scope: TaskScope, actor: TaskActorRef, ref: string, input: unknown): Result<Task> {
    if (!this.owns(scope)) return notFound();
    const body = decode(UpdateTaskBody, input, "task");
    if (!body.ok) return body;
    const current = this.get(scope, ref);
    if (!current.ok) return current;
    const before = current.value.task;
    const { reason, ...fields } = body.value as UpdateTaskInput;
    const assignee = this.checkAssignee(scope, fields.assignee);
    if (!assignee.ok) return assignee;
    const num = taskNum(before.id);
    const done = this.repo.transaction((): Result<null> => {
      const changes: Record<string, [unknown, unknown]> = {};
      const set: Record<string, unknown> = {};
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      for (const key of ["title", "body", "status", "priority", "assignee"] as const) {
        const value = fields[key];
        if (value !== undefined && !same(value, before[key])) {
          changes[key] = [before[key], value];
          set[key] = value;
        }
      }
      if (fields.labels && !same([...new Set(fields.labels)], before.labels)) {
        changes.labels = [before.labels, [...new Set(fields.labels)]];
        set.labels = JSON.stringify([...new Set(fields.labels)]);
      }
      if (fields.links && !same(fields.links, before.links)) {
        changes.links = [before.links, fields.links];
        set.links = JSON.stringify(fields.links);
      }
      const parent =
        fields.parent === undefined ? undefined : fields.parent === null ? null : taskNum(fields.parent);
      const dependsOn = fields.depends_on ? [...new Set(fields.depends_on.map(taskNum))] : undefined;
      if (parent !== undefined || dependsOn) {
        const checked = checkGraph(
          this.repo.list(scope.projectId).filter((r) => r.num !== num),
          this.repo.deps(scope.projectId).filter((d) => d.num !== num),
          num,
          parent === undefined ? (before.parent ? taskNum(before.parent) : null) : parent,
          dependsOn ?? before.depends_on.map(taskNum),
        );
        if (!checked.ok) return checked;
      }
      if (parent !== undefined && parent !== (before.parent ? taskNum(before.parent) : null)) {
        changes.parent = [before.parent, parent === null ? null : taskRef(parent)];
        set.parent = parent;
      }
      if (dependsOn && !same(dependsOn.map(taskRef).sort(), [...before.depends_on].sort())) {
        changes.depends_on = [before.depends_on, dependsOn.map(taskRef)];
        this.repo.setDeps(scope.projectId, num, dependsOn);
      }
      if (Object.keys(changes).length === 0 && !reason) return ok(null);
      this.repo.update(scope.projectId, num, { ...set, updated_at: this.now() } as Partial<TaskRow>);
      this.record(scope, num, actor, "updated", changes, reason || null);
      return ok(null);
    });
    if (!done.ok) return done;
    this.deps.changed(scope.userId, scope.projectId);
    const after = this.get(scope, before.id);
    return after.ok ? ok(after.value.task) : after;
  }

  comment(scope: TaskScope, actor: TaskActorRef, ref: string, input: unknown): Result<Task> {
    const body = decode(CommentBody, input, "comment");
    if (!body.ok) return body;
    const current = this.get(scope, ref);
    if (!current.ok) return current;
    const num = taskNum(current.value.task.id);
    this.repo.update(scope.projectId, num, { updated_at: this.now() });
    this.record(scope, num, actor, "comment", {}, body.value.text);
    this.deps.changed(scope.userId, scope.projectId);
    return ok(current.value.task);
  }

  /** All tasks as JSON lines (`.octo/tasks.jsonl`), in id order. */
  exportLines(scope: TaskScope): Result<{ text: string; count: number }> {
    const tasks = this.list(scope);
    if (!tasks.ok) return tasks;
    const lines = tasks.value.map((t) =>
      JSON.stringify({
        id: t.id,
        title: t.title,
        body: t.body,
        status: t.status,
        priority: t.priority,
        labels: t.labels,
        assignee: t.assignee,
        parent: t.parent,
        depends_on: t.depends_on,
        links: t.links,
        created_at: t.created_at,
        updated_at: t.updated_at,
      }),
    );
    return ok({ text: lines.map((l) => `${l}\n`).join(""), count: lines.length });
  }

  /** Tasks from JSON lines (an export), upserted by id; all or nothing. */
  importLines(scope: TaskScope, actor: TaskActorRef, text: string): Result<{ count: number }> {
    if (!this.owns(scope)) return notFound("project");
    const lines = parseTaskLines(text);
    if (!lines.ok) return lines;
    let done: Result<{ count: number }>;
    try {
      done = importTaskLines(this.deps, scope, actor, lines.value);
    } catch (e) {
      if (e instanceof ImportRefused) return fail("validation_failed", e.message);
      throw e;
    }
    if (done.ok) this.deps.changed(scope.userId, scope.projectId);
    return done;
  }
}
