import * as v from "valibot";
import {
  BROWSER_VERBS,
  BrowserArgsSchemas,
  BrowserControlSchema,
  type BrowserState,
  type BrowserVerb,
  type DriverPush,
  type RunnerBrowserEvent,
} from "../../src/protocol/browser.ts";
import { describeIssues } from "../../src/protocol/decode.ts";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { Logger } from "../../src/shared/log.ts";
import { DriverProcess } from "./driver-process.ts";
import { projectBrowserSettings } from "./settings.ts";

/** Where a session's sandbox is: a process inside it (to join) and the project's host folder. */
export type SandboxLocator = (session: string) => { pid: number; project: string } | null;

export interface BrowserServiceOptions {
  locate: SandboxLocator;
  /** Browsers one user may have open at once (`runner.max_browsers`). */
  maxBrowsers: number;
  /** A browser nobody used for this long is closed. */
  idleMs: number;
  /** V8 heap cap per browser (the address-space limit is lifted for Chromium; see join.ts). */
  heapMb: number;
  /** Live view: frames and state, to the server (latest-only frames). */
  publish: (event: RunnerBrowserEvent) => void;
  log: Logger;
}

interface Entry {
  driver: DriverProcess;
  ready: Promise<Result<void>>;
  idle: ReturnType<typeof setTimeout> | null;
  /** Set while the person holds the browser; resolves with the hand-back note. */
  held: PromiseWithResolvers<string> | null;
  /** An `ask` waits for the next hand-back even when nobody holds the browser yet. */
  nextRelease: PromiseWithResolvers<string>;
}

const CLOSED: BrowserState = { driver: "closed", url: "", title: "", tabs: [], action: null, ask: null };

const isVerb = (verb: string): verb is BrowserVerb => (BROWSER_VERBS as readonly string[]).includes(verb);

/**
 * The `browser` tool area, served by the runner: one driver (and Chromium) per session that asks,
 * started on its first command, closed on `close`, when the session's agent goes away, or after
 * `idleMs` without a command.
 */
// A `LocalArea` of the tool socket (structurally: importing its type would close an import circle).
export class BrowserService {
  private readonly browsers = new Map<string, Entry>();

  constructor(private readonly opts: BrowserServiceOptions) {}

  get openCount(): number {
    return this.browsers.size;
  }

  async handle(session: string, verb: string, args: Record<string, unknown>): Promise<Result<unknown>> {
    if (!isVerb(verb)) return fail("unknown_command", `octo-tool browser has no verb "${verb}"`);
    if (verb === "lock") return ok({ text: this.browsers.get(session)?.held ? "user\n" : "free\n" });
    const parsed = v.safeParse(BrowserArgsSchemas[verb], args);
    if (!parsed.success) return fail("validation_failed", describeIssues(parsed.issues));
    const where = this.opts.locate(session);
    if (verb === "close") {
      const had = this.browsers.has(session);
      this.closeSession(session);
      return ok({ text: had ? "browser closed\n" : "no browser was open\n" });
    }
    if (!where) return fail("not_found", "this session's sandbox is not running");
    if (verb === "eval") {
      const settings = projectBrowserSettings(where.project);
      if (!settings.ok) return settings;
      if (!settings.value.allow_eval)
        return fail(
          "forbidden",
          "eval is off for this project (set [browser] allow_eval = true in .octo/project.toml)",
        );
    }
    const known = this.browsers.get(session);
    const entry = known ? ok(known) : this.start(session, where.pid);
    if (!entry.ok) return entry;
    const ready = await entry.value.ready;
    if (!ready.ok) {
      this.closeSession(session);
      return ready;
    }
    const e = entry.value;
    if (verb === "ask") {
      // The question shows in the Browser tab; the answer is whatever the person did before handing back.
      const shown = await e.driver.send("ask", parsed.output as Record<string, unknown>);
      if (!shown.ok) return shown;
      const note = await e.nextRelease.promise;
      return ok({ text: note });
    }
    // While the person drives, the agent's command waits for the hand-back and carries its note.
    const note = e.held ? await e.held.promise : null;
    this.touch(session, e);
    const result = await e.driver.send(verb, parsed.output as Record<string, unknown>);
    this.touch(session, e);
    if (!note || !result.ok) return result;
    return ok({ ...result.value, text: `${note}\n${result.value.text}` });
  }

  /** The person's hand on the browser: take, release, or input while they hold it. */
  async control(session: string, raw: unknown): Promise<Result<unknown>> {
    const parsed = v.safeParse(BrowserControlSchema, raw);
    if (!parsed.success) return fail("validation_failed", describeIssues(parsed.issues));
    const control = parsed.output;
    const e = this.browsers.get(session);
    if (!e) return fail("not_found", "this session has no browser open");
    if (control.type === "take") {
      if (e.held) return ok({});
      e.held = Promise.withResolvers<string>();
      const r = await e.driver.control(control);
      return r.ok ? ok({}) : r;
    }
    if (control.type === "release") {
      const held = e.held;
      if (!held) return ok({});
      const r = await e.driver.control(control);
      const note = r.ok ? r.value.text : "The user handed the browser back.\n";
      e.held = null;
      const asked = e.nextRelease;
      e.nextRelease = Promise.withResolvers<string>();
      held.resolve(note);
      asked.resolve(note);
      this.touch(session, e);
      return ok({ note });
    }
    if (!e.held) return fail("conflict", "take control of the browser first");
    const r = await e.driver.control(control);
    return r.ok ? ok({}) : r;
  }

  private start(session: string, pid: number): Result<Entry> {
    if (this.browsers.size >= this.opts.maxBrowsers)
      return fail(
        "browser_limit",
        `this user already has ${this.opts.maxBrowsers} browsers open (runner.max_browsers); close one with octo-tool browser close`,
      );
    const log = this.opts.log.child({ session });
    const driver = DriverProcess.start(pid, this.opts.heapMb, log, (push) => this.onPush(session, push));
    if (!driver.ok) return driver;
    const entry: Entry = {
      driver: driver.value,
      ready: driver.value.whenReady(),
      idle: null,
      held: null,
      nextRelease: Promise.withResolvers<string>(),
    };
    this.browsers.set(session, entry);
    void driver.value.exited.then((code) => {
      if (this.browsers.get(session) !== entry) return;
      this.browsers.delete(session);
      if (entry.idle) clearTimeout(entry.idle);
      log.info("browser closed", { code });
      this.opts.publish({ event: "browser.state", session, state: CLOSED });
    });
    log.info("browser started", { driver: driver.value.pid, sandbox_pid: pid });
    return ok(entry);
  }

  private onPush(session: string, push: DriverPush): void {
    if (push.event === "frame")
      this.opts.publish({
        event: "browser.frame",
        session,
        data: push.data,
        width: push.width,
        height: push.height,
      });
    else this.opts.publish({ event: "browser.state", session, state: push.state });
  }

  private touch(session: string, entry: Entry): void {
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = setTimeout(() => {
      if (entry.held) return this.touch(session, entry); // the person is still at it
      this.opts.log.info("browser idle, closing", { session });
      this.closeSession(session);
    }, this.opts.idleMs);
  }

  closeSession(session: string): void {
    const entry = this.browsers.get(session);
    if (!entry) return;
    this.browsers.delete(session);
    if (entry.idle) clearTimeout(entry.idle);
    entry.driver.stop();
    const gone = "The browser was closed.\n";
    entry.held?.resolve(gone);
    entry.nextRelease.resolve(gone);
    this.opts.publish({ event: "browser.state", session, state: CLOSED });
  }

  stop(): void {
    for (const session of [...this.browsers.keys()]) this.closeSession(session);
  }
}
