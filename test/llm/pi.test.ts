// The real pi, configured only by octo's generated models.json, talks to the LLM proxy through a
// relay to the user's unix socket: answers stream, usage is billed, and the real key is nowhere
// pi can see it (its environment, its agent dir, the requests it sent).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LLM_TOKEN_ENV } from "../../src/llm/pi-config.ts";
import { llmUsageRepo } from "../../src/storage/llm.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { FAST_RETRY_SETTINGS, type Pi, startPi } from "../fixtures/pi.ts";
import { type Relay, startRelay } from "./relay.ts";
import { type LlmTestbed, startTestbed } from "./setup.ts";

const TIMEOUT_MS = 60_000;
const OPENAI_KEY = `sk-real-openai-${crypto.randomUUID()}`;
const ANTHROPIC_KEY = `sk-ant-real-${crypto.randomUUID()}`;

let fixture: LlmFixture;
let bed: LlmTestbed;
let relay: Relay;
const running: Pi[] = [];

beforeAll(async () => {
  fixture = await startLlmFixture({ apiKeys: [OPENAI_KEY, ANTHROPIC_KEY] });
  bed = await startTestbed({
    env: { FX_OPENAI: OPENAI_KEY, FX_ANTHROPIC: ANTHROPIC_KEY },
    providersToml: `
[[llm.providers]]
name = "fxo"
kind = "openai"
base_url = "${fixture.openaiBaseUrl}"
api_key_env = "FX_OPENAI"
models = [{ id = "gpt-x", context_window = 100000, max_tokens = 4096, input_price = 2.0, output_price = 8.0 }]

[[llm.providers]]
name = "fxa"
kind = "anthropic"
base_url = "${fixture.url}"
api_key_env = "FX_ANTHROPIC"
models = [{ id = "claude-x", reasoning = true, images = true, input_price = 3.0, output_price = 15.0 }]

# Named like one of pi's built-in providers: pi merges its own models in, ours must still win.
[[llm.providers]]
name = "openai"
kind = "openai"
base_url = "${fixture.openaiBaseUrl}"
api_key_env = "FX_OPENAI"
models = [{ id = "gpt-o", input_price = 1.0, output_price = 1.0 }]
`,
  });
  relay = startRelay(bed.socketPath);
}, TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(running.map((pi) => pi.kill()));
  relay?.stop();
  await bed?.close();
  await fixture?.stop();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Environments of live processes started with this agent dir (pi, and any child it runs). */
function environmentsOf(agentDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, "utf8");
      if (env.includes(`PI_CODING_AGENT_DIR=${agentDir}`)) found.push(env);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

async function runSession(model: string, reply: string) {
  const sessionId = `ses_pi_${model.replace("/", "_")}`;
  const token = bed.service.tokens.issue({ userId: bed.alice, projectId: "prj_pi", sessionId });
  const agentDir = join(bed.dir, sessionId, "agent");
  const cwd = join(bed.dir, sessionId, "workspace");
  await mkdir(agentDir, { recursive: true });
  await mkdir(cwd, { recursive: true });
  await writeFile(join(agentDir, "models.json"), JSON.stringify(bed.service.piModels({ llmUrl: relay.url })));
  await writeFile(join(agentDir, "settings.json"), JSON.stringify(FAST_RETRY_SETTINGS));
  const [provider, modelId] = model.split("/") as [string, string];
  const lane = fixture.lane({ model: modelId });
  lane.enqueue([{ text: reply, chunks: 4 }, { usage: { input: 2000, output: 40 } }]);
  const pi = startPi({ agentDir, cwd, provider, model: modelId, env: bed.service.piEnv(token) });
  running.push(pi);
  const state = await pi.request({ type: "get_state" }, 30_000);
  expect(state.success).toBe(true);

  const from = pi.events.length;
  expect((await pi.request({ type: "prompt", message: "hello through octo" })).success).toBe(true);
  const end = await pi.waitFor((l) => l.type === "agent_end", 30_000, from);
  const deltas = pi.events
    .slice(from)
    .filter(
      (l) =>
        l.type === "message_update" && (l.assistantMessageEvent as { type: string }).type === "text_delta",
    )
    .map((l) => (l.assistantMessageEvent as { delta: string }).delta);
  return { pi, token, agentDir, sessionId, deltas, end };
}

describe.each([
  ["fxo/gpt-x", OPENAI_KEY, 2000 * 2 + 40 * 8],
  ["fxa/claude-x", ANTHROPIC_KEY, 2000 * 3 + 40 * 15],
  ["openai/gpt-o", OPENAI_KEY, 2000 * 1 + 40 * 1],
] as const)("real pi via %s", (model, realKey, microDollars) => {
  test(
    "streams the answer; the provider got the real key, pi never had it",
    async () => {
      const { token, agentDir, sessionId, deltas, end } = await runSession(
        model,
        `Answer from ${model} via the proxy`,
      );
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join("")).toBe(`Answer from ${model} via the proxy`);
      expect(JSON.stringify(end)).not.toContain('"stopReason":"error"');

      const sent = fixture.requests.filter((r) => r.model === model.split("/")[1] && r.method === "POST");
      expect(sent.length).toBeGreaterThan(0);
      for (const request of sent) expect(request.apiKey).toBe(realKey);
      fixture.assertNoSecret(token);

      const envs = environmentsOf(agentDir);
      expect(envs.length).toBeGreaterThan(0);
      for (const env of envs) {
        expect(env).not.toContain(realKey);
        expect(env).toContain(`${LLM_TOKEN_ENV}=${token}`);
      }
      const files = filesUnder(agentDir);
      expect(files.map((f) => f.slice(agentDir.length))).toContain("/models.json");
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        expect(text).not.toContain(realKey);
        expect(text).not.toContain(token);
      }

      const [row] = llmUsageRepo(bed.db).sumByModel({ session_id: sessionId });
      expect(row).toMatchObject({ model, requests: 1, input_tokens: 2000, output_tokens: 40 });
      expect(row?.cost).toBeCloseTo(microDollars / 1e6, 12);
    },
    TIMEOUT_MS,
  );
});
