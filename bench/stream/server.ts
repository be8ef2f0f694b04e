/**
 * The real octo server from source, in its own process for bench/stream.ts (so its CPU and RSS can
 * be read from /proc, apart from the measuring client). Temporary HOME, port 0, real SQLite; one
 * provider `fx` pointing at the fixture in `BENCH_LLM_URL`; production log level (info) to a file.
 * Prints `READY {…}` and runs until SIGTERM, then stops its runner and LLM gateway too (the gateway
 * outlives servers by design: left running, each bench run would leave one behind).
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.ts";
import { gatewayFiles } from "../../src/llm/gateway-files.ts";
import { startServer } from "../../src/server/start.ts";
import { createLogger } from "../../src/shared/log.ts";
import { dataPaths } from "../../src/shared/paths.ts";
import { RUNNER_RUNTIME_ENV, singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { stopGatewayOf, tempHome } from "../../test/http/harness.ts";
import { stopLocalRunner } from "../../test/terminals/harness.ts";

const llmUrl = process.env.BENCH_LLM_URL;
if (!llmUrl) throw new Error("BENCH_LLM_URL is required");
// BENCH_RUNNER_JIT=on|off: start the runner with JavaScriptCore's JIT on or off, whatever octo's default.
const runtime = RUNNER_RUNTIME_ENV as Record<string, string>;
if (process.env.BENCH_RUNNER_JIT === "on") delete runtime.BUN_JSC_useJIT;
if (process.env.BENCH_RUNNER_JIT === "off") runtime.BUN_JSC_useJIT = "0";
// BENCH_CPU_PROF (bench/stream/world.ts): the runner is profiled too.
if (process.env.BUN_OPTIONS) runtime.BUN_OPTIONS = process.env.BUN_OPTIONS;
const dirs = tempHome();
// The runner inherits this: pi's session files land in the temporary HOME too, and go with it.
Object.assign(process.env, dirs.env);
// The bench's own config says how many spare agents to keep (BENCH_WARM_AGENTS, default 0): the test
// home's environment pins OCTO_RUNNER_WARM_AGENTS to 0, and the environment wins over config.toml.
delete process.env.OCTO_RUNNER_WARM_AGENTS;
delete dirs.env.OCTO_RUNNER_WARM_AGENTS;
mkdirSync(dirs.configDir, { recursive: true });
writeFileSync(
  join(dirs.configDir, "config.toml"),
  `
[server]
# One socket per session in the concurrent section (50 + 1): over the default of 32 per user.
max_sockets_per_user = 256

[runner]
idle_timeout = "${process.env.BENCH_IDLE_TIMEOUT ?? "30m"}"
agent_memory_ceiling_mb = ${Number(process.env.BENCH_MEMORY_CEILING_MB ?? 0)}
max_processes = 256
warm_agents = ${Number(process.env.BENCH_WARM_AGENTS ?? 0)}

[llm]
default_model = "fx/fake-1"

[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${llmUrl}"
api_key_env = "BENCH_LLM_KEY"
models = [{ id = "fake-1" }]
`,
);
const config = loadConfig({ env: dirs.env });
if (!config.ok) throw new Error(config.error.message);
const logFile = join(dirs.home, "server.log");
const log = createLogger({
  format: "json",
  level: process.env.BENCH_LOG_LEVEL === "debug" ? "debug" : "info",
  write: (line) => appendFileSync(logFile, `${line}\n`),
});
const started = await startServer({ config: config.value, host: "127.0.0.1", port: 0, log });
if (!started.ok) throw new Error(started.error.message);
const server = started.value;
const socketDir = config.value.paths.socketDir;
// SIGUSR2: write the history's commit and event counts to this file in the temporary HOME.
const statsFile = join(dirs.home, "stats.json");
console.log(
  `READY ${JSON.stringify({
    url: server.url,
    pid: process.pid,
    admin: server.firstAdmin,
    db: dataPaths(config.value.paths.dataDir).db,
    runnerPidFile: singleUserRunnerFiles(socketDir).pidFile,
    gatewayPidFile: gatewayFiles(socketDir).pidFile,
    home: dirs.home,
    statsFile,
  })}`,
);

process.on("SIGUSR2", () => {
  writeFileSync(`${statsFile}.tmp`, JSON.stringify(server.ctx.services.history.totals()));
  renameSync(`${statsFile}.tmp`, statsFile);
});

process.on("SIGTERM", async () => {
  stopLocalRunner(socketDir);
  // The gateway outlives servers by design; a bench's must not outlive the bench.
  stopGatewayOf(socketDir);
  await server.stop();
  stopGatewayOf(socketDir);
  if (!process.env.BENCH_KEEP_HOME) rmSync(dirs.home, { recursive: true, force: true });
  process.exit(0);
});
