import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, modeOf } from "../../src/config/index.ts";
import { bin, DIST, ensureBuilt } from "../build/built.ts";
import { run } from "./sh.ts";

/**
 * `octo install --dry-run --output DIR` with the compiled binary: every unit passes
 * `systemd-analyze verify` with nothing on stderr; then, as root on a machine without an octo
 * install, the real install → re-install → uninstall → uninstall --purge cycle.
 */

let out: string;
let dry: Awaited<ReturnType<typeof run>>;
const UNIT_DIR = "etc/systemd/system";

beforeAll(async () => {
  await ensureBuilt();
  out = mkdtempSync(join(tmpdir(), "octo-units-"));
  dry = await run([bin("octo"), "install", "--dry-run", "--output", out]);
}, 300_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

/** verify needs an instance name for a template: check it through octo-runner@alice.service. */
function unitPaths(dir: string): string[] {
  const units = readdirSync(join(dir, UNIT_DIR)).filter((n) => n.endsWith(".service"));
  const instances = join(dir, "instances");
  mkdirSync(instances, { recursive: true });
  return units.map((name) => {
    if (!name.endsWith("@.service")) return join(dir, UNIT_DIR, name);
    const instance = join(instances, name.replace("@.service", "@alice.service"));
    if (!existsSync(instance)) symlinkSync(join(dir, UNIT_DIR, name), instance);
    return instance;
  });
}

const verify = (unit: string) => run(["systemd-analyze", "verify", unit]);

describe("octo install --dry-run --output DIR", () => {
  test("writes the units, tmpfiles.d and config under DIR and says what it would do", () => {
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe("");
    for (const f of [
      `${UNIT_DIR}/octo.service`,
      `${UNIT_DIR}/octo-llm-gateway.service`,
      `${UNIT_DIR}/octo-runner@.service`,
      `${UNIT_DIR}/octo-runner-system.service`,
      "usr/lib/tmpfiles.d/octo.conf",
      "etc/octo/config.toml",
    ]) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    expect(dry.stdout).toContain("would create system user octo");
  });

  test("every unit passes systemd-analyze verify with nothing on stderr", async () => {
    const units = unitPaths(out);
    expect(units.length).toBe(4);
    for (const unit of units) {
      const r = await verify(unit);
      expect({ unit, stderr: r.stderr, code: r.code }).toEqual({ unit, stderr: "", code: 0 });
    }
  });

  test("the verify check itself catches a bad key and a missing binary", async () => {
    const bad = join(out, "bad");
    mkdirSync(bad);
    const text = await Bun.file(join(out, UNIT_DIR, "octo.service")).text();
    writeFileSync(
      join(bad, "typo.service"),
      text.replace("ProtectHome=yes", "ProtectHome=yes\nProtectHomme=yes"),
    );
    writeFileSync(join(bad, "nobin.service"), text.replace(join(DIST, "bin", "octo"), "/nonexistent/octo"));
    expect((await verify(join(bad, "typo.service"))).stderr).toContain("Unknown key 'ProtectHomme'");
    expect((await verify(join(bad, "nobin.service"))).stderr).toContain("/nonexistent/octo");
  });

  test("ExecStart points at the binaries beside the octo that generated them", async () => {
    const text = await Bun.file(join(out, UNIT_DIR, "octo.service")).text();
    expect(text).toContain(`ExecStart=${join(DIST, "bin", "octo")} serve --log-format json`);
    expect(text).toContain("User=octo");
    const template = await Bun.file(join(out, UNIT_DIR, "octo-runner@.service")).text();
    expect(template).toContain("User=octo_%i");
    expect(template).toContain(`ExecStart=${join(DIST, "bin", "octo-runner")} --user %i`);
  });

  test("the server unit is hardened (exposure reported by systemd-analyze security)", async () => {
    const scores: Record<string, number> = {};
    for (const unit of unitPaths(out)) {
      const r = await run(["systemd-analyze", "security", "--offline=true", unit]);
      const m = /Overall exposure level for (\S+): ([\d.]+)/.exec(r.stdout);
      expect(m).not.toBeNull();
      scores[m?.[1] ?? unit] = Number(m?.[2]);
    }
    console.log("systemd-analyze security --offline=true:", JSON.stringify(scores));
    // "OK" is below 5 on systemd's scale; the HTTP-facing server must stay well inside it.
    expect(scores["octo.service"]).toBeLessThan(2.5);
    for (const score of Object.values(scores)) expect(score).toBeLessThan(5);
  });

  test("tmpfiles.d parses cleanly", async () => {
    const r = await run([
      "systemd-tmpfiles",
      "--create",
      "--prefix=/nonexistent-octo-check",
      join(out, "usr/lib/tmpfiles.d/octo.conf"),
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("the system config is valid and multi-user", () => {
    const loaded = loadConfig({ path: join(out, "etc/octo/config.toml"), env: {} });
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(modeOf(loaded.value)).toBe("multi-user");
    expect(loaded.value.local.linux_users.prefix).toBe("octo_");
  });

  test("bad arguments are refused", async () => {
    const badUser = await run([bin("octo"), "install", "--dry-run", "--user", "Root;rm"]);
    expect(badUser.code).toBe(2);
    expect(badUser.stderr).toContain("--user must be a Linux user name");
    const noDry = await run([bin("octo"), "install", "--output", out]);
    expect(noDry.code).toBe(2);
    expect(noDry.stderr).toContain("--output goes with --dry-run");
    const relative = await run([bin("octo"), "install", "--dry-run", "--bin-dir", "bin"]);
    expect(relative.code).toBe(2);
  });
});

const isRoot = process.getuid?.() === 0;
const alreadyInstalled = existsSync("/etc/systemd/system/octo.service") || existsSync("/etc/octo");
const TEST_USER = "octo-itest";

describe.skipIf(!isRoot || alreadyInstalled)("octo install on this machine (root, no prior install)", () => {
  const octo = (...args: string[]) => run([bin("octo"), ...args]);

  afterAll(async () => {
    await octo("uninstall", "--purge", "--user", TEST_USER);
  });

  test("install creates the user, the dirs and the units", async () => {
    const r = await octo("install", "--user", TEST_USER);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`+ created system user ${TEST_USER}`);
    expect((await run(["getent", "passwd", TEST_USER])).code).toBe(0);
    expect(statSync("/etc/octo").mode & 0o777).toBe(0o750);
    expect(statSync("/var/lib/octo").mode & 0o777).toBe(0o700);
    expect(statSync("/run/octo").mode & 0o777).toBe(0o711);
    expect(statSync("/etc/octo/config.toml").mode & 0o777).toBe(0o640);
    for (const unit of ["octo.service", "octo-runner@.service", "octo-runner-system.service"]) {
      expect(existsSync(join("/etc/systemd/system", unit))).toBe(true);
    }
    expect(existsSync("/usr/lib/tmpfiles.d/octo.conf")).toBe(true);
  });

  test("a second install changes nothing", async () => {
    const r = await octo("install", "--user", TEST_USER);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^\+ /m);
    expect(r.stdout).toContain("everything was already in place");
  });

  test("uninstall removes the units and keeps the data and the user", async () => {
    writeFileSync("/var/lib/octo/keep-me", "data");
    const r = await octo("uninstall", "--user", TEST_USER);
    expect(r.code).toBe(0);
    expect(existsSync("/etc/systemd/system/octo.service")).toBe(false);
    expect(existsSync("/usr/lib/tmpfiles.d/octo.conf")).toBe(false);
    expect(existsSync("/var/lib/octo/keep-me")).toBe(true);
    expect(existsSync("/etc/octo/config.toml")).toBe(true);
    expect((await run(["getent", "passwd", TEST_USER])).code).toBe(0);
  });

  test("uninstall --purge removes data, config and the system user", async () => {
    const r = await octo("uninstall", "--purge", "--user", TEST_USER);
    expect(r.code).toBe(0);
    expect(existsSync("/var/lib/octo")).toBe(false);
    expect(existsSync("/etc/octo")).toBe(false);
    expect((await run(["getent", "passwd", TEST_USER])).code).not.toBe(0);
  });
});
