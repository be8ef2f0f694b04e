import type { AgentEvent, ThinkingLevel } from "../../src/protocol/agent.ts";

/**
 * pi's session-level events (queue, retry, compaction, title, thinking level, extension errors)
 * → their canonical event. Stateless; the translator owns the run/phase bookkeeping around them.
 */
type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const count = (x: unknown): number =>
  typeof x === "number" && x >= 0 && Number.isFinite(x) ? Math.floor(x) : 0;
const strings = (x: unknown): string[] =>
  Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : [];
const compactReason = (r: unknown) => (r === "manual" || r === "overflow" ? r : "threshold");
const LEVELS = new Set<string>(["off", "minimal", "low", "medium", "high", "xhigh"]);

export function sessionEvent(e: Obj): AgentEvent | undefined {
  switch (e.type) {
    case "queue_update":
      return { event: "agent.queue", steering: strings(e.steering), follow_up: strings(e.followUp) };
    case "auto_retry_start":
      return {
        event: "retry.start",
        attempt: count(e.attempt),
        max_attempts: count(e.maxAttempts),
        delay_ms: count(e.delayMs),
        error: str(e.errorMessage) ?? "",
      };
    case "auto_retry_end": {
      const error = str(e.finalError);
      return {
        event: "retry.end",
        ok: e.success === true,
        attempt: count(e.attempt),
        ...(error ? { error } : {}),
      };
    }
    case "compaction_start":
      return { event: "compact.start", reason: compactReason(e.reason) };
    case "compaction_end": {
      const result = isObj(e.result) ? e.result : undefined;
      const error = str(e.errorMessage);
      const summary = result ? str(result.summary) : undefined;
      return {
        event: "compact.end",
        reason: compactReason(e.reason),
        ok: result !== undefined,
        aborted: e.aborted === true,
        will_retry: e.willRetry === true,
        ...(summary !== undefined ? { summary } : {}),
        ...(result && typeof result.tokensBefore === "number"
          ? { tokens_before: count(result.tokensBefore) }
          : {}),
        ...(error ? { error } : {}),
      };
    }
    case "session_info_changed":
      return typeof e.name === "string" ? { event: "session.title_changed", title: e.name } : undefined;
    case "thinking_level_changed":
      return typeof e.level === "string" && LEVELS.has(e.level)
        ? { event: "config.model_changed", thinking_level: e.level as ThinkingLevel }
        : undefined;
    case "extension_error":
      return {
        event: "agent.notice",
        kind: "notify",
        level: "error",
        text: `extension ${str(e.extensionPath) ?? "?"} failed in ${str(e.event) ?? "?"}: ${str(e.error) ?? ""}`,
      };
    default:
      return undefined;
  }
}
