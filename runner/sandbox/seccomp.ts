/**
 * The classic-BPF seccomp filter bwrap installs (`--seccomp FD`) on the sandboxed command, after it
 * has built the namespaces itself. A deny list at least as strict as Docker's default profile for
 * a container without capabilities (see docs/decisions/0008-seccomp-deny-list.md): kernel-wide
 * administration, new namespaces, keyrings, eBPF/perf, io_uring, userfaultfd, file handles, the
 * new mount API, the terminal injection ioctls, and every syscall of a foreign ABI (i386/x32 on
 * x86_64, aarch32 on arm64) so none of it can be reached by another number. Arguments are compared
 * on their low 32 bits only: every argument checked here is an int (or flags whose meaningful bits
 * are all in the low half; the kernel ignores the upper half of an ioctl request).
 */
import { DENY, type DeniedSyscall, EPERM } from "./seccomp-table.ts";

export { DENY, type DeniedSyscall } from "./seccomp-table.ts";

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ERRNO = 0x00050000;

export const TIOCSTI = 0x5412;
export const TIOCLINUX = 0x541c;
/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET (Docker's mask). */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;
/** personality(2) values Docker lets through: PER_LINUX, UNAME26, PER_LINUX32, both, and the query. */
export const PERSONALITY_ALLOWED = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];
/** socket(2) families refused: AF_ALG (kernel crypto), AF_VSOCK (host/VM sockets), as Docker does. */
export const SOCKET_FAMILIES_DENIED = [38, 40];

export const OFFSET_NR = 0;
export const OFFSET_ARCH = 4;
/** seccomp_data.args[i] low word (little-endian). */
export const argLow = (i: number) => 16 + 8 * i;

export interface Abi {
  auditArch: number;
  ioctl: number;
  clone: number;
  personality: number;
  socket: number;
  /** Numbers at or above this belong to another ABI sharing the architecture (x32). */
  foreignFrom?: number;
}

export const ABIS: Record<string, Abi> = {
  x64: { auditArch: 0xc000003e, ioctl: 16, clone: 56, personality: 135, socket: 41, foreignFrom: 0x40000000 },
  arm64: { auditArch: 0xc00000b7, ioctl: 29, clone: 220, personality: 92, socket: 198 },
};

type Instruction = [code: number, jt: number, jf: number, k: number];
const ret = (action: number): Instruction => [BPF_RET_K, 0, 0, action];
const errno = (n: number) => SECCOMP_RET_ERRNO | n;

/**
 * One self-contained block per syscall: when the number matches, the block ends in a RET; when it
 * does not, its first jump skips the whole block. Blocks may clobber the accumulator only after
 * their number matched, so the next block can compare the number again without reloading.
 */
function block(nr: number, body: Instruction[]): Instruction[] {
  return [[BPF_JEQ_K, 0, body.length, nr], ...body];
}

/** Returns `action` when the low word of argument `arg` equals one of `values`, else `otherwise`. */
function argIn(arg: number, values: number[], action: number, otherwise: number): Instruction[] {
  const out: Instruction[] = [[BPF_LD_W_ABS, 0, 0, argLow(arg)]];
  values.forEach((value, i) => {
    out.push([BPF_JEQ_K, values.length - i, 0, value]); // → the RET of `action` after `otherwise`
  });
  out.push(ret(otherwise), ret(action));
  return out;
}

function program(abi: Abi, arch: string): Instruction[] {
  const deny = errno(EPERM);
  const out: Instruction[] = [
    [BPF_LD_W_ABS, 0, 0, OFFSET_ARCH],
    [BPF_JEQ_K, 1, 0, abi.auditArch],
    ret(deny),
    [BPF_LD_W_ABS, 0, 0, OFFSET_NR],
  ];
  if (abi.foreignFrom !== undefined) out.push([BPF_JGE_K, 0, 1, abi.foreignFrom], ret(deny));
  out.push(...block(abi.ioctl, argIn(1, [TIOCSTI, TIOCLINUX], deny, SECCOMP_RET_ALLOW)));
  out.push(
    ...block(abi.clone, [
      [BPF_LD_W_ABS, 0, 0, argLow(0)],
      [BPF_JSET_K, 0, 1, CLONE_NAMESPACE_FLAGS],
      ret(deny),
      ret(SECCOMP_RET_ALLOW),
    ]),
  );
  out.push(...block(abi.personality, argIn(0, PERSONALITY_ALLOWED, SECCOMP_RET_ALLOW, deny)));
  out.push(...block(abi.socket, argIn(0, SOCKET_FAMILIES_DENIED, deny, SECCOMP_RET_ALLOW)));
  for (const entry of DENY) {
    const nr = arch === "x64" ? entry.x64 : entry.arm64;
    if (nr !== undefined) out.push(...block(nr, [ret(errno(entry.errno))]));
  }
  out.push(ret(SECCOMP_RET_ALLOW));
  return out;
}

function encode(instructions: Instruction[]): Uint8Array {
  const out = new Uint8Array(instructions.length * 8);
  const view = new DataView(out.buffer);
  instructions.forEach(([code, jt, jf, k], i) => {
    if (jt > 255 || jf > 255) throw new Error("seccomp: jump too far");
    view.setUint16(i * 8, code, true);
    view.setUint8(i * 8 + 2, jt);
    view.setUint8(i * 8 + 3, jf);
    view.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return out;
}

/** The filter program for this machine's architecture, or undefined where we have no table. */
export function buildSeccompFilter(arch: string = process.arch): Uint8Array | undefined {
  const abi = ABIS[arch];
  return abi ? encode(program(abi, arch)) : undefined;
}

/** Denied syscalls that exist on `arch`, with their numbers there (tests, `check`). */
export function deniedOn(arch: string = process.arch): (DeniedSyscall & { nr: number })[] {
  return DENY.flatMap((entry) => {
    const nr = arch === "x64" ? entry.x64 : entry.arm64;
    return nr === undefined ? [] : [{ ...entry, nr }];
  });
}
