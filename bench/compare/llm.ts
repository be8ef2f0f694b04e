/**
 * The scripted LLM for bench/compare.ts, in its own process, shared by octo and opencode (both
 * speak to it as an OpenAI-compatible provider). Prints one line
 * `READY {"openaiBaseUrl":…,"stampsUrl":…}` and runs until SIGTERM.
 *
 * Replies, chosen by the last user message (the same words as bench/stream/llm.ts, plus `stamp`):
 *  - `flood N [TAG]`: N deltas of `TAG ` (default `tok `) as fast as the fixture can write them;
 *  - `slow N every MS [TAG]`: N deltas of `TAG `, MS apart;
 *  - `stamp N every MS TAG`: N deltas `TAG_0 `, `TAG_1 `, …, MS apart; the wall-clock time at which
 *    each was released to the writer is kept and served as JSON at `${stampsUrl}/TAG`, so a client
 *    can tell how long each token took from the LLM to it, whatever sits in between;
 *  - anything else: the fixture's echo.
 */
import { wallClock } from "../../runner/trace.ts";
import type { ScriptFn, Step } from "../../test/fixtures/llm/script.ts";
import { startLlmFixture } from "../../test/fixtures/llm/server.ts";

const stamps = new Map<string, number[]>();

/** Steps releasing `n` numbered tokens `every` ms apart, noting when each was released. */
function stamped(n: number, every: number, tag: string): Step[] {
  const times: number[] = [];
  stamps.set(tag, times);
  const steps: Step[] = [];
  const start = performance.now();
  let previous: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < n; i++) {
    const due = start + (i + 1) * every;
    // Chained, so a late timer delays the rest rather than releasing tokens out of order.
    const gate = previous.then(
      () =>
        new Promise<void>((resolve) =>
          setTimeout(
            () => {
              times[i] = wallClock();
              resolve();
            },
            Math.max(0, due - performance.now()),
          ),
        ),
    );
    previous = gate;
    steps.push({ until: gate }, { text: `${tag}_${i} `, chunks: 1 });
  }
  return steps;
}

const script: ScriptFn = (request) => {
  const text = request.lastUserText;
  const stamp = text.match(/\bstamp (\d+) every (\d+) (\w+)/);
  if (stamp) return stamped(Number(stamp[1]), Number(stamp[2]), stamp[3] as string);
  const slow = text.match(/\bslow (\d+) every (\d+)(?: (\w+))?/);
  if (slow) return [{ tokens: Number(slow[1]), delayMs: Number(slow[2]), token: `${slow[3] ?? "tok"} ` }];
  const flood = text.match(/\bflood (\d+)(?: (\w+))?/);
  if (flood) return [{ tokens: Number(flood[1]), token: `${flood[2] ?? "tok"} ` }];
  return undefined;
};

const keys = process.env.BENCH_LLM_KEY ? [process.env.BENCH_LLM_KEY] : undefined;
const fx = await startLlmFixture({ script, ...(keys ? { apiKeys: keys } : {}) });
// The fixture records every request; a long benchmark does not need them.
setInterval(() => fx.requests.splice(0), 5000).unref();
const side = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    const tag = new URL(req.url).pathname.split("/").at(-1) ?? "";
    return Response.json(stamps.get(tag) ?? null);
  },
});
console.log(
  `READY ${JSON.stringify({ openaiBaseUrl: fx.openaiBaseUrl, stampsUrl: `http://127.0.0.1:${side.port}/stamps` })}`,
);
process.on("SIGTERM", async () => {
  side.stop(true);
  await fx.stop();
  process.exit(0);
});
