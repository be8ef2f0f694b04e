import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { Account } from "./accounts.ts";

/**
 * A size cap on each user's workspace (docs/decisions/0009-workspace-disk-quota.md): the workspace
 * is an ext4 file system in a sparse image file of `sizeMb`, loop-mounted (nosuid, nodev) at
 * /home/octo_<name>/octo. A full workspace answers ENOSPC inside it only; the user's home (the
 * runner's state: agent sessions, its ledger), /run/octo and the server's data live elsewhere and
 * stay writable. Mounted by the system component at ensure_user and again before every runner
 * start (a reboot drops the mount: a runner never starts on the bare, uncapped directory).
 */
export interface WorkspaceQuota {
  sizeMb: number;
  /** Root-only directory holding `<name>.img`. */
  imagesDir: string;
}

export const imageFor = (quota: WorkspaceQuota, name: string): string => join(quota.imagesDir, `${name}.img`);

/** Mount points from /proc/self/mountinfo (field 5, with the kernel's octal escapes undone). */
export function isMountPoint(path: string): boolean {
  const unescapeOctal = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .some((line) => {
      const field = line.split(" ")[4];
      return field !== undefined && unescapeOctal(field) === path;
    });
}

function run(argv: string[]): Result<void> {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode === 0) return ok(undefined);
  return fail("internal", `${argv.join(" ")} failed (${r.exitCode}): ${r.stderr.toString().trim()}`);
}

/** Creates the image on first use and mounts it at the workspace; a no-op when already mounted. */
export function ensureWorkspaceQuota(account: Account, quota: WorkspaceQuota): Result<void> {
  if (isMountPoint(account.workspace)) return ok(undefined);
  mkdirSync(quota.imagesDir, { recursive: true, mode: 0o700 });
  chownSync(quota.imagesDir, 0, 0);
  chmodSync(quota.imagesDir, 0o700);
  const image = imageFor(quota, account.name);
  const fresh = !existsSync(image);
  if (fresh) {
    // Mounting over files would hide them (and keep them on the uncapped disk): refuse instead.
    if (existsSync(account.workspace) && readdirSync(account.workspace).length > 0)
      return fail(
        "conflict",
        `workspace ${account.workspace} already has files: move them into a size-capped image first`,
      );
    const steps = [
      ["truncate", "--size", `${quota.sizeMb}M`, image],
      ["mkfs.ext4", "-q", "-F", "-m", "0", "-E", `root_owner=${account.uid}:${account.gid}`, image],
    ];
    for (const step of steps) {
      const r = run(step);
      if (!r.ok) {
        rmSync(image, { force: true });
        return r;
      }
    }
    chmodSync(image, 0o600);
  }
  mkdirSync(account.workspace, { recursive: true, mode: 0o700 });
  const mounted = run(["mount", "-o", "loop,nosuid,nodev", image, account.workspace]);
  if (!mounted.ok) return mounted;
  if (fresh) rmSync(join(account.workspace, "lost+found"), { recursive: true, force: true });
  chownSync(account.workspace, account.uid, account.gid);
  chmodSync(account.workspace, 0o700);
  return ok(undefined);
}

/** Unmounts the workspace (before the account goes); `purge` also deletes the image. */
export function releaseWorkspaceQuota(account: Account, quota: WorkspaceQuota, purge: boolean): Result<void> {
  if (isMountPoint(account.workspace)) {
    const r = run(["umount", account.workspace]);
    if (!r.ok) return r;
  }
  if (purge) rmSync(imageFor(quota, account.name), { force: true });
  return ok(undefined);
}
