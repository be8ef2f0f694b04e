import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import type { TerminalInfo } from "../protocol/terminal.ts";
import type { RunnerClient } from "../runners/client.ts";
import type { Logger } from "../shared/log.ts";
import { parseTerminalTag, terminalTag } from "./tags.ts";
import { Terminal } from "./terminal.ts";
import type { Viewer } from "./viewers.ts";

/** Who is asking: every terminal id is checked against this. */
export interface Caller {
  id: string;
  username: string;
}

/** What a terminal needs of a project: where it is and which sandbox profile its agent uses. */
export interface TerminalProject {
  id: string;
  slug: string;
  profile: string;
  /** Whose runner and sandbox the shell runs in (a shared project's owner, decision 0030). */
  ownerUsername?: string;
}

export interface TerminalDeps {
  runners: { forUser(name: string): Promise<Result<RunnerClient>> };
  /**
   * The caller's project, or one shared with them with the terminal grant; `not_found` when it is
   * missing or someone else's, `forbidden` for a member without the grant.
   */
  findProject(caller: Caller, projectId: string): Result<TerminalProject>;
  /** Absolute path of the project folder as the caller's runner sees it. */
  projectDir(caller: Caller, project: TerminalProject): string;
  log: Logger;
  /** Output kept per terminal for re-attaching (default 256 KiB). */
  scrollbackBytes?: number;
  /** Running terminals per user (default 32); the runner's own process cap applies as well. */
  maxPerUser?: number;
  /** The shell inside the sandbox. */
  shell?: string[];
}

export const DEFAULT_SCROLLBACK_BYTES = 256 * 1024;
/** Login bash where the profile has it, else sh: both start in /workspace, the sandbox's cwd. */
export const DEFAULT_SHELL = [
  "/bin/sh",
  "-c",
  "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi",
];

const notFound = () => fail("not_found", "no such terminal");

/** The account whose runner serves a project: its owner's (the caller's own project: the caller). */
const ownerOf = (caller: Caller, project: TerminalProject): Caller =>
  project.ownerUsername ? { id: caller.id, username: project.ownerUsername } : caller;

/**
 * Terminals per user and project. The runner is the authority on which shells exist (each is a
 * process tagged with owner, project and terminal id), so a restarted server finds them again by
 * listing the runner; this service holds the live view: scrollback mirrors and attached viewers.
 */
export class TerminalService {
  private readonly terminals = new Map<string, Terminal>();
  private readonly loaded = new WeakMap<RunnerClient, Promise<Result<void>>>();
  private readonly byViewer = new Map<Viewer, Set<Terminal>>();
  private readonly scrollbackBytes: number;

  constructor(private readonly deps: TerminalDeps) {
    this.scrollbackBytes = deps.scrollbackBytes ?? DEFAULT_SCROLLBACK_BYTES;
  }

  async open(caller: Caller, input: { project_id: string; cols: number; rows: number }) {
    const project = this.deps.findProject(caller, input.project_id);
    if (!project.ok) return project;
    const runner = await this.runnerFor(ownerOf(caller, project.value));
    if (!runner.ok) return runner;
    const max = this.deps.maxPerUser ?? 32;
    const running = [...this.terminals.values()].filter((t) => t.record.ownerId === caller.id && !t.exit);
    if (running.length >= max)
      return fail("process_limit", `you already have ${max} terminals open; close one first`);
    const id = newId("trm");
    const client = runner.value;
    const spawned = await client.spawn({
      kind: "raw",
      profile: project.value.profile,
      project: this.deps.projectDir(caller, project.value),
      argv: this.deps.shell ?? DEFAULT_SHELL,
      env: { TERM: "xterm-256color", COLORTERM: "truecolor" },
      pty: { cols: input.cols, rows: input.rows },
      tag: terminalTag({ owner: caller.id, project: project.value.id, terminal: id }),
      // The runner keeps what we have not acknowledged: the scrollback plus line overhead.
      buffer_bytes: this.scrollbackBytes * 4,
    });
    if (!spawned.ok) return spawned;
    const t = this.adopt(client, {
      id,
      ownerId: caller.id,
      projectId: project.value.id,
      proc: spawned.value.proc,
      createdAt: Date.now(),
      cols: input.cols,
      rows: input.rows,
    });
    const subscribed = await t.subscribe(0);
    if (!subscribed.ok) return subscribed;
    this.deps.log.info("terminal opened", { terminal: id, user: caller.username, project: project.value.id });
    return ok(t.info());
  }

  async list(caller: Caller, projectId: string): Promise<Result<TerminalInfo[]>> {
    const project = this.deps.findProject(caller, projectId);
    if (!project.ok) return project;
    const runner = await this.runnerFor(ownerOf(caller, project.value));
    if (!runner.ok) return runner;
    return ok(
      [...this.terminals.values()]
        .filter((t) => t.record.ownerId === caller.id && t.record.projectId === projectId && !t.closing)
        .sort((a, b) => a.record.createdAt - b.record.createdAt || (a.id < b.id ? -1 : 1))
        .map((t) => t.info()),
    );
  }

  async attach(caller: Caller, viewer: Viewer, id: string, afterSeq?: number): Promise<Result<TerminalInfo>> {
    const t = await this.find(caller, id);
    if (!t.ok) return t;
    const info = t.value.info();
    if (afterSeq !== undefined && afterSeq > info.last_seq)
      return fail(
        "bad_request",
        `after_seq ${afterSeq} is beyond the terminal's last event ${info.last_seq}`,
      );
    t.value.attach(viewer, afterSeq);
    const set = this.byViewer.get(viewer) ?? new Set();
    set.add(t.value);
    this.byViewer.set(viewer, set);
    return ok(info);
  }

  async detach(caller: Caller, viewer: Viewer, id?: string): Promise<Result<void>> {
    if (id === undefined) {
      this.viewerClosed(viewer);
      return ok(undefined);
    }
    const t = await this.find(caller, id);
    if (!t.ok) return t;
    t.value.viewers.detach(viewer);
    this.byViewer.get(viewer)?.delete(t.value);
    return ok(undefined);
  }

  async input(caller: Caller, id: string, bytes: Uint8Array): Promise<Result<void>> {
    const t = await this.find(caller, id);
    if (!t.ok) return t;
    if (t.value.exit) return fail("conflict", "the terminal has exited");
    const r = await t.value.write(bytes);
    return r.ok ? ok(undefined) : r;
  }

  async resize(caller: Caller, id: string, cols: number, rows: number): Promise<Result<void>> {
    const t = await this.find(caller, id);
    if (!t.ok) return t;
    if (t.value.exit) return fail("conflict", "the terminal has exited");
    const r = await t.value.resize(cols, rows);
    return r.ok ? ok(undefined) : r;
  }

  /** Kills the shell and everything it started; the terminal disappears from `list`. */
  async close(caller: Caller, id: string): Promise<Result<void>> {
    const t = await this.find(caller, id);
    if (!t.ok) return t;
    const r = await t.value.close();
    if (!r.ok) return r;
    this.forget(t.value);
    return ok(undefined);
  }

  /** For deleting a project: close all its terminals and wait until their shells are gone. */
  async closeProject(caller: Caller, projectId: string): Promise<Result<{ closed: string[] }>> {
    const runner = await this.runnerFor(caller);
    if (!runner.ok) return runner;
    // Members' shells in it too (a shared project, decision 0030).
    const mine = [...this.terminals.values()].filter((t) => t.record.projectId === projectId);
    for (const t of mine) {
      const r = await t.close();
      if (!r.ok) return r;
    }
    await Promise.all(mine.map((t) => t.exited()));
    for (const t of mine) this.forget(t);
    return ok({ closed: mine.map((t) => t.id) });
  }

  /** A member lost the terminal grant or left the project: their shells in it are killed at once. */
  async closeFor(userId: string, projectId: string): Promise<void> {
    const theirs = [...this.terminals.values()].filter(
      (t) => t.record.ownerId === userId && t.record.projectId === projectId,
    );
    await Promise.all(
      theirs.map(async (t) => {
        const r = await t.close();
        if (!r.ok) this.deps.log.warn("terminal did not close", { terminal: t.id, error: r.error.message });
        this.forget(t);
      }),
    );
  }

  /** The user's sign-ins have ended: every shell of theirs this server knows is killed. */
  async closeAllOf(userId: string): Promise<void> {
    const mine = [...this.terminals.values()].filter((t) => t.record.ownerId === userId);
    await Promise.all(
      mine.map(async (t) => {
        const r = await t.close();
        if (!r.ok) this.deps.log.warn("terminal did not close", { terminal: t.id, error: r.error.message });
        this.forget(t);
      }),
    );
  }

  /** A socket went away: its viewers detach; the shells keep running. */
  viewerClosed(viewer: Viewer): void {
    for (const t of this.byViewer.get(viewer) ?? []) t.viewers.detach(viewer);
    this.byViewer.delete(viewer);
  }

  viewerDrained(viewer: Viewer): void {
    for (const t of this.byViewer.get(viewer) ?? []) t.viewers.drained(viewer);
  }

  /** A terminal by id, for the caller only: another user's id is reported exactly like a missing one. */
  private async find(caller: Caller, id: string): Promise<Result<Terminal>> {
    // A terminal this server holds is found directly (a member's runs under the project owner's
    // runner, decision 0030); else the caller's runner is loaded first (after a server restart).
    const runner = await this.runnerFor(caller);
    if (!runner.ok) return runner;
    const t = this.terminals.get(id);
    // Opened in a shared project: only while the grant holds (decision 0030).
    if (t && t.record.ownerId === caller.id && !this.deps.findProject(caller, t.record.projectId).ok)
      return notFound();
    return t && t.record.ownerId === caller.id && !t.closing ? ok(t) : notFound();
  }

  private forget(t: Terminal): void {
    if (this.terminals.get(t.id) === t) this.terminals.delete(t.id);
    for (const [viewer, set] of this.byViewer) {
      if (set.delete(t) && set.size === 0) this.byViewer.delete(viewer);
    }
  }

  private adopt(client: RunnerClient, record: Terminal["record"], ackedSeq = 0): Terminal {
    const t = new Terminal(record, client, this.scrollbackBytes, this.deps.log, ackedSeq);
    this.terminals.set(record.id, t);
    return t;
  }

  /** The caller's runner, with the terminals it already runs known to this server. */
  private async runnerFor(caller: Caller): Promise<Result<RunnerClient>> {
    const runner = await this.deps.runners.forUser(caller.username);
    if (!runner.ok) return runner;
    const client = runner.value;
    let loading = this.loaded.get(client);
    if (!loading) {
      loading = this.load(client);
      this.loaded.set(client, loading);
      client.onStateChange((s) => {
        if (s === "connected") void this.reconcile(client);
      });
    }
    const loaded = await loading;
    if (!loaded.ok) {
      this.loaded.delete(client);
      return loaded;
    }
    return runner;
  }

  /** Adopt the terminals a runner already runs (after a server restart), from what it still holds. */
  private async load(client: RunnerClient): Promise<Result<void>> {
    const listed = await client.list();
    if (!listed.ok) return listed;
    for (const p of listed.value.processes) {
      const tag = parseTerminalTag(p.tag);
      if (!tag || this.terminals.has(tag.terminal) || !p.pty) continue;
      const t = this.adopt(
        client,
        {
          id: tag.terminal,
          ownerId: tag.owner,
          projectId: tag.project,
          proc: p.proc,
          createdAt: p.started_at,
          cols: null,
          rows: null,
        },
        p.acked_seq,
      );
      const r = await t.subscribe(p.acked_seq);
      if (!r.ok) this.forget(t);
    }
    return ok(undefined);
  }

  /** After a reconnect: shells the runner no longer has (it restarted) are reported as ended. */
  private async reconcile(client: RunnerClient): Promise<void> {
    const listed = await client.list();
    if (!listed.ok) return;
    const live = new Set(listed.value.processes.map((p) => p.proc));
    for (const t of this.terminals.values()) {
      if (t.client === client && !live.has(t.record.proc)) t.lost();
    }
  }
}
