import { describe, expect, test } from "bun:test";
import {
  ABIS,
  argLow,
  buildSeccompFilter,
  CLONE_NAMESPACE_FLAGS,
  deniedOn,
  OFFSET_ARCH,
  OFFSET_NR,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  TIOCLINUX,
  TIOCSTI,
} from "./seccomp.ts";
import { ENOSYS, EPERM } from "./seccomp-table.ts";

/**
 * Runs the filter the way the kernel does, on a seccomp_data built from (arch, nr, args): a small
 * classic-BPF interpreter for the instructions a seccomp program may use (loads of the data,
 * jumps on constants, returns). The end-to-end check against the real kernel is
 * test/sandbox/seccomp.test.ts; this one covers every entry on both architectures.
 */
function evaluate(program: Uint8Array, auditArch: number, nr: number, args: number[] = []): number {
  const data = new DataView(new ArrayBuffer(64));
  data.setUint32(OFFSET_NR, nr, true);
  data.setUint32(OFFSET_ARCH, auditArch, true);
  args.forEach((arg, i) => {
    data.setUint32(argLow(i), arg >>> 0, true);
  });
  const code = new DataView(program.buffer, program.byteOffset, program.byteLength);
  let a = 0;
  for (let pc = 0; pc * 8 < program.byteLength; pc++) {
    const op = code.getUint16(pc * 8, true);
    const jt = code.getUint8(pc * 8 + 2);
    const jf = code.getUint8(pc * 8 + 3);
    const k = code.getUint32(pc * 8 + 4, true);
    if (op === 0x20) a = data.getUint32(k, true);
    else if (op === 0x06) return k;
    else if (op === 0x15) pc += a === k ? jt : jf;
    else if (op === 0x35) pc += a >>> 0 >= k ? jt : jf;
    else if (op === 0x45) pc += (a & k) !== 0 ? jt : jf;
    else throw new Error(`unexpected opcode ${op.toString(16)} at ${pc}`);
  }
  throw new Error("fell off the end of the program");
}

const errno = (n: number) => SECCOMP_RET_ERRNO | n;

for (const arch of ["x64", "arm64"] as const) {
  const abi = ABIS[arch];
  if (!abi) throw new Error(arch);
  const filter = buildSeccompFilter(arch);
  if (!filter) throw new Error(`no filter for ${arch}`);
  const run = (nr: number, args: number[] = []) => evaluate(filter, abi.auditArch, nr, args);
  const nrOf = (name: string) => deniedOn(arch).find((e) => e.name === name)?.nr;

  describe(`seccomp filter (${arch})`, () => {
    test("every denied syscall gets its errno", () => {
      const denied = deniedOn(arch);
      expect(denied.length).toBeGreaterThan(arch === "x64" ? 70 : 55);
      for (const entry of denied)
        expect({ name: entry.name, action: run(entry.nr) }).toEqual({
          name: entry.name,
          action: errno(entry.errno),
        });
    });

    test("io_uring and clone3 answer ENOSYS so callers fall back; the rest EPERM", () => {
      for (const name of ["io_uring_setup", "io_uring_enter", "io_uring_register", "clone3"])
        expect(run(nrOf(name) ?? -1)).toBe(errno(ENOSYS));
      for (const name of ["bpf", "keyctl", "mount", "unshare", "setns", "kexec_load", "open_by_handle_at"])
        expect(run(nrOf(name) ?? -1)).toBe(errno(EPERM));
    });

    test("ordinary syscalls, ptrace and adjtimex pass", () => {
      const allowed =
        arch === "x64"
          ? { read: 0, write: 1, openat: 257, execve: 59, ptrace: 101, adjtimex: 159, wait4: 61 }
          : { read: 63, write: 64, openat: 56, execve: 221, ptrace: 117, adjtimex: 171, wait4: 260 };
      for (const [name, nr] of Object.entries(allowed))
        expect({ name, action: run(nr) }).toEqual({ name, action: SECCOMP_RET_ALLOW });
    });

    test("ioctl: TIOCSTI and TIOCLINUX refused, other requests pass (upper half ignored)", () => {
      expect(run(abi.ioctl, [0, TIOCSTI])).toBe(errno(EPERM));
      expect(run(abi.ioctl, [0, TIOCLINUX])).toBe(errno(EPERM));
      expect(run(abi.ioctl, [0, 0x5401])).toBe(SECCOMP_RET_ALLOW); // TCGETS
    });

    test("clone: threads and forks pass, any namespace flag is refused", () => {
      expect(run(abi.clone, [0x3d0f00])).toBe(SECCOMP_RET_ALLOW); // glibc pthread_create flags
      expect(run(abi.clone, [0x1200011])).toBe(SECCOMP_RET_ALLOW); // fork
      for (let bit = 0; bit < 32; bit++) {
        const flag = (1 << bit) >>> 0;
        if (CLONE_NAMESPACE_FLAGS & flag) expect(run(abi.clone, [flag | 0x11])).toBe(errno(EPERM));
      }
      expect(run(abi.clone, [0x10000000])).toBe(errno(EPERM)); // CLONE_NEWUSER
    });

    test("personality: the query and PER_LINUX(32) pass, ADDR_NO_RANDOMIZE and others are refused", () => {
      for (const value of [0, 8, 0x20000, 0x20008, 0xffffffff])
        expect(run(abi.personality, [value])).toBe(SECCOMP_RET_ALLOW);
      for (const value of [0x0040000, 0x0400000, 1]) expect(run(abi.personality, [value])).toBe(errno(EPERM));
    });

    test("socket: AF_ALG and AF_VSOCK refused, inet/unix/netlink pass", () => {
      expect(run(abi.socket, [38])).toBe(errno(EPERM));
      expect(run(abi.socket, [40])).toBe(errno(EPERM));
      for (const family of [1, 2, 10, 16, 17]) expect(run(abi.socket, [family])).toBe(SECCOMP_RET_ALLOW);
    });

    test("a foreign architecture is refused whatever the call", () => {
      expect(evaluate(filter, 0x40000003, 0)).toBe(errno(EPERM)); // i386 / aarch32 read
    });
  });
}

test("x32 numbers on x86_64 are refused", () => {
  const filter = buildSeccompFilter("x64");
  if (!filter || !ABIS.x64) throw new Error("x64");
  expect(evaluate(filter, ABIS.x64.auditArch, 0x40000000)).toBe(errno(EPERM));
  expect(evaluate(filter, ABIS.x64.auditArch, 0x40000000 + 101)).toBe(errno(EPERM));
});
