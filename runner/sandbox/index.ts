/**
 * octo-sandbox as a library, for the runner to build sandboxes in-process. The caller owns the
 * spawn: pass `env` as the process environment (never on argv) and the seccomp program
 * (`buildSeccompFilter()`) as descriptor `SANDBOX.seccompFd`; in proxy mode host `startEgressProxy`
 * on the socket passed as `egressSocket`. `prepareRun` + `executeRun` do all of that.
 */

export {
  defaultOverrideDirs,
  loadProfile,
  parseProfile,
  SYSTEM_PROFILES_DIR,
} from "../../src/shared/profiles.ts";
export {
  buildBwrapArgv,
  buildSandboxEnv,
  type ReadOnlyBind,
  relayForwards,
  type SandboxRunOptions,
  type SandboxTools,
} from "./argv.ts";
export { parseEnvFlag, parseRunArgs, type RunRequest } from "./cli-args.ts";
export { type EgressProxy, resolverWithOverrides, startEgressProxy } from "./egress/proxy.ts";
export { RESERVED_ENV, SANDBOX } from "./layout.ts";
export { mergeProjectPolicy } from "./merge.ts";
export { locateTools, projectPolicy, resolveProject, validateExtraBinds } from "./prepare.ts";
export { describeRun, executeRun, type PreparedRun, prepareRun } from "./run.ts";
export { buildSeccompFilter } from "./seccomp.ts";
