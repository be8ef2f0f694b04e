import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, ensureBuilt, ROOT } from "../build/built.ts";
import { run, snapshot } from "./sh.ts";

/** install.sh from this checkout into a temporary prefix: install, re-run (no change), repair. */

const INSTALL_SH = join(ROOT, "install.sh");
const PI_CLI = "lib/octo/pi/node_modules/@mariozechner/pi-coding-agent/dist/cli.js";
let tmp: string;
let prefix: string;

beforeAll(async () => {
  await ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "octo-install-"));
  prefix = join(tmp, "prefix");
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 120_000);

const SLOW = 120_000;

const install = (...args: string[]) => run(["sh", INSTALL_SH, "--prefix", prefix, ...args], { cwd: tmp });

describe("install.sh from a checkout", () => {
  test(
    "installs the built binaries, octoctl and pi into the prefix and says what is next",
    async () => {
      const r = await install();
      // stderr may carry the build's own chatter (vite timings); install.sh's errors start like this:
      expect(r.stderr).not.toContain("install.sh: error");
      expect(r.code).toBe(0);
      expect(readFileSync(join(prefix, "bin", "octo")).equals(readFileSync(bin("octo")))).toBe(true);
      expect(lstatSync(join(prefix, "bin", "octo")).mode & 0o777).toBe(0o755);
      expect(r.stdout).toContain(`installed ${join(prefix, "bin", "octo")}`);
      // One binary; the other programs are names for it (decision 0013).
      for (const name of ["octoctl", "octo-runner", "octo-sandbox"]) {
        expect(readlinkSync(join(prefix, "bin", name))).toBe("octo");
        expect(r.stdout).toContain(`linked ${join(prefix, "bin", name)} -> octo`);
      }
      expect(readFileSync(join(prefix, "share/doc/octo/README.md"), "utf8")).toBe(
        readFileSync(join(ROOT, "README.md"), "utf8"),
      );
      expect(existsSync(join(prefix, PI_CLI))).toBe(true);
      expect(r.stdout).toContain(`Next: ${join(prefix, "bin", "octo")} serve`);
      expect(r.stdout).toContain("is not on your PATH");

      const pkg = await Bun.file(join(ROOT, "package.json")).json();
      const version = await run([join(prefix, "bin", "octo"), "version"]);
      expect(version.stdout.trim()).toBe(pkg.version);
    },
    SLOW,
  );

  test(
    "the installed octo-runner runs the shipped pi (BUN_BE_BUN)",
    async () => {
      const pi = await run([join(prefix, "bin", "octo-runner"), join(prefix, PI_CLI), "--version"], {
        env: { BUN_BE_BUN: "1" },
        cwd: tmp,
      });
      const shipped = await Bun.file(
        join(ROOT, "node_modules/@mariozechner/pi-coding-agent/package.json"),
      ).json();
      expect(pi.code).toBe(0);
      expect(pi.stdout.trim()).toBe(shipped.version);
    },
    SLOW,
  );

  test(
    "a second run is idempotent: it rewrites nothing and says so",
    async () => {
      const before = snapshot(prefix);
      const started = performance.now();
      const r = await install();
      const seconds = (performance.now() - started) / 1000;
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("already up to date");
      expect(r.stdout).toContain("nothing to do");
      expect(r.stdout).not.toContain("installed /");
      expect(snapshot(prefix)).toEqual(before);
      console.log(`second install.sh run: ${seconds.toFixed(1)} s`);
    },
    SLOW,
  );

  test(
    "a damaged file is repaired, and only that file",
    async () => {
      writeFileSync(join(prefix, "bin", "octo"), "not a binary");
      const r = await install();
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`installed ${join(prefix, "bin", "octo")}`);
      expect(r.stdout.match(/install\.sh: (installed|linked) /g)?.length).toBe(1);
      expect(readFileSync(join(prefix, "bin", "octo")).equals(readFileSync(bin("octo")))).toBe(true);
    },
    SLOW,
  );

  test(
    "a program name that is a file (an older three-binary install) becomes the link again",
    async () => {
      rmSync(join(prefix, "bin", "octo-sandbox"));
      writeFileSync(join(prefix, "bin", "octo-sandbox"), "an old octo-sandbox");
      const r = await install();
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`linked ${join(prefix, "bin", "octo-sandbox")} -> octo`);
      expect(r.stdout.match(/install\.sh: (installed|linked) /g)?.length).toBe(1);
      expect(readlinkSync(join(prefix, "bin", "octo-sandbox"))).toBe("octo");
    },
    SLOW,
  );

  test(
    "a changed pi manifest reinstalls lib/octo/pi",
    async () => {
      writeFileSync(join(prefix, "lib/octo/pi/.octo-manifest"), "stale\n");
      const r = await install();
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`installed ${join(prefix, "lib/octo/pi")}`);
      expect(existsSync(join(prefix, PI_CLI))).toBe(true);
    },
    SLOW,
  );
});

describe("install.sh refuses bad input", () => {
  test("an unknown option exits 2 and names it", async () => {
    const r = await install("--frobnicate");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option --frobnicate");
  });

  test("an option missing its value is an error", async () => {
    const r = await run(["sh", INSTALL_SH, "--prefix"], { cwd: tmp });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--prefix needs a directory");
  });

  test("--deps-only with --from is refused", async () => {
    const r = await install("--deps-only", "--from", "http://127.0.0.1:9/x.tar.gz");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--deps-only works from a checkout");
  });

  test("outside a checkout without --from it explains what to pass", async () => {
    const lone = join(tmp, "lone");
    rmSync(lone, { recursive: true, force: true });
    mkdirSync(lone);
    copyFileSync(INSTALL_SH, join(lone, "install.sh"));
    const r = await run(["sh", join(lone, "install.sh"), "--prefix", join(tmp, "p-lone")], { cwd: lone });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("pass --from URL");
    expect(existsSync(join(tmp, "p-lone"))).toBe(false);
  });

  test("--help prints usage and exits 0", async () => {
    const r = await install("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("usage: install.sh");
  });
});
