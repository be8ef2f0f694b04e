import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * The one home for on-disk locations and for finding our sibling executables.
 * Everything else asks here instead of joining paths of its own.
 */

export const isCompiled = (): boolean => import.meta.path.startsWith("/$bunfs/");

/** Repository root when running from source (this file is src/paths.ts). */
export const sourceRoot = (): string => resolve(import.meta.dir, "../..");

export function expandHome(path: string, home = homedir()): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return path;
}

export interface DefaultDirs {
  configFile: string;
  dataDir: string;
  workspaceDir: string;
  runtimeDir: string;
}

/** Defaults for a single-user run (`octo serve` as anyone) or an installed system service. */
export function defaultDirs(env: NodeJS.ProcessEnv = process.env, system = false): DefaultDirs {
  if (system) {
    return {
      configFile: "/etc/octo/config.toml",
      dataDir: "/var/lib/octo",
      workspaceDir: "/home",
      runtimeDir: "/run/octo",
    };
  }
  const home = env.HOME || homedir();
  const xdgConfig = env.XDG_CONFIG_HOME || join(home, ".config");
  const xdgData = env.XDG_DATA_HOME || join(home, ".local", "share");
  const uid = process.getuid?.() ?? 0;
  const runtimeBase = env.XDG_RUNTIME_DIR || join("/tmp", `octo-${uid}`);
  return {
    configFile: join(xdgConfig, "octo", "config.toml"),
    dataDir: join(xdgData, "octo"),
    workspaceDir: join(home, "octo"),
    runtimeDir: join(runtimeBase, "octo"),
  };
}

/** Single-user mode started as root runs agents as this account, never as root (decision 0016). */
export const AGENT_ACCOUNT = "octo-agent";
export const AGENT_HOME = "/var/lib/octo-agent";

/** True when a user who is neither owner nor in the group can traverse every existing ancestor. */
export function othersCanReach(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      // Not made yet: whoever makes it decides its mode.
    }
    if (dir === dirname(dir)) return true;
  }
}

/**
 * Root's single-user defaults: `~/octo` and `$XDG_RUNTIME_DIR/octo` sit in directories closed to
 * other users (/root, /run/user/0), which the agent account could not enter; then they move into
 * the agent account's home. Paths set in the config are kept (and checked at runner start).
 */
export function rootSingleUserDirs(dirs: { workspaceDir: string; runtimeDir: string }) {
  return {
    workspaceDir: othersCanReach(dirname(dirs.workspaceDir)) ? dirs.workspaceDir : join(AGENT_HOME, "octo"),
    socketDir: othersCanReach(dirname(dirs.runtimeDir)) ? dirs.runtimeDir : join(AGENT_HOME, "run"),
  };
}

export const dataPaths = (dataDir: string) => ({
  db: join(dataDir, "octo.db"),
  jwtSecret: join(dataDir, "jwt.secret"),
  /** Web Push (VAPID) key pair, generated once (0600). */
  vapidKeys: join(dataDir, "vapid.json"),
  /** Held (flock) by the running server: one server per data dir. */
  lock: join(dataDir, "octo.lock"),
  usersDir: join(dataDir, "users"),
  userDir: (userId: string) => join(dataDir, "users", userId),
  historyDb: (userId: string) => join(dataDir, "users", userId, "history.db"),
});

export type ExecutableName = "octo" | "octo-runner" | "octo-sandbox";

const SOURCE_ENTRIES: Record<ExecutableName, string> = {
  octo: "src/main.ts",
  "octo-runner": "runner/main.ts",
  "octo-sandbox": "runner/sandbox/main.ts",
};

/**
 * argv prefix that runs one of our executables: the compiled sibling next to the running binary,
 * or `bun <entry>.ts` from a source checkout. `OCTO_BIN_DIR` points elsewhere (tests of compiled builds).
 */
export function commandFor(name: ExecutableName, env: NodeJS.ProcessEnv = process.env): string[] {
  const binDir = env.OCTO_BIN_DIR || (isCompiled() ? dirname(process.execPath) : undefined);
  if (binDir) {
    const candidate = join(binDir, name);
    if (existsSync(candidate)) return [candidate];
  }
  return [process.execPath, join(sourceRoot(), SOURCE_ENTRIES[name])];
}

const PI_PACKAGE_PATH = ["node_modules", "@mariozechner", "pi-coding-agent"];

/**
 * pi's package folder (holds dist/cli.js, docs/, package.json; bind it read-only into a sandbox).
 * Installed and in dist/, build.ts ships it as `<prefix>/lib/octo/pi/` beside `<prefix>/bin/`; from
 * source it is the checkout's node_modules copy. `OCTO_PI_DIR` overrides (tests of odd layouts).
 * Run it with any of our compiled binaries as the runtime: `BUN_BE_BUN=1 octo-runner <dir>/dist/cli.js`.
 */
export function piPackageDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OCTO_PI_DIR) return env.OCTO_PI_DIR;
  const binDir = env.OCTO_BIN_DIR || (isCompiled() ? dirname(process.execPath) : undefined);
  if (binDir) {
    const shipped = join(binDir, "..", "lib", "octo", "pi", ...PI_PACKAGE_PATH);
    if (existsSync(join(shipped, "package.json"))) return resolve(shipped);
  }
  return join(sourceRoot(), ...PI_PACKAGE_PATH);
}
