import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { isCompiled, sourceRoot } from "../../src/shared/paths.ts";
// The extension is checked as TypeScript here and shipped as text: pi loads it from the sandbox.
import extensionSource from "./kit/extension.ts" with { type: "text" };
import skill from "./kit/SKILL.md" with { type: "text" };

/** Where the kit and octo-tool's code appear inside a sandbox. */
export const KIT_PATHS = {
  kit: "/opt/octo/tool",
  bin: "/opt/octo/tool/bin",
  skill: "/opt/octo/tool/skills/octo-tool",
  extension: "/opt/octo/tool/extensions/octo-tools.ts",
  /** Installed: the octo-tool bundle. */
  bundle: "/opt/octo/lib/octo-tool.js",
  /** From source: the checkout's runner/ and src/ (their packages resolve in /opt/octo/node_modules). */
  app: "/opt/octo/app",
} as const;

const ENTRY = "runner/tools/cli/entry.ts";

/** octo-tool's bundle shipped beside the binaries (`lib/octo/tool/`), or null when running from source. */
export function findToolBundle(env: Record<string, string | undefined> = process.env): string | null {
  const candidates = [
    env.OCTO_TOOL_BUNDLE,
    isCompiled() ? resolve(dirname(process.execPath), "../lib/octo/tool/octo-tool.js") : undefined,
  ];
  for (const file of candidates) if (file && existsSync(file)) return file;
  return null;
}

/**
 * `octo-tool` inside the sandbox: the runner's binary (already there as pi's runtime) runs the tool's
 * JavaScript, so no second 100 MB executable is shipped and the runner itself never loads the tool's
 * libraries. BUN_BE_BUN=1 is what makes the compiled binary a plain Bun runtime.
 */
function wrapper(runtime: string, script: string): string {
  return ["#!/bin/sh", "export BUN_BE_BUN=1", `exec ${runtime} ${script} "$@"`, ""].join("\n");
}

export interface ToolKit {
  /** Host directory bound read-only at KIT_PATHS.kit. */
  dir: string;
  readOnly: { src: string; dst: string }[];
  /** pi's arguments that load the skill and the extension. */
  piArgs: string[];
}

function writeIfChanged(path: string, content: string, mode: number): void {
  if (existsSync(path) && readFileSync(path, "utf8") === content) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/**
 * Writes the kit (wrapper, skill, extension) into the runner's state directory, the same for every
 * session; `runtime` is where the runner's binary (or Bun, from source) appears inside the sandbox.
 */
export function ensureToolKit(
  runtime: string,
  env: Record<string, string | undefined> = process.env,
): ToolKit {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  const dir = join(base, "octo", "tool-kit");
  for (const sub of ["bin", "skills/octo-tool", "extensions"])
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
  const bundle = findToolBundle(env);
  const readOnly: { src: string; dst: string }[] = [{ src: dir, dst: KIT_PATHS.kit }];
  if (bundle) readOnly.push({ src: bundle, dst: KIT_PATHS.bundle });
  else
    for (const part of ["runner", "src", "package.json"])
      readOnly.push({ src: join(sourceRoot(), part), dst: `${KIT_PATHS.app}/${part}` });
  const script = bundle ? KIT_PATHS.bundle : `${KIT_PATHS.app}/${ENTRY}`;
  writeIfChanged(join(dir, "bin", "octo-tool"), wrapper(runtime, script), 0o755);
  writeIfChanged(join(dir, "skills", "octo-tool", "SKILL.md"), skill, 0o644);
  writeIfChanged(join(dir, "extensions", "octo-tools.ts"), extensionSource as unknown as string, 0o644);
  return { dir, readOnly, piArgs: ["--skill", KIT_PATHS.skill, "--extension", KIT_PATHS.extension] };
}
