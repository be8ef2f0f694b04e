/**
 * pi's own speed, as PI-RPC.md §4 measured it: `bun cli.js --mode rpc` with sessions on, straight to
 * the fixture (no sandbox, no proxy, no runner), read by a client that only looks at the first bytes
 * of each stdout line (pi's snapshots make up nearly all of the 108 MB and are never decoded).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wallClock } from "../../runner/trace.ts";
import { writePiAgentDir } from "../../test/fixtures/pi.ts";

const PI_CLI = join(import.meta.dir, "../../node_modules/@mariozechner/pi-coding-agent/dist/cli.js");
const enc = (s: string) => new TextEncoder().encode(s);
const TEXT_DELTA = enc('{"type":"message_update","assistantMessageEvent":{"type":"text_delta"');
const AGENT_END = enc('{"type":"agent_end"');
const RESPONSE = enc('{"type":"response"');
const HEAD = TEXT_DELTA.length;

export interface FloodRun {
  /** prompt written → first text_delta line read */
  firstMs: number;
  /** first → last text_delta line */
  streamMs: number;
  /** prompt written → agent_end read */
  totalMs: number;
  deltas: number;
  stdoutBytes: number;
}

const startsWith = (head: Uint8Array, n: number, pat: Uint8Array) => {
  if (n < pat.length) return false;
  for (let i = 0; i < pat.length; i++) if (head[i] !== pat[i]) return false;
  return true;
};

/** Runs `warmups` echo prompts then `runs` floods of `tokens` in one pi process. */
export async function piAlone(opts: {
  baseUrl: string;
  apiKey: string;
  tokens: number;
  runs: number;
}): Promise<FloodRun[]> {
  const root = mkdtempSync(join(tmpdir(), "octo-bench-pi-"));
  const agentDir = join(root, "agent");
  await writePiAgentDir(agentDir, {
    fx: { baseUrl: opts.baseUrl, api: "openai-completions", apiKey: opts.apiKey, models: [{ id: "fake-1" }] },
  });
  const proc = Bun.spawn(
    [process.execPath, PI_CLI, "--mode", "rpc", "--provider", "fx", "--model", "fake-1"],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: root,
        PI_CODING_AGENT_DIR: agentDir,
        PI_OFFLINE: "1",
        PI_TELEMETRY: "0",
      },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "ignore",
    },
  );
  let deltas = 0;
  let firstDelta = 0;
  let lastDelta = 0;
  let bytes = 0;
  let onEnd: (() => void) | null = null;
  let onResponse: (() => void) | null = null;
  const reading = (async () => {
    const head = new Uint8Array(HEAD);
    let n = 0;
    let classified = false;
    const classify = (t: number) => {
      classified = true;
      if (startsWith(head, n, TEXT_DELTA)) {
        deltas++;
        if (firstDelta === 0) firstDelta = t;
        lastDelta = t;
      } else if (startsWith(head, n, AGENT_END)) onEnd?.();
      else if (startsWith(head, n, RESPONSE)) onResponse?.();
    };
    for await (const chunk of proc.stdout) {
      const t = wallClock();
      bytes += chunk.length;
      let pos = 0;
      while (pos < chunk.length) {
        const nl = chunk.indexOf(10, pos);
        const end = nl === -1 ? chunk.length : nl;
        for (let i = pos; i < end && n < HEAD; i++) head[n++] = chunk[i] as number;
        if (!classified && (n === HEAD || nl !== -1)) classify(t);
        if (nl === -1) break;
        n = 0;
        classified = false;
        pos = nl + 1;
      }
    }
  })();
  const send = (cmd: object) => {
    proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    proc.stdin.flush();
  };
  const prompt = async (message: string) => {
    const ended = new Promise<void>((resolve) => {
      onEnd = resolve;
    });
    send({ type: "prompt", message });
    await ended;
  };
  try {
    await new Promise<void>((resolve) => {
      onResponse = resolve;
      // No id: pi then starts the line with `{"type":"response"`, which is all the reader looks at.
      send({ type: "get_state" });
    });
    await prompt("hello");
    const out: FloodRun[] = [];
    for (let r = 0; r < opts.runs; r++) {
      deltas = 0;
      firstDelta = 0;
      bytes = 0;
      const t0 = wallClock();
      await prompt(`flood ${opts.tokens}`);
      const t1 = wallClock();
      out.push({
        firstMs: firstDelta - t0,
        streamMs: lastDelta - firstDelta,
        totalMs: t1 - t0,
        deltas,
        stdoutBytes: bytes,
      });
    }
    return out;
  } finally {
    proc.kill();
    await proc.exited;
    await reading.catch(() => {});
    rmSync(root, { recursive: true, force: true });
  }
}
