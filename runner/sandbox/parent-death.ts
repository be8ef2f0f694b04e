import { dlopen, FFIType } from "bun:ffi";

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/**
 * Ties this process to its parent (the runner): the kernel SIGKILLs us the moment the parent dies,
 * and bwrap's `--die-with-parent` carries it on into the sandbox, whose pid namespace then ends
 * (relays and all). SIGKILL rather than a catchable signal: it must work even when our own event
 * loop is stuck. Returns false when the parent was already gone before the call could take effect
 * (we were reparented): the caller must then not start anything.
 */
export function dieWithParent(parentAtStart: number): boolean {
  const libc = dlopen("libc.so.6", {
    prctl: {
      args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64],
      returns: FFIType.i32,
    },
  });
  try {
    if (libc.symbols.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) !== 0) return false;
  } finally {
    libc.close();
  }
  return process.ppid === parentAtStart;
}
