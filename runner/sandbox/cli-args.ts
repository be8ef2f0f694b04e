import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { ReadOnlyBind } from "./argv.ts";
import { RESERVED_ENV } from "./layout.ts";

export interface RunRequest {
  profile: string;
  project: string;
  workspaceRoot?: string;
  pty: boolean;
  llmSocket?: string;
  /** A directory holding `llm.sock`, bound whole (see `SANDBOX.gatewayDir`). */
  gatewayDir?: string;
  toolSocket?: string;
  egressLog?: string;
  /** A cgroup (pids controller) made for this sandbox: its `pids.max` carries `limits.processes`. */
  cgroup?: string;
  extraReadOnly: ReadOnlyBind[];
  /** Writable binds (the runner's per-session agent state, e.g. pi's session files). */
  extraReadWrite: ReadOnlyBind[];
  env: Record<string, string>;
  userLabel?: string;
  print: boolean;
  /** Tighten the network to `none` whatever the profile says (local git work needs none). */
  noNetwork?: boolean;
  command: string[];
}

export const USAGE = `usage:
  octo-sandbox run --profile NAME --project DIR [--workspace-root DIR] [--pty] [--llm-socket PATH | --gateway-dir DIR]
                   [--tool-socket PATH] [--ro SRC=DST]... [--rw SRC=DST]... [--env K=V | --env K]... [--user-label NAME]
                   [--egress-log FILE] [--cgroup DIR] [--no-network] [--print] -- CMD [ARGS...]
  octo-sandbox check [--json]
  octo-sandbox profiles [--json]`;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER_LABEL = /^[A-Za-z0-9_.@-]{1,64}$/;

/** `--env K=V` sets a value; `--env K` copies K from our own environment (keeps secrets off argv). */
export function parseEnvFlag(
  spec: string,
  ownEnv: Record<string, string | undefined>,
): Result<[string, string]> {
  const eq = spec.indexOf("=");
  const name = eq < 0 ? spec : spec.slice(0, eq);
  if (!ENV_NAME.test(name))
    return fail("bad_request", `--env ${JSON.stringify(spec)}: invalid variable name`);
  if (RESERVED_ENV.has(name)) return fail("bad_request", `--env ${name}: set by the sandbox itself`);
  const value = eq < 0 ? ownEnv[name] : spec.slice(eq + 1);
  if (value === undefined) return fail("bad_request", `--env ${name}: not set in octo-sandbox's environment`);
  return ok([name, value]);
}

function parseBindFlag(flag: "--ro" | "--rw", spec: string): Result<ReadOnlyBind> {
  const eq = spec.indexOf("=");
  const src = spec.slice(0, eq);
  const dst = spec.slice(eq + 1);
  if (eq <= 0 || !src.startsWith("/") || !dst.startsWith("/") || dst.split("/").includes(".."))
    return fail("bad_request", `${flag} ${JSON.stringify(spec)}: expected /host/path=/sandbox/path`);
  return ok({ src, dst: dst.replace(/\/+$/, "") || "/" });
}

const VALUE_FLAGS = new Set([
  "--profile",
  "--project",
  "--workspace-root",
  "--llm-socket",
  "--gateway-dir",
  "--tool-socket",
  "--ro",
  "--rw",
  "--env",
  "--user-label",
  "--egress-log",
  "--cgroup",
]);

export function parseRunArgs(args: string[], ownEnv: Record<string, string | undefined>): Result<RunRequest> {
  const req: RunRequest = {
    profile: "",
    project: "",
    pty: false,
    extraReadOnly: [],
    extraReadWrite: [],
    env: {},
    print: false,
    command: [],
  };
  let i = 0;
  for (; i < args.length; i++) {
    const flag = args[i] as string;
    if (flag === "--") break;
    if (flag === "--pty") req.pty = true;
    else if (flag === "--print") req.print = true;
    else if (flag === "--no-network") req.noNetwork = true;
    else if (VALUE_FLAGS.has(flag)) {
      const value = args[++i];
      if (value === undefined) return fail("bad_request", `${flag} needs a value`);
      if (flag === "--profile") req.profile = value;
      else if (flag === "--project") req.project = value;
      else if (flag === "--workspace-root") req.workspaceRoot = value;
      else if (flag === "--llm-socket") req.llmSocket = value;
      else if (flag === "--gateway-dir") {
        if (!value.startsWith("/") || value.split("/").includes(".."))
          return fail("bad_request", `--gateway-dir ${JSON.stringify(value)}: expected an absolute path`);
        req.gatewayDir = value;
      } else if (flag === "--tool-socket") req.toolSocket = value;
      else if (flag === "--egress-log") req.egressLog = value;
      else if (flag === "--cgroup") {
        if (!value.startsWith("/") || value.split("/").includes(".."))
          return fail("bad_request", `--cgroup ${JSON.stringify(value)}: expected an absolute path`);
        req.cgroup = value;
      } else if (flag === "--user-label") {
        if (!USER_LABEL.test(value))
          return fail("bad_request", `--user-label ${JSON.stringify(value)}: invalid`);
        req.userLabel = value;
      } else if (flag === "--ro" || flag === "--rw") {
        const bind = parseBindFlag(flag, value);
        if (!bind.ok) return bind;
        (flag === "--ro" ? req.extraReadOnly : req.extraReadWrite).push(bind.value);
      } else {
        const pair = parseEnvFlag(value, ownEnv);
        if (!pair.ok) return pair;
        req.env[pair.value[0]] = pair.value[1];
      }
    } else return fail("bad_request", `unknown option ${JSON.stringify(flag)}\n${USAGE}`);
  }
  req.command = args.slice(i + 1);
  if (!req.profile) return fail("bad_request", `--profile is required\n${USAGE}`);
  if (!req.project) return fail("bad_request", `--project is required\n${USAGE}`);
  if (req.llmSocket && req.gatewayDir)
    return fail("bad_request", "--llm-socket and --gateway-dir both name the LLM socket: pass one");
  if (req.command.length === 0) return fail("bad_request", `no command after --\n${USAGE}`);
  return ok(req);
}
