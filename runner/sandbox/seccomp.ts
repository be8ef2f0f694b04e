/**
 * A tiny classic-BPF seccomp filter for bwrap's `--seccomp FD`: it refuses the terminal injection
 * ioctls TIOCSTI and TIOCLINUX (CVE-2017-5226 and friends) even when the sandbox shares a terminal,
 * and refuses syscalls of a foreign ABI (i386/x32 on x86_64) so they cannot sidestep the check.
 * Only the low 32 bits of the ioctl request are compared: the kernel ignores the upper half.
 */

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;

export const TIOCSTI = 0x5412;
export const TIOCLINUX = 0x541c;

const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG1_LOW = 24; // seccomp_data.args[1], little-endian low word

interface Abi {
  auditArch: number;
  ioctl: number;
}

const ABIS: Record<string, Abi> = {
  x64: { auditArch: 0xc000003e, ioctl: 16 },
  arm64: { auditArch: 0xc00000b7, ioctl: 29 },
};

function instruction(code: number, jt: number, jf: number, k: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, code, true);
  view.setUint8(2, jt);
  view.setUint8(3, jf);
  view.setUint32(4, k >>> 0, true);
  return bytes;
}

/** The filter program for this machine's architecture, or undefined where we have no table. */
export function buildSeccompFilter(arch: string = process.arch): Uint8Array | undefined {
  const abi = ABIS[arch];
  if (!abi) return undefined;
  const deny = SECCOMP_RET_ERRNO | EPERM;
  const program = [
    /* 0 */ instruction(BPF_LD_W_ABS, 0, 0, OFFSET_ARCH),
    /* 1 */ instruction(BPF_JEQ_K, 1, 0, abi.auditArch),
    /* 2 */ instruction(BPF_RET_K, 0, 0, deny),
    /* 3 */ instruction(BPF_LD_W_ABS, 0, 0, OFFSET_NR),
    /* 4 */ instruction(BPF_JGE_K, 5, 0, 0x40000000), // x32 syscalls → 10
    /* 5 */ instruction(BPF_JEQ_K, 0, 3, abi.ioctl), // not ioctl → 9
    /* 6 */ instruction(BPF_LD_W_ABS, 0, 0, OFFSET_ARG1_LOW),
    /* 7 */ instruction(BPF_JEQ_K, 2, 0, TIOCSTI), // → 10
    /* 8 */ instruction(BPF_JEQ_K, 1, 0, TIOCLINUX), // → 10
    /* 9 */ instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    /* 10 */ instruction(BPF_RET_K, 0, 0, deny),
  ];
  const out = new Uint8Array(program.length * 8);
  program.forEach((ins, i) => {
    out.set(ins, i * 8);
  });
  return out;
}
