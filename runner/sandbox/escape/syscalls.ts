import { ABIS, CLONE_NAMESPACE_FLAGS, deniedOn } from "../seccomp.ts";
import { EPERM } from "../seccomp-table.ts";

/**
 * The syscalls the seccomp filter refuses, as calls the probe makes (`probe.pl syscalls`). The
 * arguments are deliberately invalid (bad pointers, fd 1, unknown flags) so the control outside
 * the sandbox reaches the kernel and comes back with the kernel's own answer (EFAULT, EINVAL,
 * ENOSYS, or EPERM where it checks a capability first) without changing anything.
 */
export interface SyscallProbe {
  name: string;
  nr: number;
  args: number[];
  /** The errno the filter answers with. */
  errno: number;
}

export function syscallProbes(arch: string = process.arch): SyscallProbe[] {
  const abi = ABIS[arch];
  if (!abi) return [];
  const probes: SyscallProbe[] = deniedOn(arch).map((entry) => ({
    name: entry.name,
    nr: entry.nr,
    args: [1, 1, 1, 1, 1, 1],
    errno: entry.errno,
  }));
  // CLONE_NEWNS|CLONE_FS is invalid together: the kernel says EINVAL before any permission check.
  probes.push({
    name: "clone(CLONE_NEWNS|CLONE_FS)",
    nr: abi.clone,
    args: [0x20200, 0, 0, 0, 0],
    errno: EPERM,
  });
  probes.push({
    name: "clone(CLONE_NEWUSER|CLONE_FS|CLONE_NEWNS)",
    nr: abi.clone,
    args: [(CLONE_NAMESPACE_FLAGS & 0x10020000) | 0x200, 0, 0, 0, 0],
    errno: EPERM,
  });
  probes.push({
    name: "personality(ADDR_NO_RANDOMIZE)",
    nr: abi.personality,
    args: [0x0040000],
    errno: EPERM,
  });
  probes.push({ name: "socket(AF_ALG)", nr: abi.socket, args: [38, 5, 0], errno: EPERM });
  probes.push({ name: "socket(AF_VSOCK)", nr: abi.socket, args: [40, 1, 0], errno: EPERM });
  return probes;
}

export const probeSpecArgs = (probes: SyscallProbe[]) =>
  probes.map((p) => `${p.name.replace(/[^A-Za-z0-9_]/g, "_")}:${p.nr}:${p.args.join(",")}`);

/** `sys NAME ERRNO` lines of the probe's output, in the order of `probes`. */
export function parseSyscallLines(probes: SyscallProbe[], output: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const line of output.split("\n")) {
    const m = line.trim().match(/^sys (\S+) (\d+)$/);
    if (m?.[1] && m[2]) seen.set(m[1], Number(m[2]));
  }
  const out = new Map<string, number>();
  for (const p of probes) {
    const errno = seen.get(p.name.replace(/[^A-Za-z0-9_]/g, "_"));
    if (errno !== undefined) out.set(p.name, errno);
  }
  return out;
}
