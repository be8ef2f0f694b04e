import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "..", "..");
export const MAIN = join(REPO, "src", "main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI from source as a real subprocess: `bun src/main.ts args…`, optional stdin. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { stdin?: string; argv0?: string } = {},
): Promise<CliResult> {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    env,
    // As a symlink named octoctl would start the compiled binary: argv[0] is the name typed.
    argv0: opts.argv0,
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
