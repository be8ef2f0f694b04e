import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Builds once per test process with `bun run build.ts`, which itself skips the work when dist/ is
 * fresh (content hash of the inputs), so every test file can call this and only the first one pays.
 */
export const ROOT = join(import.meta.dir, "..", "..");
export const DIST = join(ROOT, "dist");
export const bin = (name: "octo" | "octoctl" | "octo-runner" | "octo-sandbox") => join(DIST, "bin", name);

async function buildOnce(args: string[]): Promise<void> {
  const proc = Bun.spawn([process.execPath, "run", "build.ts", ...args], {
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`bun run build.ts ${args.join(" ")} failed with exit code ${code}`);
}

let built: Promise<void> | undefined;
export function ensureBuilt(): Promise<void> {
  built ??= buildOnce([]);
  return built;
}

export interface Release {
  tarball: string;
  checksum: string;
}

let released: Promise<Release> | undefined;
export function ensureRelease(): Promise<Release> {
  released ??= (async () => {
    await buildOnce(["--release"]);
    const version = (await Bun.file(join(ROOT, "package.json")).json()).version as string;
    const arch = process.arch === "x64" ? "x64" : process.arch;
    const tarball = join(DIST, "release", `octo-${version}-linux-${arch}.tar.gz`);
    if (!existsSync(tarball)) throw new Error(`release tarball ${tarball} was not made`);
    return { tarball, checksum: `${tarball}.sha256` };
  })();
  return released;
}
