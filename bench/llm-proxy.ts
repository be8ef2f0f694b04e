#!/usr/bin/env bun
/**
 * What the LLM proxy adds on the way from provider to pi, against the scripted fixture:
 *   - time to first byte: direct to the fixture vs through the proxy's unix socket;
 *   - per-chunk latency: a ping-pong where each chunk is released only after the previous one
 *     arrived, so every sample is one chunk's full trip (direct vs proxied);
 *   - flood throughput: a 10k-delta stream, direct vs proxied.
 * Run: `bun bench/llm-proxy.ts [rounds]`. Prints numbers; asserts nothing.
 */

import { rmSync } from "node:fs";
import { startLlmFixture } from "../test/fixtures/llm/server.ts";
import { openAiBody, startTestbed } from "../test/llm/setup.ts";

const ROUNDS = Number(process.argv[2] ?? 300);
const CHUNKS = 200;
const KEY = "sk-bench-key";

const fixture = await startLlmFixture({ apiKeys: [KEY], models: ["gpt-x"] });
const bed = await startTestbed({
  env: { BENCH_KEY: KEY },
  providersToml: `
[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${fixture.openaiBaseUrl}"
api_key_env = "BENCH_KEY"
models = [{ id = "gpt-x", input_price = 1.0, output_price = 2.0 }]
`,
});
// The proxy logs every call; keep the bench's memory flat.
bed.logs.length = 0;
const token = bed.service.tokens.issue({ userId: bed.alice, projectId: "prj_bench", sessionId: "ses_bench" });

type Target = "direct" | "proxy";
const post = (target: Target) =>
  target === "direct"
    ? fetch(`${fixture.openaiBaseUrl}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: openAiBody("gpt-x"),
      })
    : bed.call("/p/fx/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: openAiBody("gpt-x"),
      });

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};
const ms = (x: number) => `${x.toFixed(3)} ms`;

async function ttfb(target: Target, rounds: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    fixture.enqueue([{ text: "hi", chunks: 1 }]);
    const t0 = Bun.nanoseconds();
    const response = await post(target);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    samples.push((Bun.nanoseconds() - t0) / 1e6);
    while (!(await reader.read()).done) {}
    bed.logs.length = 0;
  }
  return samples;
}

async function pingPong(target: Target): Promise<number[]> {
  const gates = Array.from({ length: CHUNKS }, () => Promise.withResolvers<void>());
  fixture.enqueue(gates.flatMap((g, i) => [{ until: g.promise }, { text: `c${i} `, chunks: 1 }]));
  const response = await post(target);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  await reader.read(); // the role chunk, sent before the first gate
  const samples: number[] = [];
  for (let i = 0; i < CHUNKS; i++) {
    const t0 = Bun.nanoseconds();
    gates[i]?.resolve();
    let seen = "";
    while (!seen.includes(`c${i} `)) {
      const next = await reader.read();
      if (next.done) throw new Error("stream ended early");
      seen += decoder.decode(next.value, { stream: true });
    }
    samples.push((Bun.nanoseconds() - t0) / 1e6);
  }
  while (!(await reader.read()).done) {}
  bed.logs.length = 0;
  return samples;
}

async function flood(target: Target): Promise<{ ms: number; bytes: number }> {
  fixture.enqueue([{ tokens: 10_000 }]);
  const t0 = Bun.nanoseconds();
  const response = await post(target);
  const bytes = (await response.arrayBuffer()).byteLength;
  bed.logs.length = 0;
  return { ms: (Bun.nanoseconds() - t0) / 1e6, bytes };
}

// Warm both paths (JIT, connection set-up, SQLite statement caches).
for (const target of ["direct", "proxy"] as const) {
  await ttfb(target, 50);
  await pingPong(target);
  fixture.reset();
}

console.log(`LLM proxy bench: ${ROUNDS} requests per target, ${CHUNKS}-chunk ping-pong, 10k-delta flood`);
const firstByte: Record<Target, number[]> = { direct: [], proxy: [] };
const perChunk: Record<Target, number[]> = { direct: [], proxy: [] };
for (const target of ["direct", "proxy"] as const) firstByte[target] = await ttfb(target, ROUNDS);
for (let round = 0; round < 3; round++) {
  for (const target of ["direct", "proxy"] as const) perChunk[target].push(...(await pingPong(target)));
}
const results = { ttfb: firstByte, chunk: perChunk };
for (const [name, r] of Object.entries(results)) {
  const d50 = pct(r.direct, 50);
  const p50 = pct(r.proxy, 50);
  const d99 = pct(r.direct, 99);
  const p99 = pct(r.proxy, 99);
  console.log(
    `${name.padEnd(6)} direct p50 ${ms(d50)} p99 ${ms(d99)} | proxy p50 ${ms(p50)} p99 ${ms(p99)} | added p50 ${ms(p50 - d50)} p99 ${ms(p99 - d99)}`,
  );
}
for (const target of ["direct", "proxy"] as const) {
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await flood(target));
  const best = runs.sort((a, b) => a.ms - b.ms)[2] as { ms: number; bytes: number };
  console.log(
    `flood  ${target.padEnd(6)} median ${ms(best.ms)} for ${(best.bytes / 1e6).toFixed(2)} MB (${(10_000 / (best.ms / 1000) / 1000).toFixed(0)}k deltas/s)`,
  );
}

await bed.close();
await fixture.stop();
rmSync(bed.dir, { recursive: true, force: true });
