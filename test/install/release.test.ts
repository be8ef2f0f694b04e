import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { ensureRelease, type Release, ROOT } from "../build/built.ts";
import { run } from "./sh.ts";

/**
 * The curl path: `curl -fsSL URL/install.sh | sh -s -- --from URL/….tar.gz`, against a release tarball
 * served from 127.0.0.1 by this test — the real one, a tampered one, and one without a checksum.
 */

let tmp: string;
let release: Release;
let server: Server<undefined>;
let base: string;

beforeAll(async () => {
  release = await ensureRelease();
  tmp = mkdtempSync(join(tmpdir(), "octo-release-"));
  const real = Bun.file(release.tarball);
  const tampered = new Uint8Array(await real.arrayBuffer());
  const last = tampered.length - 1;
  tampered[last] = (tampered[last] ?? 0) ^ 0xff;
  const routes: Record<string, () => Response> = {
    "/install.sh": () => new Response(Bun.file(join(ROOT, "install.sh"))),
    "/octo.tar.gz": () => new Response(real),
    "/octo.tar.gz.sha256": () => new Response(Bun.file(release.checksum)),
    "/tampered.tar.gz": () => new Response(tampered),
    "/tampered.tar.gz.sha256": () => new Response(Bun.file(release.checksum)),
    "/nosum.tar.gz": () => new Response(real),
  };
  const old = await threeFileRelease(tmp);
  routes["/old.tar.gz"] = () => new Response(Bun.file(old.tarball));
  routes["/old.tar.gz.sha256"] = () => new Response(`${old.sha256}  old.tar.gz\n`);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => routes[new URL(req.url).pathname]?.() ?? new Response("no", { status: 404 }),
  });
  base = `http://127.0.0.1:${server.port}`;
}, 600_000);

afterAll(() => {
  server?.stop(true);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 120_000);

/**
 * A tiny stand-in for a release made before decision 0013: octo, octo-runner and octo-sandbox as
 * three files (scripts here; install.sh only copies them and asks `octo version`).
 */
async function threeFileRelease(dir: string): Promise<{ tarball: string; sha256: string }> {
  const top = join(dir, "old-layout", "octo-0.0.9-linux-x64");
  mkdirSync(join(top, "bin"), { recursive: true });
  mkdirSync(join(top, "lib/octo/pi"), { recursive: true });
  for (const name of ["octo", "octo-runner", "octo-sandbox"])
    writeFileSync(join(top, "bin", name), `#!/bin/sh\necho 0.0.9 ${name}\n`, { mode: 0o755 });
  symlinkSync("octo", join(top, "bin", "octoctl"));
  writeFileSync(join(top, "lib/octo/pi/.octo-manifest"), "old\n");
  const tarball = join(dir, "old.tar.gz");
  const packed = await run(["tar", "-czf", tarball, "-C", join(dir, "old-layout"), "octo-0.0.9-linux-x64"]);
  if (packed.code !== 0) throw new Error(packed.stderr);
  const sha256 = new Bun.CryptoHasher("sha256").update(readFileSync(tarball)).digest("hex");
  return { tarball, sha256 };
}

/** What a user on a machine without the checkout types: the script comes from the network too. */
const curlPipe = (prefix: string, shArgs: string, env: Record<string, string> = {}) =>
  run(["sh", "-c", `curl -fsSL ${base}/install.sh | sh -s -- --prefix ${prefix} ${shArgs}`], {
    cwd: tmp,
    env,
  });

describe("the release tarball", () => {
  test("one binary with three more names, the README, and only this platform's native builds", async () => {
    const listing = await run(["tar", "-tvzf", release.tarball]);
    expect(listing.code).toBe(0);
    const lines = listing.stdout.split("\n");
    const top = `octo-${(await Bun.file(join(ROOT, "package.json")).json()).version}-linux-${process.arch}`;
    expect(lines.filter((l) => /^-/.test(l) && l.includes(`${top}/bin/`))).toHaveLength(1);
    for (const name of ["octoctl", "octo-runner", "octo-sandbox"])
      expect(lines.some((l) => l.startsWith("l") && l.endsWith(`${top}/bin/${name} -> octo`))).toBe(true);
    expect(lines.some((l) => l.endsWith(`${top}/share/doc/octo/README.md`))).toBe(true);
    const koffi = new Set(lines.flatMap((l) => /koffi\/build\/koffi\/([^/]+)\//.exec(l)?.slice(1) ?? []));
    expect([...koffi]).toEqual([`${process.platform}_${process.arch}`]);
  }, 120_000);
});

describe("install.sh --from a release tarball", () => {
  test("curl | sh installs a verified release", async () => {
    const prefix = join(tmp, "p1");
    const r = await curlPipe(prefix, `--from ${base}/octo.tar.gz`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const sum = readFileSync(release.checksum, "utf8").split(" ")[0];
    expect(r.stdout).toContain(`verified sha256 ${sum}`);
    for (const name of ["octoctl", "octo-runner", "octo-sandbox"])
      expect(readlinkSync(join(prefix, "bin", name))).toBe("octo");
    expect(existsSync(join(prefix, "share/doc/octo/README.md"))).toBe(true);
    const pkg = await Bun.file(join(ROOT, "package.json")).json();
    expect((await run([join(prefix, "bin", "octo"), "version"])).stdout.trim()).toBe(pkg.version);
    expect(
      existsSync(join(prefix, "lib/octo/pi/node_modules/@mariozechner/pi-coding-agent/dist/cli.js")),
    ).toBe(true);
    expect(r.stdout).toContain("Next:");
  }, 120_000);

  test("OCTO_RELEASE_URL works like --from; a second run changes nothing", async () => {
    const prefix = join(tmp, "p1");
    const r = await curlPipe(prefix, "", { OCTO_RELEASE_URL: `${base}/octo.tar.gz` });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("already up to date");
    expect(r.stdout).not.toContain("installed /");
  }, 120_000);

  test.skipIf(process.getuid?.() !== 0)(
    "as an ordinary user it installs into ~/.local and says how to get it on PATH",
    async () => {
      const home = join(tmp, "nobody-home");
      chmodSync(tmp, 0o755); // mkdtemp made it 0700: let the user reach its home inside
      mkdirSync(home);
      chownSync(home, 65534, 65534);
      const r = await run(
        [
          "setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "sh",
          "-c",
          `curl -fsSL ${base}/install.sh | sh -s -- --from ${base}/octo.tar.gz`,
        ],
        { cwd: home, env: { HOME: home, PATH: "/usr/bin:/bin" } },
      );
      expect(r.code).toBe(0);
      expect(existsSync(join(home, ".local/bin/octo"))).toBe(true);
      expect(readlinkSync(join(home, ".local/bin/octoctl"))).toBe("octo");
      expect(statSync(join(home, ".local/bin/octo")).uid).toBe(65534);
      expect(r.stdout).toContain(`${home}/.local/bin is not on your PATH`);
    },
    120_000,
  );

  test("a release from before the one-binary layout installs its three files as they were", async () => {
    const prefix = join(tmp, "p-old");
    const r = await curlPipe(prefix, `--from ${base}/old.tar.gz`);
    expect(r.code).toBe(0);
    for (const name of ["octo", "octo-runner", "octo-sandbox"]) {
      expect(lstatSync(join(prefix, "bin", name)).isFile()).toBe(true);
      expect((await run([join(prefix, "bin", name)])).stdout.trim()).toBe(`0.0.9 ${name}`);
    }
    expect(readlinkSync(join(prefix, "bin", "octoctl"))).toBe("octo");
  }, 120_000);

  test("a tampered tarball is refused and nothing is installed", async () => {
    const prefix = join(tmp, "p3");
    const r = await curlPipe(prefix, `--from ${base}/tampered.tar.gz`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("checksum mismatch");
    expect(r.stderr).toContain("refusing to install");
    expect(existsSync(prefix)).toBe(false);
  }, 120_000);

  test("a tarball without a checksum file is refused", async () => {
    const prefix = join(tmp, "p4");
    const r = await curlPipe(prefix, `--from ${base}/nosum.tar.gz`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("refusing to install unverified");
    expect(existsSync(prefix)).toBe(false);
  }, 120_000);

  test("a wrong --sha256 is refused", async () => {
    const wrong = await curlPipe(join(tmp, "p5"), `--from ${base}/octo.tar.gz --sha256 ${"0".repeat(64)}`);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("checksum mismatch");
    expect(existsSync(join(tmp, "p5"))).toBe(false);
  }, 120_000);

  test("an unreachable URL fails clearly", async () => {
    const r = await curlPipe(join(tmp, "p6"), `--from ${base}/missing.tar.gz`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot download ${base}/missing.tar.gz`);
  }, 120_000);
});
