import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupOf, pidsHierarchy } from "../../src/shared/pids-cgroup.ts";
import { JOIN_NS_PY } from "./join-ns.ts";
import { SECCOMP_EXEC_JS } from "./seccomp-exec.ts";

/**
 * How Chromium gets into a session's sandbox: it joins the namespaces of a process already in it
 * (user, mount, network, pid, ipc, uts, cgroup; `join-ns.ts`, as `nsenter` cannot for an
 * unprivileged account), so it sees the same /workspace and
 * /tmp, the same loopback (a dev server the agent started) and the same egress route as the agent.
 * Joining a user namespace grants every capability inside it, so `setpriv` drops them all again and
 * sets no_new_privs; then the sandbox's own Bun runtime installs the sandbox's seccomp deny list and
 * execs Chromium (`seccomp-exec.ts`): the browser is under the same filter as the agent, and in the
 * sandbox's pids cgroup when it has one (`sandboxCgroup`). The sandbox's rlimits are copied from the joined process,
 * all but the address-space limit (`memory_mb`): V8 reserves far more virtual memory than it uses
 * and dies with SIGTRAP under it; the JavaScript heap is capped with `--max-old-space-size` instead.
 */

/** rlimits copied from the sandboxed process: /proc/<pid>/limits row → prlimit option. */
const COPIED_LIMITS: Record<string, string> = {
  "Max processes": "--nproc",
  "Max open files": "--nofile",
  "Max cpu time": "--cpu",
  "Max file size": "--fsize",
};

/** The address-space limit is the one left out, on purpose (see above). */
export const LIFTED_LIMIT = "Max address space";

export function copiedLimits(limitsFile: string): string[] {
  const out: string[] = [];
  for (const line of limitsFile.split("\n")) {
    for (const [row, flag] of Object.entries(COPIED_LIMITS)) {
      if (!line.startsWith(row)) continue;
      const [soft, hard] = line.slice(row.length).trim().split(/\s+/);
      if (!soft || !hard) continue;
      const value = (s: string) => (s === "unlimited" ? "unlimited" : s);
      out.push(`${flag}=${value(soft)}:${value(hard)}`);
    }
  }
  return out;
}

export function chromiumBinary(): string {
  for (const candidate of ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"])
    if (existsSync(candidate)) return candidate;
  return "chromium";
}

/** Flags that work here (TOOLCHAIN.md); Playwright adds its own (pipe, user data dir, headless). */
export function chromiumFlags(opts: { proxy?: string; heapMb: number }): string[] {
  return [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    `--js-flags=--max-old-space-size=${opts.heapMb}`,
    ...(opts.proxy ? [`--proxy-server=${opts.proxy}`] : []),
  ];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Where the joined sandbox has a Bun runtime (pi's, bound by the agent launch). */
export const SANDBOX_RUNTIME = "/opt/octo/bin/bun";

/**
 * The sandbox's own pids cgroup (decision 0032), when it is in one apart from ours: Chromium joins
 * it, so the browser counts against its session's `limits.processes` like everything else there.
 */
export function sandboxCgroup(pid: number): string | null {
  const hierarchy = pidsHierarchy();
  if (!hierarchy) return null;
  const theirs = cgroupOf(pid, hierarchy);
  return theirs && theirs !== cgroupOf("self", hierarchy) ? theirs : null;
}

/** A shell script Playwright starts as "the browser": it execs Chromium inside the sandbox of `pid`. */
export function joinScript(
  pid: number,
  chromium: string,
  limits: string[],
  seccompHex: string,
  cgroup: string | null = null,
): string {
  const argv = [
    existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3",
    "-c",
    JOIN_NS_PY,
    String(pid),
    "setpriv",
    "--no-new-privs",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--",
    ...(limits.length ? ["prlimit", ...limits, "--"] : []),
    SANDBOX_RUNTIME,
    "-e",
    SECCOMP_EXEC_JS,
    chromium,
  ];
  return [
    "#!/bin/sh",
    // Refuse rather than run a browser outside its sandbox's process limit.
    ...(cgroup ? [`echo $$ > ${quote(join(cgroup, "cgroup.procs"))} || exit 125`] : []),
    "export BUN_BE_BUN=1",
    `export OCTO_SECCOMP_HEX=${seccompHex}`,
    `exec ${argv.map(quote).join(" ")} "$@"`,
    "",
  ].join("\n");
}

/** The proxy the sandbox's own environment names (proxy mode), read from the joined process. */
export function sandboxProxy(pid: number): string | undefined {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    const entry =
      environ.find((e) => e.startsWith("HTTPS_PROXY=")) ?? environ.find((e) => e.startsWith("HTTP_PROXY="));
    return entry?.slice(entry.indexOf("=") + 1) || undefined;
  } catch {
    return undefined;
  }
}
