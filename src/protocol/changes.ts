import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * The mux `changes` channel: a tab watches a project's records and hears when they change, then
 * reloads what it shows (the HTTP API stays the one way to read them).
 *
 *   watch   {project_id}  → {}     start hearing about this project (checked against the user)
 *   unwatch {project_id}  → {}
 *   event   {ch:"changes", event:"changed", area:"memory"|"tasks"|"schedules"|"canvas", project_id}
 */
export const CHANGE_AREAS = ["memory", "tasks", "schedules", "canvas"] as const;
export type ChangeArea = (typeof CHANGE_AREAS)[number];

export const ChangesCommandSchema = v.variant("cmd", [
  v.strictObject({ cmd: v.literal("watch"), project_id: idSchema("prj") }),
  v.strictObject({ cmd: v.literal("unwatch"), project_id: idSchema("prj") }),
]);
export type ChangesCommand = v.InferOutput<typeof ChangesCommandSchema>;

export const changesEventSchema = v.object({
  ch: v.literal("changes"),
  event: v.literal("changed"),
  area: v.picklist(CHANGE_AREAS),
  project_id: idSchema("prj"),
});
export type ChangesEvent = v.InferOutput<typeof changesEventSchema>;
