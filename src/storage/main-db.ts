import type { Database } from "bun:sqlite";
import type { Result } from "../protocol/errors.ts";
import { openDatabase } from "./db.ts";
import { MAIN_MIGRATIONS } from "./migrations/index.ts";

/** The server's main database: users, invites, API keys, projects, session metadata. */
export const openMainDb = (path: string): Result<Database> =>
  openDatabase(path, { kind: "main", migrations: MAIN_MIGRATIONS });
