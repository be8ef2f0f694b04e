import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { SandboxPolicy } from "../../src/protocol/sandbox.ts";
import { defaultOverrideDirs } from "../../src/shared/profiles.ts";
import { buildBwrapArgv, buildSandboxEnv, relayForwards, type SandboxRunOptions } from "./argv.ts";
import type { RunRequest } from "./cli-args.ts";
import { type EgressProxy, resolverWithOverrides, startEgressProxy } from "./egress/proxy.ts";
import { SANDBOX } from "./layout.ts";
import { locateTools, projectPolicy, resolveProject, validateExtraBinds } from "./prepare.ts";
import { buildSeccompFilter } from "./seccomp.ts";

export interface PreparedRun {
  policy: SandboxPolicy;
  options: SandboxRunOptions;
  argv: string[];
  env: Record<string, string>;
  /** Private 0700 directory holding this run's seccomp program and egress socket. */
  privateDir: string;
  seccompPath: string;
  egressLog: string;
}

/** A loopback port free right now (synchronous: `Bun.listen` binds before it returns). */
function freeLoopbackPort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

function privateDirectory(env: Record<string, string | undefined>): string {
  const base = env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.length > 0 ? env.XDG_RUNTIME_DIR : tmpdir();
  return mkdtempSync(join(base, "octo-sandbox-"));
}

function defaultEgressLog(env: Record<string, string | undefined>): string {
  const state = env.XDG_STATE_HOME || join(userInfo().homedir || homedir(), ".local", "state");
  return join(state, "octo", "egress.jsonl");
}

/**
 * Everything up to the spawn: validated policy, argv, environment, private files. Creates the
 * private dir. Synchronous, so the runner can build a sandbox inside its own synchronous launch.
 */
export function prepareRun(req: RunRequest, ownEnv: Record<string, string | undefined>): Result<PreparedRun> {
  const project = resolveProject(req.project, req.workspaceRoot);
  if (!project.ok) return project;
  const loaded = projectPolicy(req.profile, project.value, { overrideDirs: defaultOverrideDirs(ownEnv) });
  if (!loaded.ok) return loaded;
  // --no-network only ever tightens: no namespace shared with the host, no proxy, no allow-list.
  const policy: { ok: true; value: SandboxPolicy } = req.noNetwork
    ? { ok: true, value: { ...loaded.value, network: { ...loaded.value.network, mode: "none", allow: [] } } }
    : loaded;
  const extra = validateExtraBinds(req.extraReadOnly);
  if (!extra.ok) return extra;
  const writable = validateExtraBinds(req.extraReadWrite, "--rw");
  if (!writable.ok) return writable;
  const seccomp = buildSeccompFilter();
  if (!seccomp) return fail("sandbox_unavailable", `no seccomp filter for architecture ${process.arch}`);
  const limits = policy.value.limits;
  const needsLimits = [
    req.cgroup ? undefined : limits.processes,
    limits.open_files,
    limits.memory_mb,
    limits.cpu_seconds,
    limits.file_size_mb,
  ].some((l) => l !== undefined);
  const llm = req.llmSocket ?? req.gatewayDir;
  const needsRelay = policy.value.network.mode === "proxy" || llm !== undefined;
  const tools = locateTools({ limits: needsLimits, nice: limits.nice !== undefined, relay: needsRelay });
  if (!tools.ok) return tools;

  const privateDir = privateDirectory(ownEnv);
  const seccompPath = join(privateDir, "seccomp.bpf");
  writeFileSync(seccompPath, seccomp, { mode: 0o600 });
  const options: SandboxRunOptions = {
    project: project.value,
    home: userInfo().homedir,
    pty: req.pty,
    command: req.command,
    llmSocket: req.llmSocket,
    gatewayDir: req.gatewayDir,
    toolSocket: req.toolSocket,
    egressSocket: policy.value.network.mode === "proxy" ? join(privateDir, "egress.sock") : undefined,
    openLlmPort: policy.value.network.mode === "open" && llm ? freeLoopbackPort() : undefined,
    extraReadOnly: extra.value,
    extraReadWrite: writable.value,
    cgroup: req.cgroup,
    tools: tools.value,
  };
  const argv = buildBwrapArgv(policy.value, options);
  const env = buildSandboxEnv(policy.value, options, {
    callerEnv: ownEnv,
    extra: req.env,
    userLabel: req.userLabel,
  });
  const egressLog = req.egressLog ?? defaultEgressLog(ownEnv);
  return ok({ policy: policy.value, options, argv, env, privateDir, seccompPath, egressLog });
}

/** What `--print` shows: nothing is started. */
export function describeRun(run: PreparedRun) {
  return {
    argv: run.argv,
    env: run.env,
    policy: run.policy,
    relay: relayForwards(run.policy, run.options),
    seccomp_fd: SANDBOX.seccompFd,
    egress_log: run.policy.network.mode === "proxy" ? run.egressLog : null,
    cgroup: run.options.cgroup ?? null,
  };
}

/** Sets the sandbox's cgroup `pids.max` from the merged policy (`limits.processes`, else max). */
export function limitCgroup(run: PreparedRun): Result<void> {
  const dir = run.options.cgroup;
  if (!dir) return ok(undefined);
  try {
    writeFileSync(join(dir, "pids.max"), String(run.policy.limits.processes ?? "max"));
    return ok(undefined);
  } catch (e) {
    return fail("sandbox_unavailable", `cannot enter cgroup ${dir}: ${(e as Error).message}`);
  }
}

/**
 * Moves this wrapper into the sandbox's cgroup after setting its `pids.max`, before bwrap starts:
 * everything the sandbox ever runs is below us and so counted there.
 */
export function joinCgroup(run: PreparedRun): Result<void> {
  const dir = run.options.cgroup;
  if (!dir) return ok(undefined);
  const limited = limitCgroup(run);
  if (!limited.ok) return limited;
  try {
    writeFileSync(join(dir, "cgroup.procs"), String(process.pid));
    return ok(undefined);
  } catch (e) {
    return fail("sandbox_unavailable", `cannot enter cgroup ${dir}: ${(e as Error).message}`);
  }
}

/**
 * Runs the prepared sandbox as our child and returns its exit code. In proxy mode this process
 * serves the egress proxy on the private socket bound into the sandbox for as long as it runs.
 */
export async function executeRun(
  run: PreparedRun,
  req: RunRequest,
  ownEnv: Record<string, string | undefined>,
) {
  let egress: EgressProxy | undefined;
  try {
    if (run.options.egressSocket) {
      mkdirSync(dirname(run.egressLog), { recursive: true });
      egress = await startEgressProxy({
        socketPath: run.options.egressSocket,
        policy: run.policy.network,
        userLabel: req.userLabel ?? userInfo().username,
        project: run.options.project,
        logFile: run.egressLog,
        resolve: resolverWithOverrides(ownEnv.OCTO_EGRESS_HOSTS),
      });
    }
    const seccompFd = openSync(run.seccompPath, "r");
    const child = Bun.spawn(run.argv, { env: run.env, stdio: ["inherit", "inherit", "inherit", seccompFd] });
    // The open descriptor is all bwrap needs: leave nothing behind even if we are SIGKILLed.
    closeSync(seccompFd);
    if (run.options.egressSocket) rmSync(run.seccompPath, { force: true });
    else rmSync(run.privateDir, { recursive: true, force: true });
    // In a PTY the terminal delivers Ctrl-C to the sandboxed foreground job itself; with pipes we forward.
    const forward = (signal: NodeJS.Signals) => () => {
      if (!req.pty || signal !== "SIGINT") child.kill(signal);
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, forward(signal));
    const code = await child.exited;
    const signal = child.signalCode;
    if (signal === null || signal === undefined) return code;
    return 128 + (typeof signal === "number" ? signal : (signalNumber(signal) ?? 0));
  } finally {
    await egress?.close();
    rmSync(run.privateDir, { recursive: true, force: true });
  }
}

function signalNumber(name: string): number | undefined {
  const table: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGKILL: 9,
    SIGTERM: 15,
    SIGXCPU: 24,
  };
  return table[name];
}
