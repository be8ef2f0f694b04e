import type { Result } from "../protocol/errors.ts";
import { fail, ok } from "../protocol/errors.ts";
import type { RunnerManager } from "../runners/manager.ts";
import type { Placement } from "../runners/placement.ts";
import type { Owner, ProjectFolders } from "./service.ts";

/** Project folders are made and removed by the owner's runner, as the owner's Linux account. */
export function runnerProjectFolders(runners: RunnerManager, placement: Placement): ProjectFolders {
  const clientFor = async (owner: Owner, slug: string) =>
    runners.forUser(placement.project(owner.username, slug).runnerUser);
  const folder = (owner: Owner, slug: string) => placement.project(owner.username, slug).folder;
  return {
    async create(owner, slug, files) {
      const client = await clientFor(owner, slug);
      if (!client.ok) return client;
      const r = await client.value.fs("fs.create_project", { slug: folder(owner, slug), files });
      return r.ok ? ok(undefined) : r;
    },
    async remove(owner, slug): Promise<Result<void>> {
      const client = await clientFor(owner, slug);
      if (!client.ok) return client;
      const r = await client.value.fs("fs.remove_project", { slug: folder(owner, slug) });
      if (!r.ok && r.error.code !== "not_found") return fail(r.error.code, r.error.message);
      return ok(undefined);
    },
  };
}
