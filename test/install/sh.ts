import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

/** Runs a real command to completion (install.sh is a real POSIX script run by dash here). */
export async function run(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Ran> {
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr, output: `${stdout}${stderr}` };
}

/** path → "inode mtime size" for every file under dir: equal snapshots mean nothing was rewritten. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (st) out.set(name, `${st.ino} ${st.mtimeMs} ${st.size}`);
  }
  return out;
}
