// Budgets in the LLM gateway's proxy (decision 0023), with the real database and the scripted
// provider: calls over a limit never reach the provider, concurrent calls overspend by at most one
// reservation, requests per minute are limited with Retry-After, and unknown prices are handled.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { estimateCost, monthKey } from "../../src/llm/budget.ts";
import { type BudgetReached, budgetEventFeed, createBudgetEvents } from "../../src/llm/budget-events.ts";
import { reservationsRepo, userLimitsRepo } from "../../src/storage/budgets.ts";
import { llmUsageRepo } from "../../src/storage/llm.ts";
import { type LlmFixture, startLlmFixture } from "../fixtures/llm/server.ts";
import { type LlmTestbed, openAiBody, startTestbed } from "../llm/setup.ts";
import { waitUntil } from "../runner/harness.ts";

const KEY = "sk-budget-test-key-0123456789";
let fixture: LlmFixture;
let bed: LlmTestbed;
const reached: BudgetReached[] = [];

beforeAll(async () => {
  fixture = await startLlmFixture({ apiKeys: [KEY] });
  const events = createBudgetEvents();
  events.on((e) => reached.push(e));
  bed = await startTestbed({
    env: { FX_KEY: KEY },
    budgetEvents: events,
    providersToml: `
[llm.limits]
user_monthly_usd = 0
session_usd = 0
user_rpm = 0

[[llm.providers]]
name = "fx"
kind = "openai"
base_url = "${fixture.openaiBaseUrl}"
api_key_env = "FX_KEY"
models = [{ id = "priced", input_price = 0.0, output_price = 10.0 }, { id = "unpriced" }]
`,
  });
});

afterAll(async () => {
  await bed?.close();
  await fixture?.stop();
});

beforeEach(() => {
  fixture.reset();
  bed.db.exec(
    "DELETE FROM llm_usage; DELETE FROM llm_reservations; DELETE FROM llm_user_limits; DELETE FROM llm_spend; DELETE FROM llm_session_spend; DELETE FROM llm_budget_events",
  );
});

const newToken = () =>
  bed.service.tokens.issue({
    userId: bed.alice,
    projectId: "prj_b1",
    sessionId: `ses_${crypto.randomUUID()}`,
  });
const sessionOf = (t: string) => bed.service.tokens.verify(t)?.sessionId as string;

/** 1000 output tokens at $10 per 1M: $0.01 reserved and $0.01 spent per call. */
const chat = (token: string, model = "priced") =>
  bed.call("/p/fx/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: openAiBody(model, { max_tokens: 1000 }),
  });

function limit(
  userId: string,
  values: { user_monthly_usd?: number; session_usd?: number; user_rpm?: number },
) {
  userLimitsRepo(bed.db).put({
    user_id: userId,
    user_monthly_usd: values.user_monthly_usd ?? null,
    session_usd: values.session_usd ?? null,
    user_rpm: values.user_rpm ?? null,
    updated_at: Date.now(),
    updated_by: null,
  });
}

const spentThisMonth = () => reservationsRepo(bed.db).userSpent(bed.alice, monthKey(Date.now()));
const chatRequests = () => fixture.requests.filter((r) => r.kind === "chat").length;
const errorOf = async (r: Response) =>
  ((await r.json()) as { error: { code: string; message: string } }).error;

describe("monthly budget", () => {
  test("N concurrent calls near the limit: total spend ≤ limit + one reservation; refused ones never reach the provider", async () => {
    limit(bed.alice, { user_monthly_usd: 0.1 });
    // What the server's notifications would listen to: the events the gateway recorded.
    const feed = budgetEventFeed(bed.db, { intervalMs: 60_000 });
    const fed: BudgetReached[] = [];
    feed.on((e) => fed.push(e));
    const token = newToken();
    const reservation = estimateCost(
      {
        id: "priced",
        context_window: 128000,
        max_tokens: 16384,
        reasoning: false,
        images: false,
        input_price: 0,
        output_price: 10,
      },
      { bodyBytes: 0, maxTokens: 1000 },
    ) as number;
    expect(reservation).toBeCloseTo(0.01, 9);

    // Every admitted stream is held open until all calls have been answered, so reservations overlap.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    fixture.script(() => [{ text: "ok" }, { until: gate }, { usage: { input: 100, output: 1000 } }]);
    const N = 25;
    const responses = await Promise.all(Array.from({ length: N }, () => chat(token)));
    const admitted = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(admitted.length).toBeGreaterThanOrEqual(10);
    expect(admitted.length).toBeLessThanOrEqual(11);
    for (const r of refused) {
      expect(r.status).toBe(402);
      expect((await errorOf(r)).code).toBe("budget_exceeded");
    }
    release();
    await Promise.all(admitted.map((r) => r.text()));
    await waitUntil(
      "every admitted call settled",
      () => llmUsageRepo(bed.db).sumByModel({ user_id: bed.alice })[0]?.requests === admitted.length,
    );
    // The provider saw exactly the admitted calls.
    expect(chatRequests()).toBe(admitted.length);
    expect(spentThisMonth().cost).toBeLessThanOrEqual(0.1 + reservation + 1e-9);
    expect(reservationsRepo(bed.db).userReserved(bed.alice, Date.now())).toBe(0);

    // Over the limit now: the next call is refused and never reaches the provider.
    const before = chatRequests();
    const over = await chat(newToken());
    expect(over.status).toBe(402);
    const error = await errorOf(over);
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toContain("An admin can raise it");
    // pi retries errors whose text matches its retry list; this one must end the turn.
    expect(error.message).not.toMatch(/rate.?limit|429|500|502|503|504|overloaded|timeout|terminated/i);
    expect(chatRequests()).toBe(before);
    const monthly = reached.filter((e) => e.user_id === bed.alice && e.scope === "monthly");
    expect(monthly).toHaveLength(1);
    expect(monthly[0]?.limit_usd).toBe(0.1);
    // Recorded once in the database however many calls were refused; the server's feed passes it on.
    feed.poll();
    expect(fed.map((e) => [e.type, e.user_id, e.scope, e.period])).toEqual([
      ["budget.reached", bed.alice, "monthly", new Date().toISOString().slice(0, 7)],
    ]);
    feed.poll();
    expect(fed).toHaveLength(1);
    feed.stop();
  });

  test("an override of 0 lifts the limit", async () => {
    limit(bed.alice, { user_monthly_usd: 0.005 });
    fixture.enqueue([{ text: "hi" }, { usage: { input: 10, output: 1000 } }]);
    const first = await chat(newToken());
    expect(first.status).toBe(200);
    await first.text();
    expect((await chat(newToken())).status).toBe(402);
    limit(bed.alice, { user_monthly_usd: 0 });
    const lifted = await chat(newToken());
    expect(lifted.status).toBe(200);
    await lifted.text();
  });
});

describe("conversation budget", () => {
  test("one conversation over its budget is refused; a new conversation may still call", async () => {
    limit(bed.alice, { session_usd: 0.015 });
    const token = newToken();
    for (let i = 0; i < 2; i++) {
      fixture.enqueue([{ text: "hi" }, { usage: { input: 10, output: 1000 } }]);
      const r = await chat(token);
      expect(r.status).toBe(200);
      await r.text();
    }
    const before = chatRequests();
    const refused = await chat(token);
    expect(refused.status).toBe(402);
    expect((await errorOf(refused)).message).toContain("conversation");
    expect(chatRequests()).toBe(before);
    expect(reached.some((e) => e.scope === "session" && e.session_id === sessionOf(token))).toBe(true);
    const fresh = await chat(newToken());
    expect(fresh.status).toBe(200);
    await fresh.text();
  });

  test("a stream cut before its usage was reported is charged at its reservation, not at zero", async () => {
    limit(bed.alice, { user_monthly_usd: 5 });
    const token = newToken();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    fixture.enqueue([
      { text: "partial", chunks: 1 },
      { until: held },
      { usage: { input: 10, output: 1000 } },
    ]);
    const r = await chat(token);
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    const session = sessionOf(token);
    // The provider is still holding its stream: what was used is unknown, so the worst case is charged.
    await waitUntil("the cut call settled", () => reservationsRepo(bed.db).sessionSpent(session).cost > 0);
    release();
    expect(reservationsRepo(bed.db).sessionSpent(session).cost).toBeCloseTo(0.01, 9);
    expect(reservationsRepo(bed.db).sessionReserved(session, Date.now())).toBe(0);
  });

  test("a call the provider cannot take gives its reservation back", async () => {
    limit(bed.alice, { session_usd: 0.005 });
    const token = newToken();
    fixture.enqueue([{ dropConnection: true }]);
    const dropped = await chat(token);
    expect(dropped.status).toBe(502);
    expect(reservationsRepo(bed.db).sessionReserved(sessionOf(token), Date.now())).toBe(0);
    const again = await chat(token);
    expect(again.status).toBe(200);
    await again.text();
  });
});

describe("requests per minute", () => {
  test("over user_rpm: 429 rate_limited with Retry-After, and the provider is not called", async () => {
    limit(bed.alice, { user_rpm: 3 });
    for (let i = 0; i < 3; i++) {
      const r = await chat(newToken());
      expect(r.status).toBe(200);
      await r.text();
    }
    const before = chatRequests();
    const limited = await chat(newToken());
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(chatRequests()).toBe(before);
  });
});

describe("unknown prices", () => {
  test("with a spending limit, a model without a price is refused with price_unknown before the provider", async () => {
    limit(bed.alice, { user_monthly_usd: 5 });
    const r = await chat(newToken(), "unpriced");
    expect(r.status).toBe(402);
    const error = await errorOf(r);
    expect(error.code).toBe("price_unknown");
    expect(error.message).toContain("Admin → Models");
    expect(chatRequests()).toBe(0);
  });

  test("without a spending limit it is served and recorded as unknown, not as zero", async () => {
    const r = await chat(newToken(), "unpriced");
    expect(r.status).toBe(200);
    await r.text();
    await waitUntil("the call settled", () => spentThisMonth().unknown === 1);
    expect(spentThisMonth().cost).toBe(0);
    const row = bed.db.query<{ cost_known: number }, []>("SELECT cost_known FROM llm_usage").get();
    expect(row?.cost_known).toBe(0);
  });
});
