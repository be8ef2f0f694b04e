import type { Migration } from "../db.ts";
import { m001 } from "./001_init.ts";
import { m002 } from "./002_llm.ts";
import { m003 } from "./003_session_runtime.ts";
import { m004 } from "./004_revoked_sessions.ts";
import { m005 } from "./005_tool_tokens.ts";
import { m006 } from "./006_server_settings.ts";
import { m007 } from "./007_memory_tasks.ts";
import { m008 } from "./008_oidc.ts";
import { m009 } from "./009_budgets.ts";
import { m010 } from "./010_schedules.ts";
import { m011 } from "./011_notifications.ts";
import { m012 } from "./012_memory_vectors.ts";
import { m013 } from "./013_canvas.ts";
import { m014 } from "./014_git.ts";
import { m015 } from "./015_session_shares.ts";
import { m016 } from "./016_project_members.ts";

/** Main database migrations, in order. Append only. */
export const MAIN_MIGRATIONS: readonly Migration[] = [
  m001,
  m002,
  m003,
  m004,
  m005,
  m006,
  m007,
  m008,
  m009,
  m010,
  m011,
  m012,
  m013,
  m014,
  m015,
  m016,
];
