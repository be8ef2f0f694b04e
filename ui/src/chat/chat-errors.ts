/**
 * A failed turn, said for a person: what happened and what to do, with the raw text kept for the
 * curious (shown folded). One place maps the causes we know from what providers, the proxy and the
 * runtime actually write; anything else is a plain "could not finish".
 */
export interface Failure {
  cause: "budget" | "price" | "auth" | "rate_limit" | "provider" | "unreachable" | "context" | "unknown";
  summary: string;
  advice: string;
  /** The raw error, cleaned of runtime advice meant for developers. */
  details: string;
}

const ADMIN = "ask your admin to check the provider in Admin → Models";

export function explainFailure(raw: string): Failure {
  const details = cleanError(raw);
  const status = /\b([45]\d\d)\b/.exec(details)?.[1];
  const code = status ? ` (${status})` : "";
  // octo's own limits (decision 0023): the gateway names its code in the message.
  if (/\bbudget_exceeded\b/.test(details))
    return {
      cause: "budget",
      summary: /conversation/i.test(details)
        ? "Budget reached for this conversation."
        : "Budget reached: your monthly model budget is used up.",
      advice: /conversation/i.test(details)
        ? "Start a new conversation, or ask an admin to raise the limit (Admin → Usage)."
        : "An admin can raise your limit in Admin → Usage. Your usage is under Account.",
      details,
    };
  if (/\bprice_unknown\b/.test(details))
    return {
      cause: "price",
      summary: "This model has no price, and your account has a spending limit.",
      advice: "Pick another model, or ask an admin to set its price in Admin → Models.",
      details,
    };
  if (/\brate_limited\b/.test(details))
    return {
      cause: "rate_limit",
      summary: "You are sending model requests faster than your limit allows.",
      advice: "Wait a minute, then try again; an admin can raise the limit in Admin → Usage.",
      details,
    };
  if (
    /context.{0,20}(length|window)|maximum context|prompt is too long|too many tokens|context overflow/i.test(
      details,
    )
  )
    return {
      cause: "context",
      summary: "The conversation is too long for this model.",
      advice:
        "Start a new conversation, fork from an earlier message, or pick a model with a larger context.",
      details,
    };
  if (
    status === "401" ||
    status === "403" ||
    /unauthori[sz]ed|forbidden|invalid.{0,20}(api.?)?key|authentication/i.test(details)
  )
    return {
      cause: "auth",
      summary: `The model provider refused the API key${code}.`,
      advice: "Ask your admin to check the key in Admin → Models.",
      details,
    };
  if (status === "429" || /rate.?limit|too many requests|quota/i.test(details))
    return {
      cause: "rate_limit",
      summary: `The model provider is limiting requests${code}.`,
      advice: "Wait a minute, then try again.",
      details,
    };
  if (
    /ECONNRESET|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|connection (error|reset|refused|closed)|socket hang up|fetch failed|network error|unable to connect|terminated|timed? ?out/i.test(
      details,
    )
  )
    return {
      cause: "unreachable",
      summary: "The agent could not reach the model provider.",
      advice: `Try again; if it keeps failing, ${ADMIN}.`,
      details,
    };
  if (
    status?.startsWith("5") ||
    /overloaded|internal server error|bad gateway|service unavailable/i.test(details)
  )
    return {
      cause: "provider",
      summary: `The model provider returned an error${code}.`,
      advice: `Try again; if it keeps failing, ${ADMIN}.`,
      details,
    };
  return {
    cause: "unknown",
    summary: "The agent could not finish this reply.",
    advice: "Try again.",
    details,
  };
}

/** Drop the runtime's advice to developers (Bun: "For more information, pass `verbose: true` …"). */
export function cleanError(raw: string): string {
  return raw
    .replace(/\s*For more information, pass `?verbose: true`? in the second argument to fetch\(\)\.?/gi, "")
    .replace(/\s*\(?pass `?verbose: true`?[^)\n]*\)?\.?/gi, "")
    .trim();
}
