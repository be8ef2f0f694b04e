import { closeSync, existsSync, mkdirSync, openSync, rmSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { RunRequest } from "./cli-args.ts";
import { type EgressProxy, resolverWithOverrides, serveEgressProxy } from "./egress/proxy.ts";
import { limitCgroup, prepareRun } from "./run.ts";

/**
 * The sandbox started by the runner itself, with no `octo-sandbox` process in between (decision
 * 0034): the runner spawns `[sh cgroup shim] [nice] [prlimit] bwrap … -- [relay] CMD` as its own
 * child and hosts the egress proxy (proxy mode) in its own event loop. What the wrapper did still
 * happens: the same validated policy and argv (`prepareRun`), the seccomp program on descriptor 3,
 * `pids.max` and the cgroup join before bwrap forks, parent death (bwrap's `--die-with-parent` on a
 * process whose parent is the runner), signals (the runner signals the command's pid itself), and
 * the private files removed once the sandbox has exited.
 */
export interface DirectRun {
  argv: string[];
  /** The process environment of the spawn (never on argv). */
  env: Record<string, string>;
  /** Pass as descriptor `SANDBOX.seccompFd` (3) of the spawn. */
  seccompFd: number;
  /** The cgroup the shim moves the sandbox into before bwrap runs, when there is one. */
  cgroup?: string;
  /** Call right after the spawn (or its failure): closes the runner's copy of the descriptor. */
  spawned(): void;
  /** Call once the sandbox has exited: stops its egress proxy, removes its private directory. */
  cleanup(): Promise<void>;
}

/**
 * Writes its own pid into the leaf's `cgroup.procs` and becomes the sandbox (`exec` keeps the pid):
 * bwrap starts inside the leaf, so everything it forks is counted there from its first fork.
 * `$0` is the leaf. `echo` is a builtin: the shim forks nothing.
 */
export const CGROUP_SHIM =
  'echo $$ > "$0/cgroup.procs" || { echo "octo-sandbox: cannot enter cgroup $0" >&2; exit 125; }\nexec "$@"';

export function prepareDirectRun(
  req: RunRequest,
  ownEnv: Record<string, string | undefined>,
): Result<DirectRun> {
  const prepared = prepareRun(req, ownEnv);
  if (!prepared.ok) return prepared;
  const run = prepared.value;
  const removePrivate = () => rmSync(run.privateDir, { recursive: true, force: true });
  const limited = limitCgroup(run);
  if (!limited.ok) {
    removePrivate();
    return limited;
  }
  let egress: EgressProxy | undefined;
  if (run.options.egressSocket) {
    try {
      mkdirSync(dirname(run.egressLog), { recursive: true });
    } catch {
      // the proxy then logs nowhere, as the wrapper's did
    }
    const served = serveEgressProxy({
      socketPath: run.options.egressSocket,
      policy: run.policy.network,
      userLabel: req.userLabel ?? userInfo().username,
      project: run.options.project,
      logFile: run.egressLog,
      resolve: resolverWithOverrides(ownEnv.OCTO_EGRESS_HOSTS),
    });
    served.listening.catch(() => {}); // a failed listen leaves no socket file: checked just below
    if (!existsSync(run.options.egressSocket)) {
      void served.proxy.close();
      removePrivate();
      return fail("sandbox_unavailable", `the egress proxy cannot listen on ${run.options.egressSocket}`);
    }
    egress = served.proxy;
  }
  let seccompFd: number;
  try {
    seccompFd = openSync(run.seccompPath, "r");
  } catch (e) {
    void egress?.close();
    removePrivate();
    return fail("sandbox_unavailable", `cannot open the seccomp program: ${(e as Error).message}`);
  }
  // The open descriptor is all bwrap needs: nothing is left on disk but the egress socket.
  if (egress) rmSync(run.seccompPath, { force: true });
  else removePrivate();
  const cgroup = run.options.cgroup;
  const argv = cgroup ? [run.options.tools.sh, "-c", CGROUP_SHIM, cgroup, ...run.argv] : run.argv;
  let open = true;
  return ok({
    argv,
    env: run.env,
    seccompFd,
    cgroup,
    spawned: () => {
      if (open) closeSync(seccompFd);
      open = false;
    },
    cleanup: async () => {
      await egress?.close();
      removePrivate();
    },
  });
}
