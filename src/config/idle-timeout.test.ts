import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "octo-idle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (toml: string) => {
  const path = join(dir, "config.toml");
  writeFileSync(path, toml);
  return loadConfig({ path, env: { HOME: dir } });
};

test("runner.idle_timeout: 5 minutes by default, a duration when set", () => {
  const none = load("");
  expect(none.ok && none.value.runner.idle_timeout).toBe("5m");
  const set = load('[runner]\nidle_timeout = "90s"\n');
  expect(set.ok && set.value.runner.idle_timeout).toBe("90s");
});

test("a bad runner.idle_timeout is refused with an error naming the key", () => {
  for (const bad of ['"5 minutes"', '"5"', "300", '"-5m"', '""']) {
    const r = load(`[runner]\nidle_timeout = ${bad}\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("validation_failed");
      expect(r.error.message).toContain("idle_timeout");
    }
  }
});
