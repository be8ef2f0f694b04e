import type { LoadedConfig } from "./load.ts";

/**
 * Single-user: one runner as the invoking user serves every platform user. Multi-user: one Linux
 * account (`octo_<name>`) and runner per platform user.
 */
export type ServerMode = "single-user" | "multi-user";

export const modeOf = (config: LoadedConfig): ServerMode =>
  config.local.single_user && !config.local.linux_users.enabled ? "single-user" : "multi-user";

/** What keeps platform users apart in each mode, in words (Admin → Status, `octo --help`). */
export const ISOLATION: Record<ServerMode, string> = {
  "single-user":
    "single-user mode: one Linux account runs every user's agents (octo-agent when started as root); " +
    "each user has their own project folders, kept apart by the sandbox only. " +
    "For one Linux account per user, use multi-user mode (octo install).",
  "multi-user": "multi-user mode: each user's agents run as their own Linux account (octo_<name>).",
};
