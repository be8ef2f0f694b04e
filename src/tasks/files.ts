import type { FileAccess } from "../files/access.ts";
import { ok } from "../protocol/errors.ts";
import type { TaskFiles } from "./tool.ts";

/** `.octo/tasks.jsonl` read and written by the project owner's runner (outside the sandbox). */
export function taskFilesThrough(access: () => FileAccess): TaskFiles {
  return {
    async read(ctx, path) {
      const project = await access().open(ctx.user, ctx.projectId);
      if (!project.ok) return project;
      const r = await project.value.runner.fs("fs.read", { project: project.value.folder, path });
      if (!r.ok) return r.error.code === "not_found" ? ok(null) : r;
      return ok(
        r.value.encoding === "utf8"
          ? r.value.content
          : Buffer.from(r.value.content, "base64").toString("utf8"),
      );
    },
    async write(ctx, path, text) {
      const project = await access().open(ctx.user, ctx.projectId);
      if (!project.ok) return project;
      const r = await project.value.runner.fs("fs.write", {
        project: project.value.folder,
        path,
        content: text,
        create_parents: true,
      });
      return r.ok ? ok(null) : r;
    },
  };
}
