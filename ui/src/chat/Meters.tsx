import { Show } from "solid-js";
import type { Usage } from "../../../src/protocol/agent.ts";
import { contextGauge, formatCost, formatTokens } from "./chat-composer.ts";

/** Context gauge (what the model holds vs its window) and the session's tokens and cost. */
export function Meters(props: {
  last: Usage | null;
  total: Usage;
  contextWindow: number | undefined;
  /** The LLM proxy's own accounting (authoritative), when fetched. */
  billed: { cost: number; requests: number; unknown_requests: number } | null;
}) {
  const gauge = () => contextGauge(props.last, props.contextWindow);
  const tokens = () => {
    const t = props.total.tokens;
    return t.input + t.output + t.cache_read + t.cache_write;
  };
  // A model without a price has an unknown cost: said so, never shown as $0.
  const cost = () => {
    const b = props.billed;
    if (!b) return formatCost(props.total.cost);
    if (b.unknown_requests === 0) return formatCost(b.cost);
    return b.unknown_requests >= b.requests ? "cost unknown" : `${formatCost(b.cost)} + unknown`;
  };
  return (
    <div class="meters small">
      <Show when={gauge().window}>
        {(w) => (
          <span
            class="gauge"
            data-level={gauge().level}
            title={`Context: ${gauge().used.toLocaleString()} of ${w().toLocaleString()} tokens`}
          >
            <meter class="gauge-bar" aria-label="Context used" min={0} max={w()} value={gauge().used} />
            {formatTokens(gauge().used)} / {formatTokens(w())}
          </span>
        )}
      </Show>
      <span
        class="muted"
        title={`${tokens().toLocaleString()} tokens in this session${props.billed !== null ? " (cost as billed by the server)" : ""}`}
      >
        {formatTokens(tokens())} tok · {cost()}
      </span>
    </div>
  );
}
