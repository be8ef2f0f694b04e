import { describe, expect, test } from "bun:test";
import { cleanError, explainFailure } from "./chat-errors.ts";

describe("explainFailure", () => {
  test("octo's own limits: budget reached says who can raise it; unknown price and rate limit read apart", () => {
    const monthly = explainFailure(
      "402 octo LLM proxy: budget_exceeded: budget reached. This account's monthly model budget is used up. An admin can raise it in Admin → Usage.",
    );
    expect(monthly).toMatchObject({
      cause: "budget",
      summary: "Budget reached: your monthly model budget is used up.",
    });
    expect(monthly.advice).toContain("admin can raise");
    const session = explainFailure(
      "402 octo LLM proxy: budget_exceeded: budget reached. This conversation's model budget is used up; start a new conversation.",
    );
    expect(session).toMatchObject({ cause: "budget", summary: "Budget reached for this conversation." });
    expect(explainFailure("402 octo LLM proxy: price_unknown: model fx/m has no price").cause).toBe("price");
    expect(
      explainFailure("429 octo LLM proxy: rate_limited: this account may send 3 model requests a minute")
        .summary,
    ).toContain("faster than your limit");
  });

  test("each known cause gets its own words and advice", () => {
    expect(explainFailure("500 fake 500")).toMatchObject({
      cause: "provider",
      summary: "The model provider returned an error (500).",
      advice: "Try again; if it keeps failing, ask your admin to check the provider in Admin → Models.",
    });
    expect(explainFailure("503 Service Unavailable").cause).toBe("provider");
    expect(explainFailure("401 Incorrect API key provided")).toMatchObject({
      cause: "auth",
      summary: "The model provider refused the API key (401).",
    });
    expect(explainFailure("403 forbidden").cause).toBe("auth");
    expect(explainFailure("429 Rate limit reached for requests")).toMatchObject({
      cause: "rate_limit",
      summary: "The model provider is limiting requests (429).",
    });
    expect(explainFailure("Connection error.").cause).toBe("unreachable");
    expect(explainFailure("The socket connection was closed unexpectedly. ECONNRESET").cause).toBe(
      "unreachable",
    );
    expect(explainFailure("connect ECONNREFUSED 127.0.0.1:9").cause).toBe("unreachable");
    expect(
      explainFailure(
        "400 This model's maximum context length is 128000 tokens. However, you requested 130000",
      ).cause,
    ).toBe("context");
    expect(explainFailure("prompt is too long: 210000 tokens > 200000 maximum").cause).toBe("context");
    expect(explainFailure("something odd")).toMatchObject({ cause: "unknown", details: "something odd" });
  });

  test("401 and a connection reset no longer look the same", () => {
    expect(explainFailure("401 unauthorized").summary).not.toBe(explainFailure("ECONNRESET").summary);
  });

  test("Bun's advice to pass verbose: true is stripped from the details", () => {
    const raw =
      "The socket connection was closed unexpectedly. For more information, pass `verbose: true` in the second argument to fetch()";
    expect(cleanError(raw)).toBe("The socket connection was closed unexpectedly.");
    expect(explainFailure(raw).details).not.toContain("verbose");
  });
});
