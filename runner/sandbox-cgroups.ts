import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../src/shared/log.ts";
import {
  cgroupOf,
  enablePids,
  PIDS_CGROUP_ENV,
  pidsCgroupDisabled,
  pidsHierarchy,
  RUNNER_LEAF,
  removeCgroup,
} from "../src/shared/pids-cgroup.ts";
import { isAlive } from "../src/shared/proctree.ts";

const ownedBy = (path: string, uid: number): boolean => {
  try {
    return statSync(path).uid === uid;
  } catch {
    return false;
  }
};

/**
 * A systemd unit delegated to us (v2): its cgroup and `cgroup.procs` are our uid's (root's are no
 * sign of delegation) and nothing but this process is in it yet.
 */
function onlyUs(cgroup: string, uid: number): boolean {
  if (!ownedBy(cgroup, uid) || !ownedBy(join(cgroup, "cgroup.procs"), uid)) return false;
  try {
    return readFileSync(join(cgroup, "cgroup.procs"), "utf8").trim() === String(process.pid);
  } catch {
    return false;
  }
}

/** A leaf named after a runner process that is alive and not us (another runner of this account). */
function liveOther(leaf: string): boolean {
  const pid = Number(/^sandbox-(\d+)-/.exec(leaf)?.[1]);
  return Number.isInteger(pid) && pid > 1 && pid !== process.pid && isAlive(pid);
}

/**
 * The runner's delegated cgroup subtree (decision 0032): one leaf per sandbox beside the runner's
 * own `runner` leaf. The sandbox wrapper sets its leaf's `pids.max` from the merged policy and
 * moves itself in before it starts bwrap, so everything in the sandbox (and the browser that
 * joins it) counts there; the leaf is removed once the sandbox has exited.
 */
export class SandboxCgroups {
  private count = 0;
  private readonly live = new Set<string>();

  private constructor(
    readonly base: string,
    readonly version: 1 | 2,
    private readonly log: Logger,
  ) {}

  /**
   * Delegated to us when our own cgroup is `<base>/runner` and `<base>` is ours (the system
   * component or a root server made it so), or (v2) when our own cgroup is ours — a systemd unit
   * with `Delegate=pids` — and we move into a `runner` leaf of it first. Otherwise null, logged:
   * `limits.processes` then falls back to RLIMIT_NPROC, shared by every sandbox of this account.
   */
  static detect(log: Logger, env: Record<string, string | undefined> = process.env): SandboxCgroups | null {
    const unavailable = (why: string) => {
      log.warn(
        `per-sandbox process limits unavailable (${why}): limits.processes falls back to RLIMIT_NPROC, shared by every sandbox of this Linux account`,
      );
      return null;
    };
    if (pidsCgroupDisabled(env)) return unavailable(`${PIDS_CGROUP_ENV}=off`);
    const hierarchy = pidsHierarchy();
    if (!hierarchy) return unavailable("no cgroup hierarchy with the pids controller is mounted");
    const own = cgroupOf("self", hierarchy);
    if (!own) return unavailable("this process's cgroup is unknown");
    const uid = process.getuid?.() ?? -1;
    let base: string;
    if (basename(own) === RUNNER_LEAF && ownedBy(dirname(own), uid)) base = dirname(own);
    else if (hierarchy.version === 2 && uid !== 0 && own !== hierarchy.mount && onlyUs(own, uid)) {
      try {
        mkdirSync(join(own, RUNNER_LEAF), { recursive: true });
        writeFileSync(join(own, RUNNER_LEAF, "cgroup.procs"), String(process.pid));
      } catch (e) {
        return unavailable(`cannot move into ${join(own, RUNNER_LEAF)}: ${(e as Error).message}`);
      }
      base = own;
    } else return unavailable(`cgroup ${own} is not delegated to this runner`);
    if (hierarchy.version === 2) {
      try {
        enablePids(base);
      } catch (e) {
        return unavailable(`cannot enable pids in ${base}: ${(e as Error).message}`);
      }
    }
    log.info("per-sandbox process limits: one pids cgroup per sandbox", {
      cgroup: base,
      version: hierarchy.version,
    });
    return new SandboxCgroups(base, hierarchy.version, log);
  }

  /** A fresh, empty leaf for one sandbox; null (logged) when it cannot be made. */
  create(): string | null {
    const dir = join(this.base, `sandbox-${process.pid}-${++this.count}`);
    try {
      mkdirSync(dir);
      this.live.add(dir);
      return dir;
    } catch (e) {
      this.log.warn("cannot create a sandbox cgroup; this sandbox runs under RLIMIT_NPROC", {
        cgroup: dir,
        error: (e as Error).message,
      });
      return null;
    }
  }

  /** Removes a sandbox's leaf once its wrapper has exited (killing anything left in it). */
  async release(dir: string): Promise<void> {
    this.live.delete(dir);
    const failed = await removeCgroup(dir);
    if (failed) this.log.warn("sandbox cgroup not removed", { cgroup: dir, error: failed });
  }

  /** On stop: every sandbox's leaf, emptied and removed (their processes are being killed anyway). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.live].map((dir) => this.release(dir)));
  }

  /** Leaves a dead predecessor left behind (their sandboxes died with it, or die now). */
  async sweep(): Promise<string[]> {
    let stale: string[] = [];
    try {
      stale = readdirSync(this.base, { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name !== RUNNER_LEAF && !liveOther(e.name))
        .map((e) => join(this.base, e.name));
    } catch {
      return [];
    }
    for (const dir of stale) await this.release(dir);
    return stale;
  }
}
