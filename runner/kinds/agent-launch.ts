import { randomUUID } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { AgentSpawn } from "../../src/protocol/runner.ts";
import { isCompiled, sourceRoot } from "../../src/shared/paths.ts";
import type { LaunchSpec } from "../launcher.ts";
import type { ToolKit } from "../tools/kit.ts";
import {
  piTranspilerCache,
  SANDBOX_TRANSPILER_CACHE,
  PI_TRANSPILER_CACHE_ENV as TRANSPILER_CACHE_ENV,
} from "./pi-transpiler-cache.ts";

/** Where things appear inside the sandbox for an agent. */
export const AGENT_PATHS = {
  runtime: "/opt/octo/bin/bun",
  modules: "/opt/octo/node_modules",
  state: "/opt/octo/state",
  /** Private per-run tmpfs: pi's settings writes land here and vanish, so no session changes another's. */
  agentDir: "/tmp/pi-agent",
} as const;

export const PI_CLI = "@mariozechner/pi-coding-agent/dist/cli.js";

/**
 * Writes models.json (with the relay URL the sandbox chose) into pi's private agent dir, then
 * becomes pi. Values arrive in the environment, never on argv.
 */
const BOOT_SCRIPT = [
  "set -e",
  "umask 077",
  'mkdir -p "$PI_CODING_AGENT_DIR" "$PI_CODING_AGENT_SESSION_DIR"',
  `printf '%s' "$OCTO_PI_MODELS" | sed "s|@OCTO_LLM_URL@|$OCTO_LLM_URL|g" > "$PI_CODING_AGENT_DIR/models.json"`,
  "unset OCTO_PI_MODELS",
  // octo-tool (the session's tool kit, when it has one) goes first on the PATH pi's shells inherit.
  'if [ -d /opt/octo/tool/bin ]; then export PATH="/opt/octo/tool/bin:$PATH"; fi',
  'exec "$@"',
].join("\n");

/** The node_modules folder holding pi and its dependencies: installed beside us, or the checkout's. */
export function findPiModules(env: Record<string, string | undefined> = process.env): string | null {
  const candidates = [
    env.OCTO_PI_MODULES,
    isCompiled() ? resolve(dirname(process.execPath), "../lib/octo/pi/node_modules") : undefined,
    join(sourceRoot(), "node_modules"),
  ];
  for (const dir of candidates) if (dir && existsSync(join(dir, PI_CLI))) return dir;
  return null;
}

/** The runner's own state for a session (pi's session files), outside every project. */
export function agentStateDir(
  sessionKey: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "octo", "agents", sessionKey);
}

/**
 * A running agent started for session `from` (a warm spare) takes over session `to`'s pi files:
 * they move into `from`'s state directory — the one bound into the running sandbox, where pi has
 * written nothing yet (pi writes its file at the first answer) — and that directory then takes
 * `to`'s name. The bind follows the directory, not its name, so the sandbox sees the files, and a
 * later cold start of `to` finds them where it always looks. Answers the in-sandbox path of `to`'s
 * latest session file (the one `--continue` would resume).
 */
export function adoptAgentState(
  from: string,
  to: string,
  env: Record<string, string | undefined> = process.env,
): Result<{ sessionPath: string; hostDir: string }> {
  const spare = agentStateDir(from, env);
  const target = agentStateDir(to, env);
  const files = (dir: string) =>
    existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".jsonl")) : [];
  const theirs = files(join(target, "sessions"));
  if (theirs.length === 0) return fail("not_found", `session ${to} has no pi session file to resume`);
  if (files(join(spare, "sessions")).length > 0)
    return fail("conflict", `the agent of ${from} already keeps a conversation of its own`);
  const latest = theirs
    .map((f) => ({ f, at: statSync(join(target, "sessions", f)).mtimeMs }))
    .sort((a, b) => b.at - a.at || (a.f < b.f ? 1 : -1))[0]?.f as string;
  const moved: string[] = [];
  try {
    for (const f of theirs) {
      renameSync(join(target, "sessions", f), join(spare, "sessions", f));
      moved.push(f);
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(spare, target);
  } catch (e) {
    // Put back what moved, so a cold start of `to` still finds its conversation.
    mkdirSync(join(target, "sessions"), { recursive: true, mode: 0o700 });
    for (const f of moved) renameSync(join(spare, "sessions", f), join(target, "sessions", f));
    return fail("internal", `cannot move the pi files of ${to}: ${(e as Error).message}`);
  }
  return ok({ sessionPath: `${AGENT_PATHS.state}/sessions/${latest}`, hostDir: target });
}

/** Turn a plain spawn spec into pi's: command line, binds, environment (and octo's tools, if given). */
export function agentLaunchSpec(base: LaunchSpec, agent: AgentSpawn, kit?: ToolKit): Result<LaunchSpec> {
  const modules = findPiModules();
  if (!modules) return fail("sandbox_failed", "pi is not installed (no @mariozechner/pi-coding-agent found)");
  const state = agentStateDir(agent.session_key);
  mkdirSync(join(state, "sessions"), { recursive: true, mode: 0o700 });
  if (agent.fork_from) {
    const from = join(agentStateDir(agent.fork_from), "sessions");
    if (!existsSync(from)) return fail("not_found", `no agent state for ${agent.fork_from} to fork from`);
    cpSync(from, join(state, "sessions"), { recursive: true });
  }
  const sessions = join(state, "sessions");
  // A copied conversation: its history becomes pi's session, once (a relaunch finds it there).
  const seeded = agent.seed_session !== undefined && !readdirSync(sessions).some((f) => f.endsWith(".jsonl"));
  if (seeded) {
    const name = `${new Date().toISOString().replace(/[:.]/g, "-")}_${randomUUID()}.jsonl`;
    writeFileSync(join(sessions, name), agent.seed_session ?? "", { mode: 0o600, flag: "wx" });
  }
  const env: Record<string, string> = {
    ...base.env,
    PI_CODING_AGENT_DIR: AGENT_PATHS.agentDir,
    PI_CODING_AGENT_SESSION_DIR: `${AGENT_PATHS.state}/sessions`,
    PI_OFFLINE: "1",
    PI_TELEMETRY: "0",
    OCTO_PI_MODELS: agent.models_json,
  };
  // A compiled octo-runner is also a Bun runtime when asked (TOOLCHAIN.md): no separate Bun needed.
  if (isCompiled()) env.BUN_BE_BUN = "1";
  // pi's modules already transpiled, read-only (until the runner has filled it: a cold start).
  const transpiled = piTranspilerCache(modules, PI_CLI);
  if (transpiled) env[TRANSPILER_CACHE_ENV] = SANDBOX_TRANSPILER_CACHE;
  const argv = [
    "/bin/sh",
    "-c",
    BOOT_SCRIPT,
    "octo-agent",
    AGENT_PATHS.runtime,
    `${AGENT_PATHS.modules}/${PI_CLI}`,
    "--mode",
    "rpc",
    ...agent.model_args,
    ...(kit?.piArgs ?? []),
    ...(agent.resume || agent.fork_from || agent.seed_session !== undefined ? ["--continue"] : []),
  ];
  return ok({
    ...base,
    argv,
    env,
    readOnly: [
      { src: process.execPath, dst: AGENT_PATHS.runtime },
      { src: modules, dst: AGENT_PATHS.modules },
      ...(transpiled ? [{ src: transpiled, dst: SANDBOX_TRANSPILER_CACHE }] : []),
      ...(kit?.readOnly ?? []),
    ],
    readWrite: [{ src: state, dst: AGENT_PATHS.state }],
  });
}
