import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { checkpointsRoot } from "./store.ts";

/**
 * At runner start: any store with a restore journal gets it finished or rolled back. Cheap when
 * there is nothing to do (one readdir, no import of the review code).
 */
export async function recoverRestores(root = checkpointsRoot()): Promise<void> {
  if (!existsSync(root)) return;
  const pending = readdirSync(root).filter((name) => existsSync(join(root, name, "journal.json")));
  if (pending.length === 0) return;
  const { recoverAll } = await import("./service.ts");
  await recoverAll(root);
}
