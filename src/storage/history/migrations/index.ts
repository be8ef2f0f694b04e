import type { Migration } from "../../db.ts";
import { h001 } from "./001_events_messages.ts";
import { h002 } from "./002_sources.ts";

/** Per-user history database migrations, in order (one file per user; deleting the user deletes it). Append only. */
export const HISTORY_MIGRATIONS: readonly Migration[] = [h001, h002];
