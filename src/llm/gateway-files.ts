import type { Database } from "bun:sqlite";
import { join } from "node:path";
import type { LoadedConfig } from "../config/index.ts";
import { VERSION } from "../shared/version.ts";
import { llmProvidersRepo } from "../storage/llm.ts";

/**
 * Where the LLM gateway keeps its control socket, pid file and log (a directory of its own in the
 * server's socket directory; users' sockets are in `gateway/<name>/`, see placement.ts), and what makes two gateways interchangeable. One home for these
 * names: `octo llm-gateway` and the server's `GatewayClient` both ask here.
 */

export interface GatewayFiles {
  /** 0700, the server's user only (`octo install` creates it through tmpfiles.d). */
  dir: string;
  /** HTTP over a unix socket, 0600: status, serve/remove a user's socket, drain. Server only. */
  control: string;
  pidFile: string;
  logFile: string;
}

export function gatewayFiles(socketDir: string): GatewayFiles {
  const dir = join(socketDir, "llm-gateway");
  return {
    dir,
    control: join(dir, "control.sock"),
    pidFile: join(dir, "gateway.pid"),
    logFile: join(dir, "gateway.log"),
  };
}

/** What `GET /status` on the control socket answers. */
export interface GatewayStatus {
  version: string;
  identity: string;
  pid: number;
  users: number;
  in_flight: number;
}

/**
 * A gateway serves what its version, its configuration and its key variables say. The server
 * replaces a running gateway whose identity differs from the one it would start (an upgrade, a
 * changed provider list or key); only a hash is exchanged, never a key.
 */
export function gatewayIdentity(
  config: LoadedConfig,
  db: Database,
  env: Record<string, string | undefined>,
): string {
  const keyVars = new Set<string>();
  for (const p of config.llm.providers) if (p.api_key_env) keyVars.add(p.api_key_env);
  for (const row of llmProvidersRepo(db).list()) if (row.api_key_env) keyVars.add(row.api_key_env);
  const envPart = [...keyVars].sort().map((name) => [name, env[name] ?? null]);
  return new Bun.CryptoHasher("sha256")
    .update(JSON.stringify([VERSION, gatewayConfig(config), envPart]))
    .digest("hex");
}

/** The configuration a gateway is started with (over its stdin): everything but auth secrets. */
export function gatewayConfig(config: LoadedConfig): LoadedConfig {
  return { ...config, auth: { ...config.auth, jwt_secret: "" } };
}
