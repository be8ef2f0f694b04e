import * as v from "valibot";
import { type ChangeArea, changesEventSchema } from "../../../src/protocol/changes.ts";
import { mux } from "../api/tab-mux.ts";

/** The server keeps one watch per project and socket: views of a project on this tab share it. */
const held = new Map<string, { count: number; offOpen: () => void }>();

/**
 * Calls `reload` whenever the project's `area` (memory or tasks) changes anywhere — another tab, a
 * person or an agent — and after every reconnect (what changed meanwhile is not replayed).
 * Returns the function that stops it.
 */
export function watchChanges(projectId: string, area: ChangeArea, reload: () => void): () => void {
  const client = mux();
  const offFrames = client.onChannel("changes", (frame) => {
    const e = v.safeParse(changesEventSchema, frame);
    if (e.success && e.output.project_id === projectId && e.output.area === area) reload();
  });
  const offReopen = client.onOpen(reload);
  const h = held.get(projectId);
  if (h) h.count++;
  else {
    const start = () => void client.request("changes", "watch", { project_id: projectId });
    held.set(projectId, { count: 1, offOpen: client.onOpen(start) });
    start();
  }
  return () => {
    offFrames();
    offReopen();
    const w = held.get(projectId);
    if (!w || --w.count > 0) return;
    held.delete(projectId);
    w.offOpen();
    void client.request("changes", "unwatch", { project_id: projectId });
  };
}
