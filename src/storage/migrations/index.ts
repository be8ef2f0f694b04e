import type { Migration } from "../db.ts";
import { m001 } from "./001_init.ts";

/** Main database migrations, in order. Append only. */
export const MAIN_MIGRATIONS: readonly Migration[] = [m001];
