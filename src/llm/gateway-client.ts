import type { Database } from "bun:sqlite";
import { closeSync, mkdirSync, openSync } from "node:fs";
import type { LoadedConfig } from "../config/index.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import type { Logger } from "../shared/log.ts";
import { commandFor } from "../shared/paths.ts";
import { VERSION } from "../shared/version.ts";
import { type GatewayStatus, gatewayConfig, gatewayFiles, gatewayIdentity } from "./gateway-files.ts";

/**
 * The server's side of the LLM gateway (`octo llm-gateway`). The server never stops it: a restart
 * of the server leaves every model stream alone. On first need it checks the running gateway over
 * the control socket, reuses it when its identity (version, configuration, key variables) is the one
 * it would start, and otherwise asks it to drain — it stops listening at once and finishes its
 * streams — and starts a new one, detached, as the server's own user. Calls sandboxes make in that
 * gap wait in their relay (socat retries the connect) instead of failing.
 *
 * `external`: systemd runs the gateway as its own unit; the server only waits for it, and on an
 * identity mismatch asks it to drain (systemd restarts it with the installed binary).
 */

export interface GatewayClientOptions {
  config: LoadedConfig;
  db: Database;
  log: Logger;
  external?: boolean;
  /** The environment the gateway is started with (its provider keys). */
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
}

export interface GatewayClient {
  /** A gateway of our identity is running (started if needed). */
  ensure(): Promise<Result<GatewayStatus>>;
  /** The user's LLM socket is served; its path. */
  ensureUser(userId: string, username: string): Promise<Result<string>>;
  removeUser(userId: string): Promise<void>;
  /** Memory embeddings through the gateway's `/embeddings` route (metered to this user and project). */
  embed(
    userId: string,
    projectId: string | null,
    input: string[],
    timeoutMs?: number,
  ): Promise<Result<Float32Array[]>>;
  status(): Promise<GatewayStatus | null>;
  /**
   * Once a gateway has been needed, check every `intervalMs` that one still answers and start a new
   * one if not (it crashed or was killed): running sandboxes wait in their relay meanwhile.
   */
  watch(intervalMs?: number): void;
  close(): void;
}

export function createGatewayClient(opts: GatewayClientOptions): GatewayClient {
  const files = gatewayFiles(opts.config.paths.socketDir);
  const env = opts.env ?? process.env;
  const log = opts.log.child({ area: "llm-gateway" });
  let ensuring: Promise<Result<GatewayStatus>> | null = null;
  /** Checked once per server life; after that a failing call re-checks. */
  let checked = false;

  const call = async (method: string, path: string): Promise<Response | null> => {
    try {
      return await fetch(`http://llm-gateway${path}`, {
        method,
        unix: files.control,
        signal: AbortSignal.timeout(5000),
      });
    } catch {
      return null;
    }
  };

  const status = async (): Promise<GatewayStatus | null> => {
    const r = await call("GET", "/status");
    return r?.ok ? ((await r.json()) as GatewayStatus) : null;
  };

  const start = (): void => {
    mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    const logFd = openSync(files.logFile, "a", 0o600);
    const proc = Bun.spawn([...commandFor("octo"), "llm-gateway", "--config-stdin"], {
      env: env as Record<string, string>,
      stdin: "pipe",
      stdout: logFd,
      stderr: logFd,
      detached: true,
    });
    closeSync(logFd);
    proc.stdin.write(JSON.stringify(gatewayConfig(opts.config)));
    void proc.stdin.end();
    proc.unref();
    log.info("llm gateway starting", { pid: proc.pid });
  };

  const waitFor = async (identity: string, version: string): Promise<Result<GatewayStatus>> => {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
    let wait = 5;
    while (Date.now() < deadline) {
      const s = await status();
      if (s && (opts.external ? s.version === version : s.identity === identity)) return ok(s);
      await Bun.sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
    return fail("runner_unavailable", `the LLM gateway did not start (see ${files.logFile})`);
  };

  const doEnsure = async (): Promise<Result<GatewayStatus>> => {
    const identity = gatewayIdentity(opts.config, opts.db, env);
    const running = await status();
    const same = running && (opts.external ? running.version === VERSION : running.identity === identity);
    if (running && same) return ok(running);
    if (running) {
      log.info("replacing the llm gateway", {
        pid: running.pid,
        version: running.version,
        in_flight: running.in_flight,
      });
      // It stops listening before it answers; its streams run on while the successor starts.
      await call("POST", "/drain");
    }
    if (!opts.external) start();
    return waitFor(identity, VERSION);
  };

  const ensure = (): Promise<Result<GatewayStatus>> => {
    ensuring ??= doEnsure()
      .then((r) => {
        checked = r.ok;
        return r;
      })
      .finally(() => {
        ensuring = null;
      });
    return ensuring;
  };

  let watcher: ReturnType<typeof setInterval> | null = null;

  return {
    ensure,
    status,
    watch(intervalMs = 2000) {
      watcher ??= setInterval(async () => {
        if (!checked || ensuring) return;
        if (await status()) return;
        log.warn("the llm gateway stopped answering; starting a new one");
        const r = await ensure();
        if (!r.ok) log.error("llm gateway not restarted", { ...r.error });
      }, intervalMs);
      watcher.unref?.();
    },
    close() {
      if (watcher) clearInterval(watcher);
      watcher = null;
    },
    async ensureUser(userId, username) {
      const path = `/users/${userId}?username=${encodeURIComponent(username)}`;
      let r = checked ? await call("PUT", path) : null;
      if (!r?.ok) {
        const ready = await ensure();
        if (!ready.ok) return ready;
        r = await call("PUT", path);
      }
      if (!r?.ok) return fail("runner_unavailable", "the LLM gateway refused to serve this user's socket");
      return ok(((await r.json()) as { socket: string }).socket);
    },
    async embed(userId, projectId, input, timeoutMs = 120_000) {
      if (!checked) {
        const ready = await ensure();
        if (!ready.ok) return ready;
      }
      let r: Response;
      try {
        r = await fetch("http://llm-gateway/embeddings", {
          method: "POST",
          unix: files.control,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ user_id: userId, project_id: projectId ?? "", input }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        checked = false;
        return fail("runner_unavailable", `the LLM gateway did not answer: ${String(e)}`);
      }
      const body = (await r.json().catch(() => null)) as {
        data?: { index?: number; embedding?: unknown }[];
        error?: { message?: string };
      } | null;
      if (!r.ok || !Array.isArray(body?.data))
        return fail("agent_failed", `embeddings: ${body?.error?.message ?? `HTTP ${r.status}`}`);
      const vectors: Float32Array[] = [];
      for (const [i, item] of body.data.entries()) {
        const at = typeof item.index === "number" ? item.index : i;
        if (!Array.isArray(item.embedding) || at < 0 || at >= input.length)
          return fail("agent_failed", "embeddings: the provider's answer has no vector list");
        vectors[at] = Float32Array.from(item.embedding as number[]);
      }
      if (vectors.length !== input.length || vectors.some((x) => !x))
        return fail("agent_failed", `embeddings: ${input.length} asked, ${body.data.length} answered`);
      return ok(vectors);
    },
    async removeUser(userId) {
      await call("DELETE", `/users/${userId}`);
    },
  };
}
