#!/usr/bin/env bun
/**
 * `bun run build`: UI (Vite) → one compiled executable in dist/bin (octo; octoctl, octo-runner and
 * octo-sandbox are symlinks to it) → pi's package
 * in dist/lib/octo/pi. `bun run release` (--release) also packs a tarball and its .sha256.
 *
 * A build is skipped when dist/ was made from exactly the current inputs (content hash in
 * dist/.build-stamp); `--force` rebuilds anyway.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { arch } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";

const ROOT = import.meta.dir;
const DIST = join(ROOT, "dist");
const BIN = join(DIST, "bin");
const LIB = join(DIST, "lib", "octo");
const DOC = join(DIST, "share", "doc", "octo");
const STAMP = join(DIST, ".build-stamp");
const UI_CONFIG = join(ROOT, "ui", "vite.config.ts");
const UI_DIST = join(ROOT, "ui", "dist");
/** `--asset DIR` embeds DIR under its last name: staging ui/dist as `web` gives `/$bunfs/root/web`. */
const UI_EMBED = join(DIST, "embed", "web");
const PI_PACKAGE = "@mariozechner/pi-coding-agent";

/**
 * One compiled binary; the other programs are symlinks to it, told apart by the name they were
 * started by (`src/entry.ts`). Each embedded Bun runtime is ~100 MB, so three separate binaries
 * made two thirds of a release: docs/decisions/0013-one-binary-three-names.md.
 */
const EXECUTABLE = { name: "octo", entry: "src/entry.ts", assets: [UI_EMBED] } as const;
export const ALIASES = ["octoctl", "octo-runner", "octo-sandbox"] as const;

const OUTPUTS = [
  join(BIN, EXECUTABLE.name),
  ...ALIASES.map((a) => join(BIN, a)),
  join(LIB, "pi", ".octo-manifest"),
  join(LIB, "tool", "octo-tool.js"),
  join(LIB, "browser", "driver.js"),
];

class BuildError extends Error {}

/** Everything that can change a build output; tests and docs excluded so editing them keeps dist/ fresh. */
const INPUT_DIRS = ["src", "runner", "profiles", "ui", "patches"];
const INPUT_FILES = ["package.json", "bun.lock", "bunfig.toml", "tsconfig.json", "build.ts"];
const NOT_INPUT = /(^|\/)(node_modules|dist)(\/|$)|\.test\.tsx?$|\.md$/;

export async function hashInputs(root: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(`bun ${Bun.version}\n`);
  const files = [...INPUT_FILES];
  for (const dir of INPUT_DIRS) {
    if (!existsSync(join(root, dir))) continue;
    for (const name of readdirSync(join(root, dir), { recursive: true }) as string[]) {
      const rel = join(dir, name);
      if (!NOT_INPUT.test(rel) && statSync(join(root, rel)).isFile()) files.push(rel);
    }
  }
  for (const rel of files.sort()) {
    if (!existsSync(join(root, rel))) continue;
    hasher.update(`${rel}\0`);
    hasher.update(await Bun.file(join(root, rel)).arrayBuffer());
  }
  return hasher.digest("hex");
}

/**
 * Packages that ship prebuilt native code for every platform in one folder each (koffi: 18 of them,
 * 26 MB, from win32 to openbsd). A release is for one platform: only its folder is copied.
 */
const PER_PLATFORM_DIRS: Record<string, { dir: string; keep: string }> = {
  koffi: { dir: "build/koffi", keep: `${process.platform}_${process.arch}` },
};

/** For a package (path under node_modules), true for the paths of other platforms' native builds. */
export function otherPlatformFilter(pkg: string): (rel: string) => boolean {
  const entry = PER_PLATFORM_DIRS[pkg];
  if (!entry) return () => false;
  const prefix = `${entry.dir}/`;
  return (rel) => rel.startsWith(prefix) && rel.slice(prefix.length).split("/")[0] !== entry.keep;
}

/**
 * Copy one installed package and its production dependency closure, resolved exactly as Node would
 * from this checkout's node_modules, keeping each package's path relative to node_modules so the copy
 * resolves the same versions that were tested. Type declarations and source maps are left out.
 */
export function copyPackageClosure(root: string, name: string, target: string): string[] {
  const modules = join(root, "node_modules");
  const seen = new Set<string>();
  const resolveFrom = (dir: string, dep: string): string | undefined => {
    for (let d = dir; d.startsWith(root); d = dirname(d)) {
      const candidate = join(d, "node_modules", dep);
      if (existsSync(join(candidate, "package.json"))) return candidate;
      if (d === root) break;
    }
    return undefined;
  };
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      const found = resolveFrom(dir, dep);
      if (!found)
        throw new BuildError(`${relative(root, dir)} needs ${dep}, which is not installed: run bun install`);
      visit(found);
    }
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
      const found = resolveFrom(dir, dep);
      if (found) visit(found);
    }
  };
  const start = resolveFrom(root, name);
  if (!start) throw new BuildError(`${name} is not installed: run bun install`);
  visit(start);
  for (const dir of seen) {
    const otherPlatforms = otherPlatformFilter(relative(modules, dir));
    cpSync(dir, join(target, "node_modules", relative(modules, dir)), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = relative(dir, src);
        return !/^node_modules(\/|$)/.test(rel) && !/\.(d\.[cm]?ts|map)$/.test(src) && !otherPlatforms(rel);
      },
    });
  }
  return [...seen]
    .map((dir) => {
      const { name: pkg, version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      return `${relative(modules, dir)} ${pkg}@${version}`;
    })
    .sort();
}

/** dist/release/octo-<version>-linux-<arch>.tar.gz (one top folder with bin/, lib/, share/) + .sha256. */
export async function makeRelease(
  root: string,
  dist: string,
): Promise<{ tarball: string; checksum: string; reused: boolean }> {
  const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;
  const name = `octo-${version}-linux-${arch()}`;
  const outDir = join(dist, "release");
  const tarball = join(outDir, `${name}.tar.gz`);
  const checksum = `${tarball}.sha256`;
  const stampTime = statSync(join(dist, ".build-stamp")).mtimeMs;
  if (existsSync(checksum) && existsSync(tarball) && statSync(tarball).mtimeMs >= stampTime) {
    return { tarball, checksum, reused: true };
  }
  mkdirSync(outDir, { recursive: true });
  // One top folder in the archive, renamed on the fly (`S`: symlink targets such as octoctl → octo stay).
  await run("tar", [
    "tar",
    "-czf",
    tarball,
    "--owner=0",
    "--group=0",
    `--transform=s,^,${name}/,S`,
    "-C",
    dist,
    "bin",
    "lib",
    "share",
  ]);
  const hasher = new Bun.CryptoHasher("sha256");
  const reader = Bun.file(tarball).stream();
  for await (const chunk of reader) hasher.update(chunk);
  writeFileSync(checksum, `${hasher.digest("hex")}  ${basename(tarball)}\n`);
  return { tarball, checksum, reused: false };
}

async function run(what: string, cmd: string[], cwd = ROOT): Promise<void> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "inherit", stderr: "inherit", env: process.env });
  const code = await proc.exited;
  if (code !== 0) throw new BuildError(`${what} failed (exit code ${code}); its output is above`);
}

async function buildUi(): Promise<void> {
  if (!existsSync(UI_CONFIG)) {
    throw new BuildError(
      "ui/vite.config.ts is missing: the web UI (ui/) is not in this checkout yet, so octo cannot embed it",
    );
  }
  rmSync(UI_DIST, { recursive: true, force: true });
  const vite = join(ROOT, "node_modules", "vite", "bin", "vite.js");
  await run("vite build of ui/", [process.execPath, vite, "build", "--config", UI_CONFIG], join(ROOT, "ui"));
  if (!existsSync(join(UI_DIST, "index.html"))) {
    throw new BuildError(
      "vite build finished but ui/dist/index.html is missing (check outDir in ui/vite.config.ts)",
    );
  }
  rmSync(UI_EMBED, { recursive: true, force: true });
  cpSync(UI_DIST, UI_EMBED, { recursive: true });
}

async function compile(exe: typeof EXECUTABLE): Promise<void> {
  if (!existsSync(join(ROOT, exe.entry)))
    throw new BuildError(`${exe.entry} is missing: cannot build ${exe.name}`);
  const assets = exe.assets.flatMap((a) => ["--asset", a]);
  await run(`bun build --compile of ${exe.entry}`, [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    "--bytecode",
    "--format=esm",
    // Each program (src/entry.ts) is a chunk loaded on demand: without it, every octo-sandbox and
    // octo-runner would load the server's code too (+1.7 MB private memory and +2.3 MB of text each).
    "--splitting",
    // A compiled binary would otherwise read .env and bunfig.toml from its working directory: the
    // runner and sandbox start in users' project folders, and config must come from our own files.
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    exe.entry,
    ...assets,
    "--outfile",
    join(BIN, exe.name),
  ]);
}

/**
 * octo-tool as one JavaScript file, run inside sandboxes by the runner's binary as its Bun runtime
 * (like pi): its libraries stay out of the runner's own memory (~4 MB of RSS per runner).
 */
async function bundleTool(): Promise<void> {
  const target = join(LIB, "tool");
  rmSync(target, { recursive: true, force: true });
  await run("bun build of octo-tool", [
    process.execPath,
    "build",
    "--target=bun",
    "--format=esm",
    "--minify",
    "runner/tools/cli/entry.ts",
    "--outfile",
    join(target, "octo-tool.js"),
  ]);
  // What install.sh compares to decide whether an installed lib/octo/tool is already this one.
  const hash = new Bun.CryptoHasher("sha256")
    .update(readFileSync(join(target, "octo-tool.js")))
    .digest("hex");
  writeFileSync(join(target, ".octo-manifest"), `octo-tool.js ${hash}\n`);
}

/**
 * The agent browser's driver (decision 0017): its own code bundled, rebrowser-playwright shipped
 * beside it as package files (bundling Playwright needs build-time patches; copied, it runs as is).
 * The runner's binary runs it as its Bun runtime, so Playwright never loads into the runner.
 */
async function bundleBrowserDriver(): Promise<void> {
  const target = join(LIB, "browser");
  rmSync(target, { recursive: true, force: true });
  const packages = copyPackageClosure(ROOT, "rebrowser-playwright", target);
  await run("bun build of the browser driver", [
    process.execPath,
    "build",
    "--target=bun",
    "--format=esm",
    "--minify",
    "--external",
    "rebrowser-playwright",
    "runner/browser/driver/entry.ts",
    "--outfile",
    join(target, "driver.js"),
  ]);
  // What install.sh compares to decide whether an installed lib/octo/browser is already this one.
  const hash = new Bun.CryptoHasher("sha256").update(readFileSync(join(target, "driver.js"))).digest("hex");
  writeFileSync(join(target, ".octo-manifest"), `driver.js ${hash}\n${packages.join("\n")}\n`);
}

/** `patch <package@version> <sha256>` for each of package.json's `patchedDependencies`. */
export function patchLines(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const patched = (pkg.patchedDependencies ?? {}) as Record<string, string>;
  return Object.entries(patched)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dep, file]) => {
      const hash = new Bun.CryptoHasher("sha256").update(readFileSync(join(root, file))).digest("hex");
      return `patch ${dep} ${hash}`;
    });
}

function shipPi(): number {
  const target = join(LIB, "pi");
  rmSync(target, { recursive: true, force: true });
  const copied = copyPackageClosure(ROOT, PI_PACKAGE, target);
  // What install.sh compares to decide whether an installed lib/octo/pi is already this one: the
  // packages and versions, and the patches applied to them (decision 0027), which versions alone miss.
  writeFileSync(join(target, ".octo-manifest"), `${[...copied, ...patchLines(ROOT)].join("\n")}\n`);
  const version = JSON.parse(
    readFileSync(join(ROOT, "node_modules", PI_PACKAGE, "package.json"), "utf8"),
  ).version;
  // A package.json pinning what was shipped: `bun install --production` here reproduces the folder.
  writeFileSync(
    join(target, "package.json"),
    `${JSON.stringify({ name: "octo-pi", private: true, dependencies: { [PI_PACKAGE]: version } }, null, 2)}\n`,
  );
  return copied.length;
}

/** The README goes beside the binaries: the units' `Documentation=file:` points at the installed copy. */
function shipDocs(): void {
  mkdirSync(DOC, { recursive: true });
  cpSync(join(ROOT, "README.md"), join(DOC, "README.md"));
}

export async function build(opts: { force?: boolean } = {}): Promise<{ skipped: boolean }> {
  // Docs are not build inputs (editing them keeps dist/ fresh), so they are copied every time.
  shipDocs();
  const inputs = await hashInputs(ROOT);
  const fresh =
    !opts.force &&
    existsSync(STAMP) &&
    readFileSync(STAMP, "utf8").trim() === inputs &&
    OUTPUTS.every(existsSync);
  if (fresh) {
    console.log("build: dist/ is up to date with the sources (bun run build --force rebuilds)");
    return { skipped: true };
  }
  const t0 = performance.now();
  rmSync(STAMP, { force: true });
  await buildUi();
  rmSync(BIN, { recursive: true, force: true });
  mkdirSync(BIN, { recursive: true });
  await compile(EXECUTABLE);
  for (const alias of ALIASES) {
    rmSync(join(BIN, alias), { force: true });
    symlinkSync(EXECUTABLE.name, join(BIN, alias));
  }
  const packages = shipPi();
  await bundleTool();
  await bundleBrowserDriver();
  writeFileSync(STAMP, `${inputs}\n`);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `build: dist/bin/octo (+ octoctl, octo-runner, octo-sandbox → octo), dist/lib/octo/pi (${packages} packages), dist/lib/octo/{tool,browser} in ${secs}s`,
  );
  return { skipped: false };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { release: { type: "boolean" }, force: { type: "boolean" } },
    strict: true,
  });
  try {
    await build({ force: values.force });
    if (values.release) {
      const { tarball, checksum, reused } = await makeRelease(ROOT, DIST);
      console.log(`release${reused ? " (up to date)" : ""}: ${tarball}\n         ${checksum}`);
    }
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    console.error(`build failed: ${e.message}`);
    process.exit(1);
  }
}
