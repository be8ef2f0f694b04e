import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "octo-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (toml: string, env: Record<string, string> = {}) => {
  const path = join(dir, "config.toml");
  writeFileSync(path, toml);
  return loadConfig({ path, env: { HOME: dir, ...env } });
};

test("[llm.limits]: 0 (none) by default, set in the file, overridden by OCTO_LLM_LIMITS_*", () => {
  const none = load("");
  expect(none.ok && none.value.llm.limits).toEqual({ user_monthly_usd: 0, session_usd: 0, user_rpm: 0 });
  const set = load("[llm.limits]\nsession_usd = 2\n", {
    OCTO_LLM_LIMITS_USER_MONTHLY_USD: "12.5",
    OCTO_LLM_LIMITS_USER_RPM: "7",
  });
  expect(set.ok && set.value.llm.limits).toEqual({ user_monthly_usd: 12.5, session_usd: 2, user_rpm: 7 });
});

test("a negative limit, a fractional rpm or an unknown key is refused, naming the key", () => {
  for (const [toml, key] of [
    ["[llm.limits]\nsession_usd = -2\n", "session_usd"],
    ["[llm.limits]\nuser_rpm = 1.5\n", "user_rpm"],
    ["[llm.limits]\nmonthly = 5\n", "monthly"],
  ] as const) {
    const r = load(toml);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(key);
  }
});
