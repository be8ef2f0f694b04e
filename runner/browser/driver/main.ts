import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "rebrowser-playwright";
import * as v from "valibot";
import {
  BrowserArgsSchemas,
  type DriverCommand,
  DriverCommandSchema,
} from "../../../src/protocol/browser.ts";
import { describeIssues } from "../../../src/protocol/decode.ts";
import { encodeLine, LineDecoder } from "../../../src/shared/lines.ts";
import { buildSeccompFilter } from "../../sandbox/seccomp.ts";
import {
  chromiumBinary,
  chromiumFlags,
  copiedLimits,
  joinScript,
  sandboxCgroup,
  sandboxProxy,
} from "../join.ts";
import { ActionError, BrowserSession } from "./session.ts";

/**
 * The browser driver: one per session that asked for a browser, started by the runner as the user,
 * outside the sandbox. It starts Chromium inside the session's sandbox (`join.ts`) with Playwright
 * holding the CDP pipe (fds 3 and 4), and answers the runner's commands on stdin/stdout.
 *   driver --sandbox-pid PID [--heap-mb N]
 */

const MAX_COMMAND_BYTES = 256 * 1024;

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const write = (line: unknown) => process.stdout.write(encodeLine(line));
const firstLine = (e: unknown) =>
  ((e instanceof ActionError ? e.message : (e as Error).message).split("\n")[0] ?? "failed").slice(0, 2000);

export async function runDriver(argv: string[]): Promise<number> {
  const pid = Number(flag(argv, "--sandbox-pid"));
  if (!Number.isInteger(pid) || pid < 2) {
    process.stderr.write("browser driver: --sandbox-pid PID is required\n");
    return 2;
  }
  const heapMb = Number(flag(argv, "--heap-mb") ?? 512);
  const seccomp = buildSeccompFilter();
  if (!seccomp) {
    process.stderr.write(`browser driver: no seccomp filter for ${process.arch}\n`);
    return 2;
  }
  const dir = mkdtempSync(join(process.env.XDG_RUNTIME_DIR || tmpdir(), "octo-browser-"));
  const launcher = join(dir, "chromium-in-sandbox");
  writeFileSync(
    launcher,
    joinScript(
      pid,
      chromiumBinary(),
      copiedLimits(readFileSync(`/proc/${pid}/limits`, "utf8")),
      Buffer.from(seccomp).toString("hex"),
      sandboxCgroup(pid),
    ),
    { mode: 0o700 },
  );
  let session: BrowserSession;
  try {
    const browser = await chromium.launch({
      executablePath: launcher,
      args: chromiumFlags({ proxy: sandboxProxy(pid), heapMb }),
      timeout: 30_000,
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    session = new BrowserSession(browser, context, write);
    await session.follow();
  } catch (e) {
    write({
      id: 0,
      ok: false,
      error: { code: "browser_failed", message: `Chromium did not start: ${(e as Error).message}` },
    });
    rmSync(dir, { recursive: true, force: true });
    return 1;
  }
  write({ id: 0, ok: true, data: { text: "ready" } });

  let chain = Promise.resolve();
  const finished = Promise.withResolvers<void>();
  const handle = async (cmd: DriverCommand) => {
    if ("control" in cmd) {
      // The person's input is never queued behind the agent's (the runner holds those while they drive).
      try {
        write({ id: cmd.id, ok: true, data: await session.control(cmd.control) });
      } catch (e) {
        write({ id: cmd.id, ok: false, error: { code: "browser_failed", message: firstLine(e) } });
      }
      return;
    }
    const schema = BrowserArgsSchemas[cmd.verb];
    const args = v.safeParse(schema, cmd.args);
    if (!args.success)
      return write({
        id: cmd.id,
        ok: false,
        error: { code: "validation_failed", message: describeIssues(args.issues) },
      });
    try {
      const data = await session.act(cmd.verb, args.output as Record<string, unknown>);
      write({ id: cmd.id, ok: true, data });
      if (cmd.verb === "close") finished.resolve();
    } catch (e) {
      write({ id: cmd.id, ok: false, error: { code: "browser_failed", message: firstLine(e) } });
    }
  };
  const decoder = new LineDecoder(
    MAX_COMMAND_BYTES,
    (line) => {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        return;
      }
      const cmd = v.safeParse(DriverCommandSchema, raw);
      if (!cmd.success) return;
      // One action at a time, in order: the model's commands build on each other.
      const command = cmd.output;
      if ("control" in command) void handle(command);
      // One action at a time, in order: the model's commands build on each other.
      else
        chain = chain.then(async () => {
          await handle(command);
        });
    },
    () => {},
  );
  session.browser.on("disconnected", () => finished.resolve());
  (async () => {
    for await (const chunk of process.stdin) decoder.push(chunk as Uint8Array);
    finished.resolve(); // the runner closed our stdin: we are done
  })();
  // Playwright starts Chromium with --remote-debugging-pipe: CDP runs over fds 3 and 4, no port.
  await finished.promise;
  await chain.catch(() => {});
  await session.browser.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  return 0;
}
