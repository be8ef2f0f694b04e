import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { bin, ensureBuilt } from "./built.ts";
import { type Served, startServe, stopDetachedRunner } from "./process.ts";

/**
 * The compiled `dist/bin/octo serve` with a private HOME, runtime dir and config file whose one LLM
 * provider is the scripted fixture — for end-to-end tests and benchmarks of the shipped binary.
 * The provider key reaches the server the way an operator's would: `api_key_env` names a variable in
 * the server's environment (compiled binaries read no .env, so it is passed explicitly).
 */

const KEY_ENV = "OCTO_FIXTURE_PROVIDER_KEY";
const PROVIDER_KEY = "sk-octo-compiled-fixture-key-0123456789";

export interface CompiledWorld {
  url: string;
  fx: LlmFixture;
  served: Served;
  /** The first admin, as `octo serve` printed it on its first start. */
  admin: { username: string; password: string };
  stop(): Promise<void>;
}

export async function startCompiledWorld(): Promise<CompiledWorld> {
  await ensureBuilt();
  const fx = await startLlmFixture({ apiKeys: [PROVIDER_KEY] });
  const dir = mkdtempSync(join(tmpdir(), "octo-compiled-world-"));
  const home = join(dir, "home");
  const run = join(dir, "run");
  mkdirSync(home);
  mkdirSync(run, { mode: 0o700 });
  // Run as root, agents run as the agent account, which must reach the workspace and runner
  // sockets made inside (decision 0016): traversable, not listable.
  for (const d of [dir, home, run]) chmodSync(d, 0o711);
  const config = join(dir, "config.toml");
  writeFileSync(
    config,
    `[llm]
default_model = "fx/fake-1"

[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${fx.openaiBaseUrl}"
api_key_env = "${KEY_ENV}"
models = [{ id = "fake-1" }]
`,
  );
  const env = {
    HOME: home,
    XDG_RUNTIME_DIR: run,
    PATH: "/usr/bin:/bin",
    [KEY_ENV]: PROVIDER_KEY,
    OCTO_RUNNER_WARM_AGENTS: "0",
  };
  const served = await startServe(
    [bin("octo"), "serve", "--port", "0", "--log-format", "json", "--config", config],
    { cwd: home, env },
  );
  const username = (await served.stdout.waitFor((l) => /^\s+user:\s+\S+/.test(l))).trim().split(/\s+/)[1];
  const password = (await served.stdout.waitFor((l) => /^\s+password:\s+\S+/.test(l))).trim().split(/\s+/)[1];
  if (!username || !password) throw new Error("octo serve printed no first admin");
  return {
    url: served.url,
    fx,
    served,
    admin: { username, password },
    async stop() {
      served.proc.kill("SIGTERM");
      await served.proc.exited;
      await stopDetachedRunner(run);
      await fx.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
