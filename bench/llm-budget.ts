#!/usr/bin/env bun
/**
 * What budgets add to a model call in the LLM gateway's proxy (decision 0023): time to first byte
 * through the proxy with budgets off (no limit applies: one indexed read) and on (monthly,
 * conversation and per-minute limits: a write-locked check and a reservation before the call, the
 * settlement after), interleaved so machine load hits both alike. Then the same with the user's
 * month already holding many usage rows, since the monthly check sums them.
 * Run: `bun bench/llm-budget.ts [rounds]`. Prints numbers; asserts nothing.
 */

import { rmSync } from "node:fs";
import { userLimitsRepo } from "../src/storage/budgets.ts";
import { llmUsageRepo } from "../src/storage/llm.ts";
import { startLlmFixture } from "../test/fixtures/llm/server.ts";
import { openAiBody, startTestbed } from "../test/llm/setup.ts";

const ROUNDS = Number(process.argv[2] ?? 400);
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
bed.logs.length = 0;
const token = bed.service.tokens.issue({ userId: bed.alice, projectId: "prj_bench", sessionId: "ses_bench" });

const limits = (on: boolean) =>
  userLimitsRepo(bed.db).put({
    user_id: bed.alice,
    // High enough never to refuse: every check runs, none says no.
    user_monthly_usd: on ? 1_000_000 : 0,
    session_usd: on ? 1_000_000 : 0,
    user_rpm: on ? 1_000_000 : 0,
    updated_at: Date.now(),
    updated_by: null,
  });

const post = () =>
  bed.call("/p/fx/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: openAiBody("gpt-x", { max_tokens: 1000 }),
  });

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};
const ms = (x: number) => `${x.toFixed(3)} ms`;

async function once(): Promise<number> {
  fixture.enqueue([{ text: "hi", chunks: 1 }]);
  const t0 = Bun.nanoseconds();
  const response = await post();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  const took = (Bun.nanoseconds() - t0) / 1e6;
  while (!(await reader.read()).done) {}
  bed.logs.length = 0;
  return took;
}

async function compare(label: string, rounds: number) {
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < rounds; i++) {
    limits(false);
    off.push(await once());
    limits(true);
    on.push(await once());
  }
  const [o50, n50, o99, n99] = [pct(off, 50), pct(on, 50), pct(off, 99), pct(on, 99)];
  console.log(
    `${label.padEnd(22)} off p50 ${ms(o50)} p99 ${ms(o99)} | on p50 ${ms(n50)} p99 ${ms(n99)} | added p50 ${ms(n50 - o50)} p99 ${ms(n99 - o99)}`,
  );
}

function seed(rows: number) {
  const usage = llmUsageRepo(bed.db);
  const now = Date.now();
  bed.db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      usage.insert({
        ts: now - 120_000 - i,
        user_id: bed.alice,
        project_id: "prj_bench",
        session_id: `ses_seed${i % 500}`,
        provider: "fx",
        model: "gpt-x",
        status: 200,
        input_tokens: 1000,
        output_tokens: 100,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cost: 0.0012,
        duration_ms: 100,
      });
    }
  })();
}

await compare("warm-up", 50);
console.log(
  `LLM budget bench: ${ROUNDS} requests per side, interleaved, time to first byte through the proxy`,
);
await compare("empty month", ROUNDS);
seed(10_000);
await compare("10k calls this month", ROUNDS);
seed(40_000);
await compare("50k calls this month", ROUNDS);

await bed.close();
await fixture.stop();
rmSync(bed.dir, { recursive: true, force: true });
