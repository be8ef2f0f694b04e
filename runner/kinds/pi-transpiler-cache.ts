import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { whichTool } from "../../src/shared/host-tools.ts";
import { isCompiled } from "../../src/shared/paths.ts";

/**
 * Bun's runtime transpiler cache for pi, per Linux account and per pi/Bun build (decision 0034).
 * Inside the sandbox HOME is a fresh tmpfs, so pi would transpile its ~300 large modules anew on
 * every start. The runner fills the cache itself, outside any sandbox, by running pi's own CLI
 * (`--help`, which loads the same modules as `--mode rpc`) from pi's read-only package with a
 * throwaway HOME — no project, no extension, nothing a sandbox wrote — and every agent sandbox gets
 * it bound read-only. So it is never a channel between sandboxes: none can write it, and its only
 * writer runs nothing but pi's installed package. Bun keys entries by content, so the host path of
 * the package does not matter inside.
 */

/** Where the cache appears inside the sandbox. */
export const SANDBOX_TRANSPILER_CACHE = "/opt/octo/transpiler-cache";
export const PI_TRANSPILER_CACHE_ENV = "BUN_RUNTIME_TRANSPILER_CACHE_PATH";

const PI_PACKAGE = "@mariozechner/pi-coding-agent";
/** Written last: a directory without it is a fill that did not finish. */
const COMPLETE = ".complete";

function cacheRoot(env: Record<string, string | undefined>): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "octo", "pi-transpiler");
}

/** One directory per (Bun runtime, pi package): a new Bun or pi gets a fresh, empty one. */
export function transpilerCacheDir(
  modules: string,
  env: Record<string, string | undefined> = process.env,
): string {
  let version = "unknown";
  try {
    version = JSON.parse(readFileSync(join(modules, PI_PACKAGE, "package.json"), "utf8")).version;
  } catch {
    // no version: still keyed by the runtime and the package's place
  }
  const runtime = statSync(process.execPath);
  const key = Bun.hash(
    [realpathSync(process.execPath), runtime.size, runtime.mtimeMs, Bun.version, realpathSync(modules)].join(
      "\0",
    ),
  ).toString(16);
  return join(cacheRoot(env), `${version}-${key}`);
}

const filling = new Map<string, Promise<boolean>>();

/**
 * The filled cache directory, or null while it is not filled yet — then this starts filling it in
 * the background (once per runner), so a later start has it.
 */
export function piTranspilerCache(
  modules: string,
  piCli: string,
  env: Record<string, string | undefined> = process.env,
): string | null {
  const dir = transpilerCacheDir(modules, env);
  if (existsSync(join(dir, COMPLETE))) return dir;
  void fillTranspilerCache(modules, piCli, env);
  return null;
}

/** Fills the cache (if not yet) and resolves whether it is filled. */
export function fillTranspilerCache(
  modules: string,
  piCli: string,
  env: Record<string, string | undefined> = process.env,
): Promise<boolean> {
  const dir = transpilerCacheDir(modules, env);
  if (existsSync(join(dir, COMPLETE))) return Promise.resolve(true);
  const running = filling.get(dir);
  if (running) return running;
  const done = fill(dir, join(modules, piCli)).finally(() => filling.delete(dir));
  filling.set(dir, done);
  return done;
}

async function fill(dir: string, cli: string): Promise<boolean> {
  const root = join(dir, "..");
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const work = mkdtempSync(join(root, ".fill-"));
  try {
    const cache = join(work, "cache");
    const home = join(work, "home");
    mkdirSync(cache);
    mkdirSync(home);
    // Niced: it runs beside the cold start that asked for it and must not slow that one down.
    const nice = whichTool("nice");
    const proc = Bun.spawn([...(nice ? [nice, "-n", "19"] : []), process.execPath, cli, "--help"], {
      cwd: home,
      env: {
        PATH: "/usr/bin:/bin",
        HOME: home,
        PI_CODING_AGENT_DIR: home,
        PI_OFFLINE: "1",
        PI_TELEMETRY: "0",
        [PI_TRANSPILER_CACHE_ENV]: cache,
        ...(isCompiled() ? { BUN_BE_BUN: "1" } : {}),
      },
      stdio: ["ignore", "ignore", "ignore"],
    });
    if ((await proc.exited) !== 0 || readdirSync(cache).length === 0) return false;
    await Bun.write(join(cache, COMPLETE), "");
    try {
      renameSync(cache, dir);
    } catch {
      return existsSync(join(dir, COMPLETE)); // another runner of this account got there first
    }
    // Older builds' caches are dead weight now.
    for (const name of readdirSync(root))
      if (!name.startsWith(".") && join(root, name) !== dir)
        rmSync(join(root, name), { recursive: true, force: true });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
