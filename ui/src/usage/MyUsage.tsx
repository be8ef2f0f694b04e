import { createResource, For, Show } from "solid-js";
import { Loaded } from "../components/Loaded.tsx";
import * as usage from "./usage-api.ts";
import { cost, limitText, share, tokens } from "./usage-format.ts";
import "./usage.css";

/** Account → Usage: my month to date against my limits. */
export function MyUsage() {
  const [mine] = createResource(usage.mine);
  return (
    <section class="card" aria-labelledby="usage-h">
      <h2 id="usage-h">Usage this month</h2>
      <Loaded result={mine()}>
        {(m) => {
          const used = () => share(m().totals.cost + m().reserved_usd, m().limits.user_monthly_usd);
          return (
            <div class="stack my-usage">
              <p style={{ margin: 0 }} data-testid="my-spend">
                <b>{cost(m().totals)}</b> of <b>{limitText(m().limits.user_monthly_usd)}</b>{" "}
                <span class="muted small">
                  · {m().month} · {m().totals.requests} request{m().totals.requests === 1 ? "" : "s"}
                </span>
              </p>
              <Show when={used() !== null}>
                <meter
                  class="budget-meter"
                  aria-label="Monthly budget used"
                  min={0}
                  max={100}
                  low={80}
                  high={99}
                  optimum={0}
                  value={used() ?? 0}
                />
                <Show when={(used() ?? 0) >= 100}>
                  <p class="note error small" style={{ margin: 0 }}>
                    Budget reached: your agents cannot call a model until next month. An admin can raise your
                    limit.
                  </p>
                </Show>
              </Show>
              <p class="muted small" style={{ margin: 0 }}>
                Per conversation: {limitText(m().limits.session_usd)} · Requests per minute:{" "}
                {m().limits.user_rpm > 0 ? m().limits.user_rpm : "no limit"}
              </p>
              <Show when={m().totals.unknown_requests > 0}>
                <p class="muted small" style={{ margin: 0 }}>
                  Some models have no price set, so part of the cost is unknown.
                </p>
              </Show>
              <Show when={m().by_model.length > 0}>
                <ul class="list" aria-label="My usage by model">
                  <For each={m().by_model}>
                    {(row) => (
                      <li class="list-item">
                        <span class="grow mono small">{row.model}</span>
                        <span class="small">{cost(row)}</span>
                        <span class="muted small">
                          {row.requests} req · {tokens(row.input_tokens)} in / {tokens(row.output_tokens)} out
                        </span>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}
