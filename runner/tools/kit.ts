import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { isCompiled, sourceRoot } from "../../src/shared/paths.ts";
// The extension is checked as TypeScript here and shipped as text: pi loads it from the sandbox.
import extensionSource from "./kit/extension.ts" with { type: "text" };
import skill from "./kit/SKILL.md" with { type: "text" };

/** Where the kit and (from source) the runner's own code appear inside a sandbox. */
export const KIT_PATHS = {
  kit: "/opt/octo/tool",
  bin: "/opt/octo/tool/bin",
  skill: "/opt/octo/tool/skills/octo-tool",
  extension: "/opt/octo/tool/extensions/octo-tools.ts",
  /** From source only: the checkout's runner/ and src/ (their packages resolve in /opt/octo/node_modules). */
  app: "/opt/octo/app",
} as const;

/**
 * `octo-tool` inside the sandbox. The agent's environment has BUN_BE_BUN=1 (it is what makes our
 * compiled binary run pi), which would make the binary the bun CLI again: the wrapper drops it.
 */
function wrapper(runtime: string): string {
  const entry = isCompiled() ? "" : ` ${KIT_PATHS.app}/runner/main.ts`;
  return ["#!/bin/sh", "unset BUN_BE_BUN", `exec ${runtime}${entry} tool "$@"`, ""].join("\n");
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
 * session; `runtime` is where the runner's binary appears inside the sandbox.
 */
export function ensureToolKit(
  runtime: string,
  env: Record<string, string | undefined> = process.env,
): ToolKit {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  const dir = join(base, "octo", "tool-kit");
  for (const sub of ["bin", "skills/octo-tool", "extensions"])
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
  writeIfChanged(join(dir, "bin", "octo-tool"), wrapper(runtime), 0o755);
  writeIfChanged(join(dir, "skills", "octo-tool", "SKILL.md"), skill, 0o644);
  writeIfChanged(join(dir, "extensions", "octo-tools.ts"), extensionSource as unknown as string, 0o644);
  const readOnly: { src: string; dst: string }[] = [{ src: dir, dst: KIT_PATHS.kit }];
  if (!isCompiled())
    for (const part of ["runner", "src", "package.json"])
      readOnly.push({ src: join(sourceRoot(), part), dst: `${KIT_PATHS.app}/${part}` });
  return { dir, readOnly, piArgs: ["--skill", KIT_PATHS.skill, "--extension", KIT_PATHS.extension] };
}
