// `octo serve` as a real process of its own (so it can be SIGKILLed), on a fixed port, with the
// scripted LLM fixture as its one provider. Its runner and LLM gateway are detached and outlive it,
// exactly as in production; `stop()` ends them too.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gatewayFiles } from "../../src/llm/gateway-files.ts";
import { commandFor } from "../../src/shared/paths.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { Client } from "../http/client.ts";
import { stopGatewayOf, stopRunnerOf, tempHome } from "../http/harness.ts";

export const KEY_ENV = "OCTO_TEST_PROVIDER_KEY";
export const PROVIDER_KEYS = ["sk-octo-process-world-key-one", "sk-octo-process-world-key-two"];

export interface ServerProcess {
  proc: ReturnType<typeof Bun.spawn>;
  output(): string;
}

export interface ProcessWorld {
  fx: LlmFixture;
  url: string;
  home: string;
  socketDir: string;
  admin: { username: string; password: string };
  server: ServerProcess;
  /** Start `octo serve`; resolves when GET /api/health answers 200, with when that was. */
  start(env?: Record<string, string>): Promise<{ server: ServerProcess; readyAt: number }>;
  /** Signal the server; resolves when it has exited, with when that was. */
  kill(signal: "SIGTERM" | "SIGKILL"): Promise<{ exitedAt: number; signalledAt: number }>;
  login(): Promise<Client>;
  gatewayPid(): number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port as number;
  await s.stop(true);
  return port;
}

export async function startProcessWorld(): Promise<ProcessWorld> {
  const fx = await startLlmFixture({ apiKeys: PROVIDER_KEYS });
  const dirs = tempHome();
  const port = await freePort();
  mkdirSync(dirs.configDir, { recursive: true });
  writeFileSync(
    join(dirs.configDir, "config.toml"),
    `
[server]
host = "127.0.0.1"
port = ${port}

[runner]
idle_timeout = "10m"

[llm]
default_model = "fx/fake-1"

[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${fx.openaiBaseUrl}"
api_key_env = "${KEY_ENV}"
models = [{ id = "fake-1" }]
`,
  );
  const url = `http://127.0.0.1:${port}`;
  const socketDir = join(dirs.env.XDG_RUNTIME_DIR as string, "octo");
  let admin = { username: "admin", password: "" };

  const start = async (extra: Record<string, string> = {}) => {
    const proc = Bun.spawn([...commandFor("octo"), "serve"], {
      env: { ...dirs.env, [KEY_ENV]: PROVIDER_KEYS[0] as string, ...extra },
      stdout: "pipe",
      stderr: "pipe",
    });
    let text = "";
    const drain = async (s: ReadableStream<Uint8Array>) => {
      for await (const c of s) text += Buffer.from(c).toString();
    };
    void drain(proc.stdout as ReadableStream<Uint8Array>);
    void drain(proc.stderr as ReadableStream<Uint8Array>);
    const server = { proc, output: () => text };
    // Polled: the health route is what a browser or a load balancer would see come back.
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`octo serve exited: ${text}`);
      const ok = await fetch(`${url}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await Bun.sleep(5);
    }
    const readyAt = performance.now();
    const password = /password:\s+(\S+)/.exec(text)?.[1];
    if (password) admin = { username: "admin", password };
    return { server, readyAt };
  };

  const first = await start();
  const world: ProcessWorld = {
    fx,
    url,
    home: dirs.home,
    socketDir,
    get admin() {
      return admin;
    },
    server: first.server,
    async start(env) {
      const started = await start(env);
      world.server = started.server;
      return started;
    },
    async kill(signal) {
      const signalledAt = performance.now();
      world.server.proc.kill(signal);
      await world.server.proc.exited;
      return { signalledAt, exitedAt: performance.now() };
    },
    async login() {
      const c = new Client(url);
      await c.login(admin.username, admin.password);
      return c;
    },
    gatewayPid: () => Number(readFileSync(gatewayFiles(socketDir).pidFile, "utf8")),
    async stop() {
      if (world.server.proc.exitCode === null) {
        world.server.proc.kill("SIGKILL");
        await world.server.proc.exited;
      }
      stopRunnerOf(socketDir);
      stopGatewayOf(socketDir);
      await fx.stop();
      rmSync(dirs.home, { recursive: true, force: true });
    },
  };
  return world;
}
