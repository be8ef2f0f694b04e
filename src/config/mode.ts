import type { LoadedConfig } from "./load.ts";

/**
 * Single-user: one runner as the invoking user serves every platform user. Multi-user: one Linux
 * account (`octo_<name>`) and runner per platform user.
 */
export type ServerMode = "single-user" | "multi-user";

export const modeOf = (config: LoadedConfig): ServerMode =>
  config.local.single_user && !config.local.linux_users.enabled ? "single-user" : "multi-user";
