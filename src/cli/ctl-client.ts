import { existsSync } from "node:fs";
import { loadConfig } from "../config/index.ts";
import { adminSocketPath } from "../http/admin-socket.ts";
import { type ErrorBody, fail, ok, type Result } from "../protocol/errors.ts";

/** Where octoctl sends its requests: the local admin socket, or any server with an API key. */
export type Target = { kind: "socket"; path: string } | { kind: "url"; url: string; apiKey: string };

export interface TargetOptions {
  url?: string;
  apiKey?: string;
  socket?: string;
  config?: string;
}

const HOW_TO_START =
  "Start it with `octo serve` (or `systemctl start octo` when installed), or reach another server with --url URL --api-key KEY.";

export function resolveTarget(opts: TargetOptions, env = process.env): Result<Target> {
  const url = opts.url ?? env.OCTOCTL_URL;
  const apiKey = opts.apiKey ?? env.OCTOCTL_API_KEY;
  if (url) {
    if (!apiKey)
      return fail("bad_request", "--url needs an API key: pass --api-key KEY or set OCTOCTL_API_KEY");
    if (!/^https?:\/\//.test(url))
      return fail("bad_request", `--url must start with http:// or https://, not ${url}`);
    return ok({ kind: "url", url: url.replace(/\/+$/, ""), apiKey });
  }
  if (apiKey) return fail("bad_request", "--api-key is for a server given with --url");
  if (opts.socket) return ok({ kind: "socket", path: opts.socket });
  // The socket of this user's own server, else the installed system server's.
  const candidates: string[] = [];
  const mine = loadConfig({ path: opts.config, env });
  if (!mine.ok) return mine;
  candidates.push(adminSocketPath(mine.value.paths.socketDir));
  if (!opts.config) {
    const system = loadConfig({ env, system: true });
    if (system.ok) candidates.push(adminSocketPath(system.value.paths.socketDir));
  }
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    return fail(
      "runner_unavailable",
      `no octo server is running here (no admin socket at ${candidates.join(" or ")}). ${HOW_TO_START}`,
    );
  return ok({ kind: "socket", path: found });
}

/** One admin API call; the server's `{error: {code, message}}` comes back as a failure value. */
export async function callApi<T>(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<Result<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (target.kind === "url") headers.authorization = `Bearer ${target.apiKey}`;
  const base = target.kind === "url" ? target.url : "http://localhost";
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(target.kind === "socket" ? { unix: target.path } : {}),
    });
  } catch (e) {
    return fail("runner_unavailable", unreachable(target, e as Error & { code?: string }));
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    return fail("internal", `${base}${path} answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const err = (parsed as { error?: ErrorBody }).error;
    return fail(err?.code ?? "internal", err?.message ?? `HTTP ${res.status}`);
  }
  return ok(parsed as T);
}

function unreachable(target: Target, e: Error & { code?: string }): string {
  if (target.kind === "url") return `cannot reach ${target.url}: ${e.message}`;
  if (e.code === "EACCES" || /permission/i.test(e.message))
    return `permission denied on ${target.path}: run octoctl as root or as the user the server runs as`;
  return `no octo server answers on ${target.path} (${e.code ?? e.message}). ${HOW_TO_START}`;
}
