import { existsSync, readFileSync } from "node:fs";
import * as v from "valibot";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { defaultDirs, expandHome, rootSingleUserDirs } from "../shared/paths.ts";
import { type Config, ConfigSchema } from "./schema.ts";

export interface LoadedConfig extends Config {
  /** The file that was read, or where one would be read from. */
  configFile: string;
  configFileExists: boolean;
  /** Resolved absolute paths (defaults filled in, `~` expanded). */
  paths: { dataDir: string; workspaceDir: string; runtimeDir: string; socketDir: string };
}

export interface LoadOptions {
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Installed layout: /etc/octo, /var/lib/octo, /run/octo. */
  system?: boolean;
}

export const DEFAULTS: Config = v.parse(ConfigSchema, {});

/** Read, merge env overrides, validate. Every failure names the file and the key. */
export function loadConfig(opts: LoadOptions = {}): Result<LoadedConfig> {
  const env = opts.env ?? process.env;
  const system = opts.system ?? env.OCTO_SYSTEM === "1";
  const dirs = defaultDirs(env, system);
  const configFile = opts.path ?? env.OCTO_CONFIG ?? dirs.configFile;
  const explicit = Boolean(opts.path ?? env.OCTO_CONFIG);
  const exists = existsSync(configFile);
  if (explicit && !exists) return fail("bad_request", `config file ${configFile} does not exist`);

  let raw: Record<string, unknown> = {};
  if (exists) {
    const text = readFileSync(configFile, "utf8");
    try {
      raw = Bun.TOML.parse(text) as Record<string, unknown>;
    } catch (e) {
      const line = findBadTomlLine(text);
      const where = line ? ` near line ${line}` : "";
      return fail("validation_failed", `${configFile}${where}: ${(e as Error).message}`);
    }
  }

  const overridden = applyEnvOverrides(raw, env);
  if (!overridden.ok) return overridden;

  const parsed = v.safeParse(ConfigSchema, overridden.value);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const key = issue ? issuePath(issue) : "?";
    const detail = issue ? describeIssue(issue) : "invalid";
    return fail("validation_failed", `${exists ? configFile : "config"}: ${key}: ${detail}`);
  }
  const config = parsed.output;
  const home = env.HOME;
  const dataDir = expandHome(config.data.dir || dirs.dataDir, home);
  const rootDefaults =
    !system && process.getuid?.() === 0 && config.local.single_user && !config.local.linux_users.enabled
      ? rootSingleUserDirs(dirs)
      : { workspaceDir: dirs.workspaceDir, socketDir: dirs.runtimeDir };
  const workspaceDir = expandHome(config.local.workspace_dir || rootDefaults.workspaceDir, home);
  const socketDir = expandHome(config.runner.socket_dir || rootDefaults.socketDir, home);
  return ok({
    ...config,
    configFile,
    configFileExists: exists,
    paths: { dataDir, workspaceDir, runtimeDir: dirs.runtimeDir, socketDir },
  });
}

type Issue = v.BaseIssue<unknown>;

function issuePath(issue: Issue): string {
  const parts = (issue.path ?? []).map((p) => String(p.key));
  if (parts.length === 0) return "(top level)";
  const [section, ...rest] = parts;
  return rest.length ? `[${section}] ${rest.join(".")}` : `[${section}]`;
}

function describeIssue(issue: Issue): string {
  if (issue.type === "strict_object" || issue.expected === "never")
    return "unknown key (not a setting octo knows)";
  if (issue.type === "check") return issue.message;
  if (issue.kind === "validation") return `${issue.message}, got ${issue.received}`;
  return `expected ${issue.expected}, got ${issue.received}`;
}

/** Bun's TOML errors carry no reliable line: find the first prefix of lines that stops parsing. */
function findBadTomlLine(text: string): number | undefined {
  const lines = text.split("\n");
  for (let i = 1; i <= lines.length; i++) {
    try {
      Bun.TOML.parse(lines.slice(0, i).join("\n"));
    } catch {
      return i;
    }
  }
  return undefined;
}

/**
 * `OCTO_<SECTION>_<KEY>` overrides a scalar setting, e.g. OCTO_SERVER_PORT=9000,
 * OCTO_LOCAL_LINUX_USERS_ENABLED=true, OCTO_AUTH_ALLOWED_ORIGINS=https://a,https://b.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Result<Record<string, unknown>> {
  const out = structuredClone(raw);
  for (const { path, sample } of leaves(DEFAULTS as unknown as Record<string, unknown>, [])) {
    const name = `OCTO_${path.join("_").toUpperCase()}`;
    const value = env[name];
    if (value === undefined) continue;
    const coerced = coerce(value, sample);
    if (coerced === undefined)
      return fail("validation_failed", `environment ${name}: cannot read "${value}" as ${typeOf(sample)}`);
    setPath(out, path, coerced);
  }
  return ok(out);
}

function* leaves(
  obj: Record<string, unknown>,
  prefix: string[],
): Generator<{ path: string[]; sample: unknown }> {
  for (const [key, value] of Object.entries(obj)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      yield* leaves(value as Record<string, unknown>, [...prefix, key]);
    } else if (!Array.isArray(value) || value.every((x) => typeof x === "string")) {
      if (key === "providers" || key === "oidc") continue;
      yield { path: [...prefix, key], sample: value };
    }
  }
}

const typeOf = (sample: unknown) => (Array.isArray(sample) ? "a comma-separated list" : typeof sample);

function coerce(value: string, sample: unknown): unknown {
  if (typeof sample === "number") {
    const n = Number(value);
    return value.trim() !== "" && Number.isFinite(n) ? n : undefined;
  }
  if (typeof sample === "boolean") {
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    return undefined;
  }
  if (Array.isArray(sample))
    return value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return value;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown) {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    if (!cur[key] || typeof cur[key] !== "object") cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1] as string] = value;
}
