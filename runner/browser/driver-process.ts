import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import * as v from "valibot";
import {
  type BrowserControl,
  type BrowserResult,
  type BrowserVerb,
  DriverLineSchema,
  type DriverPush,
  DriverPushSchema,
} from "../../src/protocol/browser.ts";
import { ERROR_STATUS, type ErrorCode, fail, ok, type Result } from "../../src/protocol/errors.ts";
import { encodeLine, LineDecoder } from "../../src/shared/lines.ts";
import type { Logger } from "../../src/shared/log.ts";
import { isCompiled, sourceRoot } from "../../src/shared/paths.ts";

const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** Chromium's start inside the sandbox, with margin for a loaded machine. */
const READY_TIMEOUT_MS = 45_000;

/** How the driver is started: the bundle beside the binaries, or the checkout's entry with Bun. */
export function driverCommand(env: Record<string, string | undefined> = process.env): {
  argv: string[];
  env: Record<string, string>;
} {
  const bundle =
    env.OCTO_BROWSER_DRIVER ??
    (isCompiled() ? resolve(dirname(process.execPath), "../lib/octo/browser/driver.js") : undefined);
  if (bundle && existsSync(bundle)) return { argv: [process.execPath, bundle], env: { BUN_BE_BUN: "1" } };
  return { argv: [process.execPath, join(sourceRoot(), "runner/browser/driver/entry.ts")], env: {} };
}

const isCode = (c: string): c is ErrorCode => c in ERROR_STATUS;

/**
 * One running driver (and its Chromium). Commands are answered in order; a driver that dies fails
 * every waiting command.
 */
export class DriverProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: Result<BrowserResult>) => void>();
  private readonly ready = Promise.withResolvers<Result<void>>();
  readonly exited: Promise<number>;

  private constructor(
    private readonly proc: Bun.Subprocess<"pipe", "pipe", "pipe">,
    log: Logger,
    private readonly onPush: (push: DriverPush) => void,
  ) {
    const decoder = new LineDecoder(
      MAX_ANSWER_BYTES,
      (line) => this.onLine(line),
      () => {},
    );
    void (async () => {
      for await (const chunk of proc.stdout) decoder.push(chunk);
    })();
    void (async () => {
      const text = new TextDecoder();
      for await (const chunk of proc.stderr) {
        const msg = text.decode(chunk).trim();
        if (msg) log.debug("browser driver", { stderr: msg.slice(0, 2000) });
      }
    })();
    this.exited = proc.exited.then((code) => {
      this.ready.resolve(fail("browser_failed", `the browser driver exited (${code}) before it was ready`));
      for (const done of this.waiting.values()) done(fail("browser_failed", "the browser closed"));
      this.waiting.clear();
      return code;
    });
  }

  static start(
    sandboxPid: number,
    heapMb: number,
    log: Logger,
    onPush: (push: DriverPush) => void,
  ): Result<DriverProcess> {
    const cmd = driverCommand();
    const env: Record<string, string> = {};
    for (const [k, val] of Object.entries(process.env))
      if (val !== undefined && !k.startsWith("BUN_JSC_") && k !== "BUN_BE_BUN") env[k] = val;
    try {
      const proc = Bun.spawn(
        [...cmd.argv, "--sandbox-pid", String(sandboxPid), "--heap-mb", String(heapMb)],
        {
          env: { ...env, ...cmd.env },
          stdin: "pipe",
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      return ok(new DriverProcess(proc, log, onPush));
    } catch (e) {
      return fail("browser_failed", `cannot start the browser driver: ${(e as Error).message}`);
    }
  }

  get pid(): number {
    return this.proc.pid;
  }

  async whenReady(): Promise<Result<void>> {
    const timer = setTimeout(
      () =>
        this.ready.resolve(
          fail("browser_failed", `Chromium did not start within ${READY_TIMEOUT_MS / 1000} s`),
        ),
      READY_TIMEOUT_MS,
    );
    const r = await this.ready.promise;
    clearTimeout(timer);
    return r;
  }

  send(verb: BrowserVerb, args: Record<string, unknown>): Promise<Result<BrowserResult>> {
    return this.line((id) => ({ id, verb, args }));
  }

  control(control: BrowserControl): Promise<Result<BrowserResult>> {
    return this.line((id) => ({ id, control }));
  }

  private line(make: (id: number) => unknown): Promise<Result<BrowserResult>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      try {
        this.proc.stdin.write(encodeLine(make(id)));
        this.proc.stdin.flush();
      } catch {
        this.waiting.delete(id);
        resolve(fail("browser_failed", "the browser closed"));
      }
    });
  }

  stop(): void {
    try {
      this.proc.stdin.end();
    } catch {
      // already closed
    }
    // A driver that does not close its browser in time is ended; Chromium dies with its pipe.
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5_000);
    void this.exited.then(() => clearTimeout(timer));
  }

  private onLine(line: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof raw === "object" && raw !== null && "event" in raw) {
      const push = v.safeParse(DriverPushSchema, raw);
      if (push.success) this.onPush(push.output);
      return;
    }
    const parsed = v.safeParse(DriverLineSchema, raw);
    if (!parsed.success) return;
    const msg = parsed.output;
    const result: Result<BrowserResult> = msg.ok
      ? ok(msg.data)
      : fail(isCode(msg.error.code) ? msg.error.code : "browser_failed", msg.error.message);
    if (msg.id === 0) {
      this.ready.resolve(result.ok ? ok(undefined) : result);
      return;
    }
    const done = this.waiting.get(msg.id);
    this.waiting.delete(msg.id);
    done?.(result);
  }
}
