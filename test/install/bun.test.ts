import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../build/built.ts";
import { run } from "./sh.ts";

/**
 * The fresh-machine path: no Bun on PATH, only node/npm. install.sh --deps-only must fetch Bun from the
 * npm registry (into a throwaway npm prefix here, so the machine's own Bun stays untouched), including
 * when npm skipped the package's postinstall.
 */

let tmp: string;
let noBunPath: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "octo-nobun-"));
  // A PATH with every system command except bun.
  noBunPath = join(tmp, "path");
  mkdirSync(noBunPath);
  for (const dir of ["/usr/local/bin", "/usr/bin", "/bin"]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name === "bun" || name === "bunx" || existsSync(join(noBunPath, name))) continue;
      symlinkSync(join(dir, name), join(noBunPath, name));
    }
  }
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function depsOnlyWithout(extraEnv: Record<string, string>, npmPrefix: string) {
  return run(["sh", join(ROOT, "install.sh"), "--deps-only", "--skip-system"], {
    cwd: tmp,
    env: { PATH: noBunPath, NPM_CONFIG_PREFIX: npmPrefix, HOME: process.env.HOME ?? "/root", ...extraEnv },
  });
}

describe("install.sh on a machine without Bun", () => {
  test("the test PATH really has no bun", async () => {
    const r = await run(["sh", "-c", "command -v bun || echo none"], { env: { PATH: noBunPath } });
    expect(r.stdout.trim()).toBe("none");
  });

  test("installs Bun from npm, then runs bun install", async () => {
    const npmPrefix = join(tmp, "npm-a");
    const r = await depsOnlyWithout({}, npmPrefix);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/installed bun \d+\.\d+\.\d+ from npm/);
    expect(r.stdout).toContain("bun install (registry");
    expect(r.stdout).toContain("Next: bun run test");
    const v = await run([join(npmPrefix, "bin", "bun"), "--version"]);
    expect(v.code).toBe(0);
  }, 180_000);

  test("when npm skipped bun's postinstall, install.sh runs its install.js itself", async () => {
    const npmPrefix = join(tmp, "npm-b");
    const r = await depsOnlyWithout({ NPM_CONFIG_IGNORE_SCRIPTS: "true" }, npmPrefix);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/installed bun \d+\.\d+\.\d+ from npm/);
    const v = await run([join(npmPrefix, "bin", "bun"), "--version"]);
    expect(v.code).toBe(0);
  }, 180_000);
});
