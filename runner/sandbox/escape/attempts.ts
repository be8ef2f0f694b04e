import { join } from "node:path";
import type { CheckRow } from "../../../src/protocol/sandbox.ts";
import { loadProfile, SYSTEM_PROFILES_DIR } from "../../../src/shared/profiles.ts";
import { SANDBOX } from "../layout.ts";
import type { EscapeFixture } from "./fixture.ts";
import { PROBE_INSIDE, type ProbeResult, type ProbeSpec, runProbe, startProbe } from "./probe-run.ts";
import { parseSyscallLines, probeSpecArgs, syscallProbes } from "./syscalls.ts";

/**
 * The escape battery. Each attempt runs twice: inside user A's sandbox, where it must be refused,
 * and as a positive control outside the sandbox, where the same probe must succeed — so a broken
 * probe can never pass for a working sandbox. Controls run as A when A may do it on the host (the
 * sandbox is what stops it); as root where the host's own permissions already stop A (then the
 * control proves the probe works and the inside run proves the sandbox does not hand out more).
 */
export interface Attempt {
  id: string;
  title: string;
  profiles: string[];
  inside: (fx: EscapeFixture) => Omit<ProbeSpec, "sandbox" | "as"> & { pty?: boolean };
  control: (fx: EscapeFixture) => ProbeSpec;
  /** A control that cannot succeed on this host makes the row a skip, not a failure (with this reason). */
  skipWhenControlDenied?: string;
  /** Custom run for attempts that need more than one probe at once. */
  run?: (fx: EscapeFixture, profile: string, sandboxCommand: string[]) => Promise<CheckRow>;
}

const BOTH = ["default", "strict"];
const hex = (text: string) => Buffer.from(text, "latin1").toString("hex");
const connectRequest = (host: string, port: number) =>
  hex(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);

/** The profile as the sandbox under test will see it (the battery's own dir, then /etc/octo/profiles). */
const profileOf = (fx: EscapeFixture, profile: string) =>
  loadProfile(profile, { overrideDirs: [fx.profilesDir, SYSTEM_PROFILES_DIR] });

function memoryLimit(fx: EscapeFixture, profile: string): number {
  const loaded = profileOf(fx, profile);
  return loaded.ok ? (loaded.value.limits.memory_mb ?? 0) : 0;
}

export const ATTEMPTS: Attempt[] = [
  {
    id: "read-other-workspace",
    title: "read user B's workspace",
    profiles: BOTH,
    inside: (fx) => ({ args: ["read", join(fx.b.project, "secret.txt")] }),
    control: (fx) => ({ as: "a", args: ["read", join(fx.b.project, "secret.txt")] }),
  },
  {
    id: "read-other-home",
    title: "read user B's home",
    profiles: BOTH,
    inside: (fx) => ({ args: ["read", join(fx.b.home, "secret-home.txt")] }),
    control: (fx) => ({ as: "a", args: ["read", join(fx.b.home, "secret-home.txt")] }),
  },
  {
    id: "read-root-home",
    title: "list /root",
    profiles: BOTH,
    inside: () => ({ args: ["read", "/root"] }),
    control: () => ({ as: "root", args: ["read", "/root"] }),
  },
  {
    id: "read-shadow",
    title: "read /etc/shadow",
    profiles: BOTH,
    inside: () => ({ args: ["read", "/etc/shadow"] }),
    control: () => ({ as: "root", args: ["read", "/etc/shadow"] }),
  },
  {
    id: "runner-socket",
    title: "connect to a runner/server socket",
    profiles: BOTH,
    inside: (fx) => ({ args: ["connect-unix", fx.runnerSocket] }),
    control: (fx) => ({ as: "a", args: ["connect-unix", fx.runnerSocket] }),
  },
  {
    id: "write-home",
    title: "write outside the project (A's own home)",
    profiles: BOTH,
    inside: (fx) => ({ args: ["write", join(fx.a.home, "escaped.txt")] }),
    control: (fx) => ({ as: "a", args: ["write", join(fx.a.home, "control.txt")] }),
  },
  {
    id: "write-host-tmp",
    title: "write to the host's /tmp",
    profiles: BOTH,
    inside: (fx) => ({ args: ["write", join(fx.sharedDir, "escaped.txt")] }),
    control: (fx) => ({ as: "a", args: ["write", join(fx.sharedDir, "control.txt")] }),
  },
  {
    id: "write-octo-dir",
    title: "write into the project's .octo/ (its own policy)",
    profiles: BOTH,
    inside: () => ({ args: ["write", `${SANDBOX.workspace}/.octo/sandbox.toml`] }),
    control: (fx) => ({ as: "a", args: ["write", join(fx.a.project, ".octo", "control.txt")] }),
  },
  {
    id: "see-processes",
    title: "see or signal another process of A",
    profiles: BOTH,
    inside: (fx) => ({ args: ["signal", String(fx.victimPid)] }),
    control: (fx) => ({ as: "a", args: ["signal", String(fx.victimPid)] }),
  },
  {
    id: "ptrace",
    title: "ptrace another process of A",
    profiles: BOTH,
    inside: (fx) => ({ args: ["ptrace", String(fx.victimPid)] }),
    control: (fx) => ({ as: "a", args: ["ptrace", String(fx.victimPid)] }),
  },
  {
    id: "tiocsti-pipes",
    title: "TIOCSTI into the parent terminal (pipe mode)",
    profiles: BOTH,
    inside: () => ({ terminal: true, args: ["tiocsti"] }),
    control: () => ({ as: "a", terminal: true, args: ["tiocsti"] }),
    skipWhenControlDenied: "this kernel already refuses TIOCSTI (dev.tty.legacy_tiocsti=0)",
  },
  {
    id: "tiocsti-pty",
    title: "TIOCSTI into the terminal (--pty mode)",
    profiles: BOTH,
    inside: () => ({ terminal: true, pty: true, args: ["tiocsti"] }),
    control: () => ({ as: "a", terminal: true, args: ["tiocsti"] }),
    skipWhenControlDenied: "this kernel already refuses TIOCSTI (dev.tty.legacy_tiocsti=0)",
  },
  {
    id: "tioclinux",
    title: "TIOCLINUX on the terminal (control: request reaches the tty driver)",
    profiles: BOTH,
    inside: () => ({ terminal: true, pty: true, args: ["tioclinux"] }),
    control: () => ({ as: "a", terminal: true, args: ["tioclinux"] }),
  },
  {
    id: "setuid",
    title: "gain root through a setuid-root binary",
    profiles: BOTH,
    inside: () => ({ args: ["euid", `${SANDBOX.workspace}/suid-id -u`] }),
    control: (fx) => ({ as: "a", args: ["euid", `${fx.suidBinary} -u`] }),
    skipWhenControlDenied: "setuid binaries do not work on this host's /home (nosuid)",
  },
  {
    id: "raw-socket",
    title: "open a raw IP socket",
    profiles: BOTH,
    inside: () => ({ args: ["raw"] }),
    control: () => ({ as: "root", args: ["raw"] }),
  },
  {
    id: "packet-socket",
    title: "open a packet socket",
    profiles: BOTH,
    inside: () => ({ args: ["packet"] }),
    control: () => ({ as: "root", args: ["packet"] }),
  },
  {
    id: "host-loopback",
    title: "reach a 127.0.0.1 service of the host",
    profiles: BOTH,
    inside: (fx) => ({ args: ["connect-tcp", "127.0.0.1", String(fx.loopbackPort)] }),
    control: (fx) => ({ as: "a", args: ["connect-tcp", "127.0.0.1", String(fx.loopbackPort)] }),
  },
  {
    id: "direct-egress",
    title: "bypass the proxy: connect straight to a host",
    profiles: ["checknet"],
    inside: (fx) => ({ args: ["connect-tcp", fx.webAddress, String(fx.webPort)] }),
    control: (fx) => ({ as: "a", args: ["connect-tcp", fx.webAddress, String(fx.webPort)] }),
  },
  {
    id: "proxy-not-allowed",
    title: "reach a host that is not allow-listed through the proxy",
    profiles: ["checknet"],
    inside: (fx) => ({
      args: ["proxy-raw", String(SANDBOX.egressPort), connectRequest("evil.octo.test", fx.webPort)],
    }),
    control: (fx) => ({ as: "a", args: ["connect-tcp", fx.webAddress, String(fx.webPort)] }),
  },
  {
    id: "proxy-nul-name",
    title:
      "proxy name with NUL: evil\\0.allowed.octo.test (control: allowed.octo.test through the same proxy)",
    profiles: ["checknet"],
    inside: (fx) => ({
      args: ["proxy-raw", String(SANDBOX.egressPort), connectRequest("evil\0.allowed.octo.test", fx.webPort)],
    }),
    control: (fx) => ({
      as: "a",
      sandbox: { profile: "checknet" },
      args: ["proxy-raw", String(SANDBOX.egressPort), connectRequest("allowed.octo.test", fx.webPort)],
    }),
  },
  {
    id: "proxy-ip-literal",
    title: "proxy to an IP literal that is not allow-listed",
    profiles: ["checknet"],
    inside: (fx) => ({
      args: ["proxy-raw", String(SANDBOX.egressPort), connectRequest(fx.webAddress, fx.webPort)],
    }),
    control: (fx) => ({ as: "a", args: ["connect-tcp", fx.webAddress, String(fx.webPort)] }),
  },
  {
    id: "proxy-port-not-allowed",
    title: "allowed host on a port the profile does not list (control: its listed port)",
    profiles: ["checknet"],
    inside: (fx) => ({
      args: ["proxy-raw", String(SANDBOX.egressPort), connectRequest("allowed.octo.test", fx.otherWebPort)],
    }),
    control: (fx) => ({
      as: "a",
      sandbox: { profile: "checknet" },
      args: ["proxy-raw", String(SANDBOX.egressPort), connectRequest("allowed.octo.test", fx.webPort)],
    }),
  },
  {
    id: "proxy-private-address",
    title: "allow-listed name that resolves to a private address (dialed host is checked)",
    profiles: ["default"],
    inside: () => ({
      args: ["proxy-raw", String(SANDBOX.egressPort), connectRequest("registry.npmjs.org", 443)],
    }),
    control: (fx) => ({ as: "a", args: ["connect-tcp", fx.webAddress, String(fx.webPort)] }),
  },
  {
    id: "memory",
    title: "reserve more memory than the profile allows",
    profiles: BOTH,
    inside: () => ({ args: [] }),
    control: () => ({ as: "a", args: [] }),
    run: async (fx, profile, cmd) => {
      const mb = String(memoryLimit(fx, profile) + 1024);
      const inside = await runProbe(fx, { as: "a", sandbox: { profile }, args: ["reserve", mb] }, cmd);
      const control = await runProbe(fx, { as: "a", args: ["reserve", mb] }, cmd);
      return row("memory", `reserve ${mb} MiB of address space`, profile, inside, control);
    },
  },
  {
    id: "processes",
    title: "exhaust processes, while user B keeps working",
    profiles: ["strict"],
    inside: () => ({ args: [] }),
    control: () => ({ as: "a", args: [] }),
    run: async (fx, profile, cmd) => {
      const limit = profileOf(fx, profile);
      const want = String((limit.ok ? (limit.value.limits.processes ?? 0) : 0) + 64);
      const bomb = startProbe(fx, { as: "a", sandbox: { profile }, args: ["forks", want, "hold"] }, cmd);
      await bomb.waitForLine(/^held \d+/);
      // A holds every process it could get: B must still be able to start its own.
      const neighbour = await runProbe(fx, { as: "b", args: ["forks", "32"] }, cmd);
      bomb.send("\n");
      const inside = await bomb.result;
      const control = await runProbe(fx, { as: "a", args: ["forks", want] }, cmd);
      const result = row("processes", `hold ${want} processes`, profile, inside, control);
      if (neighbour.verdict !== "ok")
        return {
          ...result,
          outcome: "fail",
          control: `${result.control}; user B blocked: ${neighbour.detail}`,
        };
      return { ...result, control: `${result.control}; user B unaffected (${neighbour.detail})` };
    },
  },
  {
    id: "seccomp",
    title: "call syscalls the seccomp filter refuses (io_uring, bpf, keyctl, mount, unshare, …)",
    profiles: BOTH,
    inside: () => ({ args: [] }),
    control: () => ({ as: "a", args: [] }),
    run: async (fx, profile, cmd) => {
      const probes = syscallProbes();
      const args = ["syscalls", ...probeSpecArgs(probes)];
      const inside = await runProbe(fx, { as: "a", sandbox: { profile }, args }, cmd);
      const control = await runProbe(fx, { as: "a", args }, cmd);
      const got = parseSyscallLines(probes, inside.output);
      const outside = parseSyscallLines(probes, control.output);
      const through = probes
        .filter((p) => got.get(p.name) !== p.errno)
        .map((p) => `${p.name}=${got.get(p.name)}`);
      const reached = probes.filter((p) => outside.has(p.name) && outside.get(p.name) !== p.errno);
      const insideResult: ProbeResult =
        through.length === 0
          ? { verdict: "denied", detail: `${probes.length} refused with the filter's errno`, output: "" }
          : { verdict: "ok", detail: `got through: ${through.join(" ")}`, output: inside.output };
      const controlResult: ProbeResult =
        outside.size === probes.length && reached.length > 0
          ? {
              verdict: "ok",
              detail: `${reached.length} of ${probes.length} reach the kernel outside`,
              output: "",
            }
          : { verdict: "error", detail: "the probe did not run outside", output: control.output };
      return row("seccomp", "refused syscalls", profile, insideResult, controlResult);
    },
  },
];

export function row(
  id: string,
  title: string,
  profile: string,
  inside: ProbeResult,
  control: ProbeResult,
  skipReason?: string,
): CheckRow {
  const describe = (r: ProbeResult) =>
    `${r.verdict}: ${r.detail}${r.verdict === "error" ? ` [${r.output.trim().slice(-300)}]` : ""}`;
  let outcome: CheckRow["outcome"] =
    inside.verdict === "denied" && control.verdict === "ok" ? "pass" : "fail";
  if (skipReason && control.verdict === "denied" && inside.verdict === "denied") outcome = "skip";
  return {
    id,
    title: outcome === "skip" ? `${title} (skipped: ${skipReason})` : title,
    profile,
    outcome,
    inside: describe(inside),
    control: describe(control),
  };
}

export async function runAttempt(
  fx: EscapeFixture,
  attempt: Attempt,
  profile: string,
  sandboxCommand: string[],
): Promise<CheckRow> {
  if (attempt.run) return attempt.run(fx, profile, sandboxCommand);
  const { pty, ...inside } = attempt.inside(fx);
  const insideResult = await runProbe(fx, { ...inside, as: "a", sandbox: { profile, pty } }, sandboxCommand);
  const controlResult = await runProbe(fx, attempt.control(fx), sandboxCommand);
  return row(attempt.id, attempt.title, profile, insideResult, controlResult, attempt.skipWhenControlDenied);
}

export { PROBE_INSIDE };
