/**
 * opencode's side of bench/compare.ts: the pinned `opencode-ai` package from npm, installed on demand
 * into a cache directory outside the repository, run as `opencode serve` with its own HOME and XDG
 * directories under a temporary directory (removed on stop), one OpenAI-compatible provider `fx` at
 * the same scripted LLM as octo's, and its HTTP API as its own clients use it: `POST /session`,
 * `POST /session/:id/prompt_async`, and one SSE stream `GET /event` carrying every session's events.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { arch, tmpdir } from "node:os";
import { join } from "node:path";
import { wallClock } from "../../runner/trace.ts";
import { SessionLog } from "../stream/client.ts";
import type { Conversation, Side } from "./side.ts";

export const OPENCODE_VERSION = "1.18.33";

/** The package's platform binary (what its postinstall would copy), installing it first if missing. */
export async function opencodeBinary(): Promise<string> {
  const dir = process.env.BENCH_OPENCODE_DIR ?? join(tmpdir(), `octo-bench-opencode-${OPENCODE_VERSION}`);
  const bin = join(dir, "node_modules", `opencode-linux-${arch()}`, "bin", "opencode");
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const npm = Bun.spawn(
      [
        "npm",
        "install",
        "--prefix",
        dir,
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        `opencode-ai@${OPENCODE_VERSION}`,
      ],
      { stdout: "inherit", stderr: "inherit" },
    );
    if ((await npm.exited) !== 0) throw new Error(`npm install opencode-ai@${OPENCODE_VERSION} failed`);
    if (!existsSync(bin)) throw new Error(`no opencode binary at ${bin} after the install`);
  }
  const version = Bun.spawnSync([bin, "--version"]).stdout.toString().trim();
  if (version !== OPENCODE_VERSION) throw new Error(`${bin} is version ${version}, not ${OPENCODE_VERSION}`);
  return bin;
}

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** A home for one opencode: HOME, XDG dirs, config, and the project directory it serves. */
export function opencodeHome(llm: { openaiBaseUrl: string; key: string }) {
  const root = mkdtempSync(join(tmpdir(), "octo-bench-opencode-run-"));
  const home = join(root, "home");
  const project = join(root, "project");
  mkdirSync(home, { recursive: true });
  mkdirSync(project, { recursive: true });
  const config = join(root, "opencode.json");
  writeFileSync(
    config,
    JSON.stringify({
      $schema: "https://opencode.ai/config.json",
      autoupdate: false,
      share: "disabled",
      model: "fx/fake-1",
      provider: {
        fx: {
          npm: "@ai-sdk/openai-compatible",
          name: "fx",
          options: { baseURL: llm.openaiBaseUrl, apiKey: llm.key },
          models: { "fake-1": { name: "fake-1" } },
        },
      },
      // The scripted LLM never calls a tool; should it, nothing waits for a person.
      permission: { edit: "allow", bash: "allow", webfetch: "allow" },
    }),
  );
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    OPENCODE_CONFIG: config,
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    // No network beyond the fixture: no models.dev catalogue, no language-server downloads.
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
  };
  return { root, project, env, log: join(root, "opencode.log") };
}

export type OpencodeHome = ReturnType<typeof opencodeHome>;

/** Spawns `opencode serve` in `home` and polls `/global/health` every 5 ms: ms spawn → first 200. */
export async function spawnOpencode(bin: string, home: OpencodeHome) {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const proc = Bun.spawn([bin, "serve", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: home.project,
    env: home.env,
    stdin: "ignore",
    stdout: Bun.file(home.log),
    stderr: "ignore",
  });
  for (;;) {
    try {
      const res = await fetch(`${url}/global/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet (or accepted but not answering: each try gives up after a second)
    }
    // Every 5 ms: a tighter loop would take a core from the server it waits for (2 cores here).
    await Bun.sleep(5);
    if (proc.exitCode !== null) throw new Error(`opencode exited with ${proc.exitCode}; see ${home.log}`);
    if (performance.now() - t0 > 120_000) {
      await stopProcess(proc);
      throw new Error(`opencode not up after 120 s; see ${home.log}`);
    }
  }
  return { proc, url, ms: performance.now() - t0 };
}

export async function stopProcess(proc: Bun.Subprocess): Promise<void> {
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await proc.exited;
  clearTimeout(timer);
}

interface OpencodeEvent {
  type: string;
  properties?: { sessionID?: string; field?: string; delta?: string };
}

export async function startOpencode(llm: { openaiBaseUrl: string; key: string }): Promise<Side> {
  const bin = await opencodeBinary();
  const home = opencodeHome(llm);
  const { proc, url } = await spawnOpencode(bin, home).catch((error) => {
    rmSync(home.root, { recursive: true, force: true });
    throw error;
  });
  const logs = new Map<string, SessionLog>();
  const logOf = (id: string) => {
    let log = logs.get(id);
    if (!log) {
      log = new SessionLog();
      logs.set(id, log);
    }
    return log;
  };

  // One event stream for the whole client, as opencode's own app and TUI have.
  const abort = new AbortController();
  const events = await fetch(`${url}/event`, { signal: abort.signal });
  if (!events.ok || !events.body) throw new Error(`GET /event: ${events.status}`);
  const receive = (block: string, t: number) => {
    const data = block
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trimStart())
      .join("\n");
    if (!data) return;
    const ev = JSON.parse(data) as OpencodeEvent;
    const id = ev.properties?.sessionID;
    if (!id) return;
    const log = logOf(id);
    log.times.push(t);
    log.events.push(ev.type);
    log.bytes += Buffer.byteLength(block) + 2;
    if (ev.type === "message.part.delta" && ev.properties?.field === "text") {
      log.deltaTimes.push(t);
      log.deltas.push(ev.properties.delta ?? "");
    } else if (ev.type === "session.idle") log.idles++;
    for (const w of log.waiters) w();
  };
  const reading = (async () => {
    const decoder = new TextDecoder();
    let carry = "";
    try {
      for await (const chunk of events.body as ReadableStream<Uint8Array>) {
        const t = wallClock();
        carry += decoder.decode(chunk, { stream: true });
        const blocks = carry.split("\n\n");
        carry = blocks.pop() ?? "";
        for (const block of blocks) receive(block, t);
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };

  return {
    name: "opencode",
    roots: () => [proc.pid],
    // One process: 0.86 GB peak for 10 floods and a bystander.
    memoryGb: (n) => 1.5 + 0.01 * n,
    async open() {
      await call("GET", "/session");
    },
    async create() {
      const session = await call("POST", "/session", {});
      const id = session.id as string;
      return { id, log: logOf(id) };
    },
    async prompt(c: Conversation, text: string) {
      await call("POST", `/session/${c.id}/prompt_async`, { parts: [{ type: "text", text }] });
    },
    async remove(c: Conversation) {
      await call("DELETE", `/session/${c.id}`);
    },
    async stop() {
      abort.abort();
      await reading;
      await stopProcess(proc);
      rmSync(home.root, { recursive: true, force: true });
    },
  };
}
