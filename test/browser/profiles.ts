import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A sandbox profile of the test's own, derived from `profiles/strict.toml`, offered to servers
 * started after this (the server lists `$OCTO_PROFILES_DIR` and hands it to its runner).
 *
 * Its process limit is raised: where the runner has no delegated pids cgroup (decision 0032),
 * `limits.processes` is RLIMIT_NPROC, which counts every thread of the account machine-wide, and
 * parallel test runs share the agent account (`octo-agent`), so strict's 256 is reached by other
 * runs' agents and Chromiums and a pi here fails to start a thread (exit 134).
 */
export function strictTestProfile(name: string, network?: string): { name: string; restore(): void } {
  const dir = mkdtempSync(join(tmpdir(), "octo-test-profiles-"));
  chmodSync(dir, 0o755); // the runner may run as the agent account
  let text = readFileSync(join(import.meta.dir, "../../profiles/strict.toml"), "utf8")
    .replace(/^description = .*$/m, `description = "test: ${name}"`)
    .replace(/^processes = \d+$/m, "processes = 8192");
  if (network) text = text.replace(/\[network\][\s\S]*?\n(?=\[env\])/, `${network}\n`);
  writeFileSync(join(dir, `${name}.toml`), text, { mode: 0o644 });
  const saved = process.env.OCTO_PROFILES_DIR;
  process.env.OCTO_PROFILES_DIR = dir;
  return {
    name,
    restore() {
      if (saved === undefined) delete process.env.OCTO_PROFILES_DIR;
      else process.env.OCTO_PROFILES_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
