import { ok, type Result } from "../protocol/errors.ts";
import type { FileChange, FilesChangesEvent, FileWatchEvent } from "../protocol/files.ts";
import type { Logger } from "../shared/log.ts";
import type { FileRunner, ProjectFiles } from "./access.ts";

/** One socket's end of a project watch. `send` reports backpressure like a mux sink. */
export interface WatchSubscriber {
  send(frame: string): "ok" | "full" | "dropped";
}

interface Listener {
  subscriber: WatchSubscriber;
  /** A batch was not delivered (socket full): the next delivery says `overflow` so the tree re-lists. */
  behind: boolean;
}

interface ProjectWatch {
  key: string;
  projectId: string;
  folder: string;
  includeNodeModules: boolean;
  runner: FileRunner;
  /** The runner's watch id; null while (re)starting or after the runner connection dropped. */
  runnerWatch: string | null;
  starting: Promise<Result<void>> | null;
  listeners: Map<WatchSubscriber, Listener>;
}

/**
 * One runner watch per project, fanned out to every socket watching it as
 * `{ch:"files", event:"changes", project_id, changes, overflow, closed?}`. Watch events are hints for
 * a tree view: when a socket falls behind, or the runner connection is re-established (runner
 * watches end with the connection), the next event carries `overflow: true` and clients re-list.
 */
export class ProjectWatches {
  private readonly watches = new Map<string, ProjectWatch>();
  private readonly byRunnerWatch = new Map<string, ProjectWatch>();
  private readonly runnersSeen = new WeakSet<FileRunner>();

  constructor(private readonly log: Logger) {}

  /** Start (or join) the project's watch; events go to `subscriber` until `remove`. */
  async add(
    files: ProjectFiles,
    subscriber: WatchSubscriber,
    includeNodeModules = false,
  ): Promise<Result<void>> {
    this.hookRunner(files.runner);
    const key = `${files.projectId}:${includeNodeModules ? "all" : "src"}`;
    let w = this.watches.get(key);
    if (!w || w.runner !== files.runner) {
      if (w) this.drop(w, false);
      w = {
        key,
        projectId: files.projectId,
        folder: files.folder,
        includeNodeModules,
        runner: files.runner,
        runnerWatch: null,
        starting: null,
        listeners: new Map(),
      };
      this.watches.set(key, w);
    }
    w.listeners.set(subscriber, { subscriber, behind: false });
    const started = await this.ensureStarted(w);
    if (!started.ok) {
      w.listeners.delete(subscriber);
      if (w.listeners.size === 0) this.drop(w, true);
    }
    return started;
  }

  /** Stop sending this project's events to `subscriber`; the last one out ends the runner watch. */
  remove(projectId: string, subscriber: WatchSubscriber): boolean {
    let found = false;
    for (const w of [...this.watches.values()]) {
      if (w.projectId !== projectId || !w.listeners.delete(subscriber)) continue;
      found = true;
      if (w.listeners.size === 0) this.drop(w, true);
    }
    return found;
  }

  /** A socket closed: leave every watch. */
  removeAll(subscriber: WatchSubscriber): void {
    for (const w of [...this.watches.values()]) {
      if (w.listeners.delete(subscriber) && w.listeners.size === 0) this.drop(w, true);
    }
  }

  /** The socket has room again: whoever missed a batch gets an overflow marker. */
  drained(subscriber: WatchSubscriber): void {
    for (const w of this.watches.values()) {
      const l = w.listeners.get(subscriber);
      if (l?.behind) this.deliver(w, l, [], true);
    }
  }

  /** Projects a subscriber is watching (for tests and status). */
  watching(subscriber: WatchSubscriber): string[] {
    return [...this.watches.values()].filter((w) => w.listeners.has(subscriber)).map((w) => w.projectId);
  }

  private ensureStarted(w: ProjectWatch): Promise<Result<void>> {
    if (w.runnerWatch) return Promise.resolve(ok(undefined));
    w.starting ??= (async () => {
      const r = await w.runner.fs("fs.watch", {
        project: w.folder,
        include_node_modules: w.includeNodeModules,
      });
      w.starting = null;
      if (!r.ok) return r;
      if (this.watches.get(w.key) !== w) {
        // Everyone left while it started.
        void w.runner.fs("fs.unwatch", { watch: r.value.watch });
        return ok(undefined);
      }
      w.runnerWatch = r.value.watch;
      this.byRunnerWatch.set(r.value.watch, w);
      return ok(undefined);
    })();
    return w.starting;
  }

  private drop(w: ProjectWatch, unwatch: boolean): void {
    if (this.watches.get(w.key) === w) this.watches.delete(w.key);
    if (w.runnerWatch) {
      this.byRunnerWatch.delete(w.runnerWatch);
      if (unwatch && w.runner.connectionState === "connected")
        void w.runner.fs("fs.unwatch", { watch: w.runnerWatch });
      w.runnerWatch = null;
    }
  }

  private hookRunner(runner: FileRunner): void {
    if (this.runnersSeen.has(runner)) return;
    this.runnersSeen.add(runner);
    runner.onFileEvent((e) => this.onRunnerEvent(e));
    runner.onStateChange((state) => {
      const affected = [...this.watches.values()].filter((w) => w.runner === runner);
      if (state === "connecting") {
        // The runner's watches ended with its connection.
        for (const w of affected) {
          if (w.runnerWatch) this.byRunnerWatch.delete(w.runnerWatch);
          w.runnerWatch = null;
        }
      } else if (state === "connected") {
        for (const w of affected) void this.restart(w);
      } else {
        for (const w of affected) {
          this.broadcast(w, [], true, true);
          this.drop(w, false);
        }
      }
    });
  }

  private async restart(w: ProjectWatch): Promise<void> {
    const r = await this.ensureStarted(w);
    if (r.ok) {
      this.broadcast(w, [], true);
      return;
    }
    this.log.warn("file watch not restarted", { project: w.projectId, ...r.error });
    this.broadcast(w, [], true, true);
    this.drop(w, false);
  }

  private onRunnerEvent(e: FileWatchEvent): void {
    const w = this.byRunnerWatch.get(e.watch);
    if (!w) return;
    this.broadcast(w, e.changes, e.overflow, e.closed);
    if (e.closed) this.drop(w, false);
  }

  private broadcast(w: ProjectWatch, changes: FileChange[], overflow: boolean, closed?: boolean): void {
    for (const l of [...w.listeners.values()]) this.deliver(w, l, changes, overflow, closed);
  }

  private deliver(
    w: ProjectWatch,
    l: Listener,
    changes: FileChange[],
    overflow: boolean,
    closed?: boolean,
  ): void {
    if (l.behind && !closed && changes.length > 0) return; // the overflow marker on drain covers it
    const frame: FilesChangesEvent = {
      ch: "files",
      event: "changes",
      project_id: w.projectId,
      changes,
      overflow: overflow || l.behind,
      ...(closed ? { closed } : {}),
    };
    // "full": accepted, but what follows waits for the drain (then one overflow marker stands in for it).
    l.behind = l.subscriber.send(JSON.stringify(frame)) !== "ok";
  }
}
