/**
 * The scripted LLM fixture in its own process for bench/stream.ts, so its work (10k SSE chunks per
 * flood) does not share an event loop with the server or the measuring client. Prints one line
 * `READY {"url":…,"openaiBaseUrl":…}` and runs until SIGTERM.
 *
 * Replies, chosen by the last user message:
 *  - `flood N [TAG]`: N deltas of `TAG ` (default `tok `) as fast as the fixture can write them;
 *  - `slow N every MS [TAG]`: N deltas of `TAG `, MS apart (40 ms = 25 tokens/s);
 *  - anything else: the fixture's echo.
 */
import type { ScriptFn } from "../../test/fixtures/llm/script.ts";
import { startLlmFixture } from "../../test/fixtures/llm/server.ts";

const script: ScriptFn = (request) => {
  const text = request.lastUserText;
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
console.log(`READY ${JSON.stringify({ url: fx.url, openaiBaseUrl: fx.openaiBaseUrl })}`);
process.on("SIGTERM", async () => {
  await fx.stop();
  process.exit(0);
});
