/**
 * Sandbox start-up cost: `true` spawned bare vs inside the sandbox, p50/p95 over N runs.
 *   bun bench/spawn-sandbox.ts [N]            (OCTO_SANDBOX_BIN=./dist/octo-sandbox to time the compiled CLI)
 * Rows: bare spawn; the runner's in-process path (library argv → prlimit + bwrap, strict: no relay);
 * the same with the loopback LLM relay (socat started and waited for); the octo-sandbox CLI.
 */
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBwrapArgv, buildSandboxEnv, loadProfile, locateTools } from "../runner/sandbox/index.ts";
import { buildSeccompFilter } from "../runner/sandbox/seccomp.ts";

const N = Number(process.argv[2] ?? 40);
const dir = mkdtempSync(join(tmpdir(), "octo-bench-sandbox-"));
const project = join(dir, "proj");
mkdirSync(join(project, ".octo"), { recursive: true });
const seccompPath = join(dir, "seccomp.bpf");
writeFileSync(seccompPath, buildSeccompFilter() ?? new Uint8Array());
const llmSocket = join(dir, "llm.sock");
const llm = Bun.serve({ unix: llmSocket, fetch: () => new Response("ok") });

const strict = loadProfile("strict", { overrideDirs: [] });
const tools = locateTools({ limits: true, relay: true });
if (!strict.ok || !tools.ok) throw new Error("cannot prepare the bench");
const options = (withLlm: boolean) => ({
  project,
  home: dir,
  pty: false,
  command: ["true"],
  llmSocket: withLlm ? llmSocket : undefined,
  tools: tools.value,
});
const sandboxArgv = buildBwrapArgv(strict.value, options(false));
const relayArgv = buildBwrapArgv(strict.value, options(true));
const env = buildSandboxEnv(strict.value, options(false), { callerEnv: {}, extra: {} });
const cli = process.env.OCTO_SANDBOX_BIN
  ? [process.env.OCTO_SANDBOX_BIN]
  : [process.execPath, join(import.meta.dir, "../runner/sandbox/main.ts")];

async function time(argv: string[], withSeccomp: boolean): Promise<number> {
  const fd = withSeccomp ? openSync(seccompPath, "r") : undefined;
  const start = performance.now();
  const proc = Bun.spawn(argv, {
    env: withSeccomp ? env : { PATH: "/usr/bin:/bin" },
    stdio: fd === undefined ? ["ignore", "ignore", "inherit"] : ["ignore", "ignore", "inherit", fd],
  });
  const code = await proc.exited;
  const elapsed = performance.now() - start;
  if (code !== 0) throw new Error(`${argv.join(" ").slice(0, 120)} exited ${code}`);
  return elapsed;
}

async function series(argv: string[], withSeccomp: boolean) {
  const samples: number[] = [];
  for (let i = 0; i < N; i++) samples.push(await time(argv, withSeccomp));
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}

const rows = {
  "bare spawn: true": await series(["true"], false),
  "library argv (prlimit+bwrap, strict)": await series(sandboxArgv, true),
  "library argv + LLM relay (socat)": await series(relayArgv, true),
  "octo-sandbox run CLI (strict)": await series(
    [...cli, "run", "--profile", "strict", "--project", project, "--", "true"],
    false,
  ),
};
const bare = rows["bare spawn: true"].p50;
console.log(`sandboxed start-up, ${N} runs each (ms)`);
for (const [name, r] of Object.entries(rows))
  console.log(
    `${name.padEnd(40)} p50 ${r.p50.toFixed(2).padStart(7)}  p95 ${r.p95.toFixed(2).padStart(7)}  added p50 ${(r.p50 - bare).toFixed(2).padStart(7)}`,
  );
await llm.stop(true);
rmSync(dir, { recursive: true, force: true });
