import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/shared/log.ts";
import { BrowserService } from "./service.ts";

const S = "ses_test00000000000000000000000";
const project = mkdtempSync(join(tmpdir(), "octo-browser-svc-"));
mkdirSync(join(project, ".octo"));

function service(maxBrowsers: number, sandbox: boolean) {
  const published: unknown[] = [];
  const svc = new BrowserService({
    locate: () => (sandbox ? { pid: process.pid, project } : null),
    maxBrowsers,
    idleMs: 60_000,
    heapMb: 256,
    publish: (e) => published.push(e),
    log: createLogger({ format: "text", level: "error" }),
  });
  return { svc, published };
}

test("checks before any browser starts: verb, arguments, sandbox, eval setting, the per-user cap", async () => {
  const { svc } = service(0, true);
  expect(await svc.handle(S, "fly", {})).toMatchObject({ ok: false, error: { code: "unknown_command" } });
  expect(await svc.handle(S, "click", { ref: "button" })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(await service(1, false).svc.handle(S, "open", { url: "http://x/" })).toMatchObject({
    ok: false,
    error: { code: "not_found" },
  });
  expect(await svc.handle(S, "eval", { js: "1" })).toMatchObject({ ok: false, error: { code: "forbidden" } });
  writeFileSync(join(project, ".octo", "project.toml"), "[browser]\nallow_eval = 1\n");
  expect(await svc.handle(S, "eval", { js: "1" })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(await svc.handle(S, "open", { url: "http://x/" })).toMatchObject({
    ok: false,
    error: { code: "browser_limit" },
  });
  expect(svc.openCount).toBe(0);
});

test("lock and close answer without starting a browser; control needs one", async () => {
  const { svc } = service(1, true);
  expect(await svc.handle(S, "lock", {})).toEqual({ ok: true, value: { text: "free\n" } });
  expect(await svc.handle(S, "close", {})).toEqual({ ok: true, value: { text: "no browser was open\n" } });
  expect(await svc.control(S, { type: "take" })).toMatchObject({ ok: false, error: { code: "not_found" } });
  expect(await svc.control(S, { type: "grab" })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(svc.openCount).toBe(0);
});
