/**
 * Translator throughput over a recorded 10k-token flood from the real pi.
 *
 *   bun bench/pi-translate.ts [--tokens 10000] [--token x] [--rerecord]
 *
 * PI-RPC.md measured 1-char tokens (108 MB of stdout for 10k); `--token "tok "` makes it ~4x larger.
 *
 * Records pi's raw stdout for one flood answer (scripted LLM fixture) into bench/results/, then
 * replays it in 64 KiB chunks through: (a) a baseline splitter + JSON.parse of every line, and
 * (b) our PiLineReader (byte-level fast path) + PiTranslator + mux encoding. Prints numbers.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PiLineReader } from "../runner/pi/framing.ts";
import { PiTranslator } from "../runner/pi/translate.ts";
import { newId } from "../src/protocol/ids.ts";
import { encodeAgentEvent } from "../src/protocol/mux.ts";
import { startLlmFixture } from "../test/fixtures/llm/server.ts";
import { writePiAgentDir } from "../test/fixtures/pi.ts";

const arg = (name: string) => process.argv.indexOf(name);
const TOKENS = arg("--tokens") > 0 ? Number(process.argv[arg("--tokens") + 1]) : 10_000;
const TOKEN = arg("--token") > 0 ? (process.argv[arg("--token") + 1] as string) : "x";
const RESULTS = join(import.meta.dir, "results");
const RECORDING = join(RESULTS, `pi-flood-${TOKENS}-${encodeURIComponent(TOKEN)}.jsonl`);
const PI_CLI = join(import.meta.dir, "../node_modules/@mariozechner/pi-coding-agent/dist/cli.js");
const CHUNK = 64 * 1024;

async function record(): Promise<Uint8Array> {
  const fx = await startLlmFixture();
  const root = await mkdtemp(join(tmpdir(), "octo-bench-pi-"));
  try {
    const agentDir = join(root, "agent");
    await writePiAgentDir(agentDir, {
      fx: { baseUrl: fx.openaiBaseUrl, api: "openai-completions", apiKey: "k", models: [{ id: "fake-1" }] },
    });
    const proc = Bun.spawn(
      [process.execPath, PI_CLI, "--mode", "rpc", "--provider", "fx", "--model", "fake-1", "--no-session"],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? "/usr/bin",
          HOME: root,
          PI_CODING_AGENT_DIR: agentDir,
          PI_OFFLINE: "1",
        },
        stdin: "pipe",
        stdout: "pipe",
        stderr: "ignore",
      },
    );
    fx.enqueue([{ tokens: TOKENS, token: TOKEN }]);
    proc.stdin.write(`${JSON.stringify({ id: "1", type: "prompt", message: "flood" })}\n`);
    proc.stdin.flush();
    const t0 = performance.now();
    const chunks: Uint8Array[] = [];
    // agent_end carries the whole answer, so look for its start, then use a get_state response as
    // the end marker (pi writes it after everything already emitted).
    let carry = "";
    let ended = false;
    for await (const c of proc.stdout) {
      chunks.push(c);
      const text = carry + Buffer.from(c).toString("latin1");
      if (!ended && text.includes('{"type":"agent_end"')) {
        ended = true;
        proc.stdin.write(`${JSON.stringify({ id: "bench-end", type: "get_state" })}\n`);
        proc.stdin.flush();
      }
      if (ended && text.includes('"id":"bench-end"') && text.endsWith("\n")) break;
      carry = text.slice(-64);
    }
    console.log(
      `recorded: pi answered the ${TOKENS}-token flood in ${(performance.now() - t0).toFixed(0)} ms (prompt → agent_end)`,
    );
    proc.kill();
    await proc.exited;
    const bytes = Buffer.concat(chunks);
    const end = bytes.lastIndexOf(0x0a);
    return bytes.subarray(0, end + 1);
  } finally {
    await fx.stop();
    await rm(root, { recursive: true, force: true });
  }
}

async function recording(): Promise<Uint8Array> {
  const file = Bun.file(RECORDING);
  if (arg("--rerecord") < 0 && (await file.exists())) return new Uint8Array(await file.arrayBuffer());
  await mkdir(RESULTS, { recursive: true });
  const bytes = await record();
  await Bun.write(RECORDING, bytes);
  return bytes;
}

function chunksOf(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

/** What a straightforward client does: decode everything, split on \n, JSON.parse each line. */
function baseline(chunks: Uint8Array[]) {
  const decoder = new TextDecoder();
  let lines = 0;
  let buffer = "";
  for (const c of chunks) {
    buffer += decoder.decode(c, { stream: true });
    let nl = buffer.indexOf("\n");
    let start = 0;
    while (nl !== -1) {
      JSON.parse(buffer.slice(start, nl));
      lines++;
      start = nl + 1;
      nl = buffer.indexOf("\n", start);
    }
    buffer = buffer.slice(start);
  }
  return { lines };
}

function ours(chunks: Uint8Array[]) {
  const ses = newId("ses");
  let lines = 0;
  let events = 0;
  let deltas = 0;
  let wireBytes = 0;
  let seq = 0;
  const t = new PiTranslator((e) => {
    events++;
    if (e.event === "stream.text_delta") deltas++;
    wireBytes += encodeAgentEvent(ses, ++seq, 1_795_000_000_000, e).length;
  });
  const s = new PiLineReader((l) => {
    lines++;
    t.feed(l);
  });
  for (const c of chunks) s.push(c);
  t.settle();
  return { lines, events, deltas, wireBytes };
}

function time<T>(fn: () => T, reps: number): { result: T; ms: number[] } {
  const ms: number[] = [];
  let result!: T;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    result = fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { result, ms };
}

const bytes = await recording();
const chunks = chunksOf(bytes);
const REPS = 5;
const base = time(() => baseline(chunks), REPS);
const fast = time(() => ours(chunks), REPS);
const med = (ms: number[]) => ms[Math.floor(ms.length / 2)] as number;
const r = fast.result;
const mb = bytes.length / 1e6;

console.log(
  `pi stdout for a ${TOKENS}-token flood: ${mb.toFixed(1)} MB, ${r.lines} lines, ${r.deltas} text deltas`,
);
console.log(
  `baseline (split + JSON.parse every line): median ${med(base.ms).toFixed(0)} ms → ${((base.result.lines / med(base.ms)) * 1000).toFixed(0)} lines/s, ${(mb / (med(base.ms) / 1000)).toFixed(0)} MB/s`,
);
console.log(
  `octo (byte-level reader + fast path + translate + encode): median ${med(fast.ms).toFixed(0)} ms (min ${fast.ms[0]?.toFixed(0)}) → ${((r.lines / med(fast.ms)) * 1000).toFixed(0)} pi events/s, ${((r.deltas / med(fast.ms)) * 1000).toFixed(0)} tokens/s, ${(mb / (med(fast.ms) / 1000)).toFixed(0)} MB/s`,
);
console.log(
  `bytes per token: in ${(bytes.length / r.deltas).toFixed(0)} B (pi stdout) → out ${(r.wireBytes / r.deltas).toFixed(0)} B (canonical events with mux envelope, all ${r.events} events)`,
);
