import { dlopen, FFIType, read } from "bun:ffi";
import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { dataPaths } from "../shared/paths.ts";

/**
 * One server per data dir: an exclusive `flock(2)` on `<data>/octo.lock`, held for the server's
 * lifetime. The kernel drops it when the process dies however it dies (SIGKILL, OOM), so there is
 * no stale lock to clean up; the pid written into the file is only for the error message.
 * The descriptor is close-on-exec (Bun opens files with O_CLOEXEC), so a runner the server
 * spawns does not inherit the lock. See docs/decisions/0011-one-server-per-data-dir.md.
 */

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = 11;

let libc: ReturnType<typeof openLibc> | undefined;
function openLibc() {
  return dlopen("libc.so.6", {
    flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  }).symbols;
}

function flock(fd: number, op: number): { ok: true } | { ok: false; errno: number } {
  try {
    libc ??= openLibc();
  } catch {
    return { ok: false, errno: -1 }; // no glibc here: reported as such below
  }
  if (libc.flock(fd, op) === 0) return { ok: true };
  const where = libc.__errno_location();
  return { ok: false, errno: where ? read.i32(where, 0) : 0 };
}

export interface DataDirLock {
  path: string;
  release(): void;
}

/** Who holds the lock, as written into the file by the holder (may be empty for a moment). */
function holderPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function lockedMessage(dataDir: string, path: string): string {
  const pid = holderPid(path);
  return `another octo server${pid ? ` (pid ${pid})` : ""} is using the data dir ${dataDir} (lock ${path}); stop it first`;
}

/** Take the data dir's lock or say who holds it (`data_dir_in_use`). The dir must exist. */
export function lockDataDir(dataDir: string): Result<DataDirLock> {
  const path = dataPaths(dataDir).lock;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  } catch (e) {
    return fail("internal", `cannot open the lock file ${path}: ${(e as Error).message}`);
  }
  const locked = flock(fd, LOCK_EX | LOCK_NB);
  if (!locked.ok) {
    closeSync(fd);
    if (locked.errno === EWOULDBLOCK) return fail("data_dir_in_use", lockedMessage(dataDir, path));
    if (locked.errno === -1)
      return fail("internal", `cannot lock ${path}: flock(2) from libc.so.6 is not available`);
    return fail("internal", `cannot lock ${path} (errno ${locked.errno})`);
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  let held = true;
  return ok({
    path,
    release() {
      if (!held) return;
      held = false;
      // The file stays: unlinking it would let a waiter lock a file nobody else opens.
      ftruncateSync(fd, 0);
      flock(fd, LOCK_UN);
      closeSync(fd);
    },
  });
}

/** Fails with `data_dir_in_use` while a server holds the data dir (for offline tools: restore). */
export function checkDataDirFree(dataDir: string): Result<void> {
  const lock = lockDataDir(dataDir);
  if (!lock.ok) return lock;
  lock.value.release();
  return ok(undefined);
}
