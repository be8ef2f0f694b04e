import { decode } from "../protocol/decode.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { TaskToolArgs } from "../protocol/tasks.ts";
import type { ToolArea, ToolContext } from "../tools/dispatcher.ts";
import type { TaskService } from "./service.ts";
import { TASKS_FILE } from "./transfer.ts";
import type { TaskActorRef, TaskScope } from "./types.ts";

/** The project's `.octo/` is read-only in the sandbox: the server writes it through the runner. */
export interface TaskFiles {
  read(ctx: ToolContext, path: string): Promise<Result<string | null>>;
  write(ctx: ToolContext, path: string, text: string): Promise<Result<null>>;
}

const scopeOf = (ctx: ToolContext): TaskScope => ({ userId: ctx.user.id, projectId: ctx.projectId });
const actorOf = (ctx: ToolContext): TaskActorRef => ({ kind: "session", sessionId: ctx.sessionId });

/** `octo-tool task …` → the area `task`: the session's project comes from its token. */
export function taskArea(tasks: TaskService, files: TaskFiles): ToolArea {
  const withTask = (r: Result<unknown>) => (r.ok ? ok({ task: r.value }) : r);
  return {
    async add(args, ctx) {
      return withTask(tasks.create(scopeOf(ctx), actorOf(ctx), args));
    },
    async list(args, ctx) {
      const a = decode(TaskToolArgs.list, args, "task list");
      if (!a.ok) return a;
      const list = tasks.list(scopeOf(ctx), {
        ...(a.value.status ? { status: a.value.status } : {}),
        ready: a.value.ready,
      });
      return list.ok ? ok({ tasks: list.value }) : list;
    },
    async show(args, ctx) {
      const a = decode(TaskToolArgs.show, args, "task show");
      if (!a.ok) return a;
      return tasks.get(scopeOf(ctx), a.value.id);
    },
    async update(args, ctx) {
      const a = decode(TaskToolArgs.update, args, "task update");
      if (!a.ok) return a;
      const { id, ...fields } = a.value;
      return withTask(tasks.update(scopeOf(ctx), actorOf(ctx), id, fields));
    },
    async comment(args, ctx) {
      const a = decode(TaskToolArgs.comment, args, "task comment");
      if (!a.ok) return a;
      return withTask(tasks.comment(scopeOf(ctx), actorOf(ctx), a.value.id, { text: a.value.text }));
    },
    async close(args, ctx) {
      const a = decode(TaskToolArgs.close, args, "task close");
      if (!a.ok) return a;
      return withTask(
        tasks.update(scopeOf(ctx), actorOf(ctx), a.value.id, {
          status: a.value.status,
          ...(a.value.reason ? { reason: a.value.reason } : {}),
        }),
      );
    },
    async export(args, ctx) {
      const a = decode(TaskToolArgs.export, args, "task export");
      if (!a.ok) return a;
      const out = tasks.exportLines(scopeOf(ctx));
      if (!out.ok) return out;
      const written = await files.write(ctx, TASKS_FILE, out.value.text);
      return written.ok ? ok({ path: TASKS_FILE, count: out.value.count }) : written;
    },
    async import(args, ctx) {
      const a = decode(TaskToolArgs.import, args, "task import");
      if (!a.ok) return a;
      const text = await files.read(ctx, TASKS_FILE);
      if (!text.ok) return text;
      if (text.value === null) return fail("not_found", `${TASKS_FILE} does not exist`);
      const done = tasks.importLines(scopeOf(ctx), actorOf(ctx), text.value);
      return done.ok ? ok({ path: TASKS_FILE, count: done.value.count }) : done;
    },
  };
}
