/**
 * The host programs every sandboxed agent needs, and where to look for them. The sandbox
 * (`runner/sandbox/prepare.ts`) resolves them here, `octo serve` checks them at start-up and before
 * each agent launch, and `octo doctor` lists them: one list, so the three never disagree.
 */

/** Only system directories by default: a user-writable PATH entry must not supply "bwrap". */
export const SYSTEM_TOOL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** `OCTO_TOOL_PATH` replaces the system dirs (hosts with tools elsewhere; tests that hide one). */
export function toolSearchPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.OCTO_TOOL_PATH || SYSTEM_TOOL_PATH;
}

export function whichTool(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return Bun.which(name, { PATH: toolSearchPath(env) }) ?? undefined;
}

export interface HostTool {
  name: string;
  /** Debian package that provides it. */
  debianPackage: string;
  neededFor: string;
}

export const HOST_TOOLS: readonly HostTool[] = [
  { name: "bwrap", debianPackage: "bubblewrap", neededFor: "the sandbox every agent runs in" },
  { name: "socat", debianPackage: "socat", neededFor: "the relay that lets an agent reach its LLM" },
  { name: "prlimit", debianPackage: "util-linux", neededFor: "sandbox resource limits" },
  { name: "nice", debianPackage: "coreutils", neededFor: "the sandbox's lower CPU priority" },
];

export interface ToolCheck extends HostTool {
  path: string | undefined;
}

export function checkHostTools(env: NodeJS.ProcessEnv = process.env): ToolCheck[] {
  return HOST_TOOLS.map((tool) => ({ ...tool, path: whichTool(tool.name, env) }));
}

/**
 * One sentence naming what is missing and the command that installs it, or undefined when
 * nothing is, e.g. `socat is missing (needed for …); install it with: apt-get install -y socat`.
 */
export function missingToolsMessage(
  checks: ToolCheck[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const missing = checks.filter((c) => !c.path);
  if (missing.length === 0) return undefined;
  const what = missing.map((c) => `${c.name} (${c.neededFor})`).join(", ");
  const packages = [...new Set(missing.map((c) => c.debianPackage))].join(" ");
  const verb = missing.length === 1 ? "is" : "are";
  return `agents cannot start: ${what} ${verb} missing from ${toolSearchPath(env)}; install with: apt-get install -y ${packages}`;
}
