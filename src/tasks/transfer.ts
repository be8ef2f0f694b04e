import * as v from "valibot";
import { describeIssues } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { type TaskLine, TaskLineSchema, taskNum } from "../protocol/tasks.ts";
import { tasksRepo } from "../storage/tasks.ts";
import { checkGraph } from "./graph.ts";
import type { TaskActorRef, TaskDeps, TaskScope } from "./types.ts";

export const TASKS_FILE = ".octo/tasks.jsonl";
const MAX_LINES = 10_000;

/** Decodes `.octo/tasks.jsonl`; a bad line is refused with its number, and nothing is stored. */
export function parseTaskLines(text: string): Result<TaskLine[]> {
  const lines = text.split("\n");
  const out: TaskLine[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of lines.entries()) {
    if (!raw.trim()) continue;
    if (out.length >= MAX_LINES) return fail("payload_too_large", `more than ${MAX_LINES} tasks`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return fail("validation_failed", `line ${i + 1}: not JSON`);
    }
    const line = v.safeParse(TaskLineSchema, json);
    if (!line.success) return fail("validation_failed", `line ${i + 1}: ${describeIssues(line.issues)}`);
    if (seen.has(line.output.id)) return fail("validation_failed", `line ${i + 1}: ${line.output.id} twice`);
    seen.add(line.output.id);
    out.push(line.output);
  }
  return ok(out);
}

/**
 * Upserts tasks by id (`T-n` keeps its number). Each imported task gets an `imported` history entry
 * naming who imported it. Dependencies and parents must resolve after the import, without circles.
 */
export function importTaskLines(
  deps: TaskDeps,
  scope: TaskScope,
  actor: TaskActorRef,
  lines: TaskLine[],
): Result<{ count: number }> {
  const repo = tasksRepo(deps.db);
  const now = (deps.now ?? Date.now)();
  return repo.transaction((): Result<{ count: number }> => {
    for (const l of lines) {
      const num = taskNum(l.id);
      const fields = {
        title: l.title,
        body: l.body,
        status: l.status,
        priority: l.priority,
        labels: JSON.stringify([...new Set(l.labels)]),
        assignee: l.assignee,
        parent: null,
        links: JSON.stringify(l.links),
        updated_at: l.updated_at ?? now,
      };
      if (repo.get(scope.projectId, num)) repo.update(scope.projectId, num, fields);
      else repo.insert({ project_id: scope.projectId, num, created_at: l.created_at ?? now, ...fields });
    }
    for (const l of lines) {
      const num = taskNum(l.id);
      const rows = repo.list(scope.projectId).filter((r) => r.num !== num);
      const edges = repo.deps(scope.projectId).filter((d) => d.num !== num);
      const parent = l.parent ? taskNum(l.parent) : null;
      const dependsOn = [...new Set(l.depends_on.map(taskNum))];
      const checked = checkGraph(rows, edges, num, parent, dependsOn);
      if (!checked.ok) throw new ImportRefused(`${l.id}: ${checked.error.message}`);
      repo.update(scope.projectId, num, { parent });
      repo.setDeps(scope.projectId, num, dependsOn);
      repo.addEvent({
        project_id: scope.projectId,
        num,
        kind: "imported",
        changes: "{}",
        comment: null,
        actor_kind: actor.kind,
        actor_id: actor.kind === "person" ? actor.userId : actor.sessionId,
        at: now,
      });
    }
    return ok({ count: lines.length });
  });
}

/** Thrown inside the import's transaction so that it rolls back; caught by `TaskService`. */
export class ImportRefused extends Error {}
