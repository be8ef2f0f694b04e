import { createResource, For, onCleanup, Show } from "solid-js";
import { Loaded } from "../components/Loaded.tsx";
import { formatDuration } from "../components/time.ts";
import { usePageTitle } from "../shell/page-title.ts";
import { AdminNav } from "./AdminNav.tsx";
import * as admin from "./admin-api.ts";
import { diskLow, formatBytes, llmErrorMeaning, totals } from "./dashboard.ts";
import "./status.css";

/** The operator's dashboard: is everything up, how much is running, what is about to go wrong. */
export default function Status() {
  usePageTitle(() => "Status");
  const [status, { refetch }] = createResource(admin.adminStatus);
  const timer = setInterval(() => void refetch(), 10_000);
  onCleanup(() => clearInterval(timer));
  return (
    <>
      <div class="page-head">
        <h1>Admin</h1>
      </div>
      <AdminNav />
      <Loaded result={status()}>
        {(s) => (
          <div class="stack dashboard">
            <div class="stats">
              <Stat label="Agents running" value={totals(s()).agents} />
              <Stat label="Shells open" value={totals(s()).shells} />
              <Stat
                label="Runners"
                value={`${totals(s()).up} up${totals(s()).down ? `, ${totals(s()).down} down` : ""}`}
              />
              <Stat label="Users" value={s().users} />
              <Stat label="Up for" value={formatDuration(s().uptime_ms)} />
              <Stat label="Version" value={s().version} note={`${s().runtime} · ${s().mode}`} />
            </div>
            <p class="note small" data-testid="isolation">
              <strong>What keeps users apart:</strong> {s().isolation}
            </p>

            <section aria-labelledby="runners-h">
              <h2 id="runners-h">Runners</h2>
              <Show
                when={s().runners.length > 0}
                fallback={
                  <p class="muted">No runner is running: one starts for a user when they open a project.</p>
                }
              >
                <ul class="list" aria-label="Runners">
                  <For each={s().runners}>
                    {(r) => (
                      <li class="list-item" data-runner={r.user}>
                        <div class="grow">
                          <div class="title">
                            {r.user}{" "}
                            <span class={`badge ${r.connected ? "ok" : "danger"}`}>
                              {r.connected ? "up" : "down"}
                            </span>
                          </div>
                          <div class="small muted">
                            <Show when={r.connected} fallback={r.error ?? "not answering"}>
                              {r.agents ?? "?"} agent{r.agents === 1 ? "" : "s"} · {r.terminals ?? "?"} shell
                              {r.terminals === 1 ? "" : "s"} · {r.processes}/{r.max_processes} processes ·{" "}
                              {formatBytes(r.rss_bytes)} memory · pid {r.pid} · up{" "}
                              {formatDuration(r.uptime_ms ?? 0)}
                              {r.version && r.version !== s().version ? ` · version ${r.version}` : ""}
                            </Show>
                          </div>
                        </div>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </section>

            <section aria-labelledby="disks-h">
              <h2 id="disks-h">Disk space</h2>
              <ul class="list" aria-label="Disk space">
                <For each={s().disks}>
                  {(d) => (
                    <li class="list-item" data-disk={d.label}>
                      <div class="grow">
                        <div class="title">
                          {d.label === "data" ? "Data (databases, history)" : "Workspaces (project files)"}{" "}
                          <Show when={diskLow(d)}>
                            <span class="badge danger">low</span>
                          </Show>
                        </div>
                        <div class="small muted">
                          {formatBytes(d.free_bytes)} free
                          {d.total_bytes ? ` of ${formatBytes(d.total_bytes)}` : ""} ·{" "}
                          <span class="mono">{d.path}</span>
                        </div>
                      </div>
                    </li>
                  )}
                </For>
              </ul>
            </section>

            <section aria-labelledby="llm-h">
              <h2 id="llm-h">Model errors (last 24 hours)</h2>
              <Show
                when={s().llm_errors.length > 0}
                fallback={<p class="muted">None: every request to a model provider succeeded.</p>}
              >
                <ul class="list" aria-label="Model errors">
                  <For each={s().llm_errors}>
                    {(e) => (
                      <li class="list-item" data-llm-status={e.status}>
                        <div class="grow">
                          <span class="title">{e.count}×</span> HTTP {e.status}: {llmErrorMeaning(e.status)}
                        </div>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </section>
          </div>
        )}
      </Loaded>
    </>
  );
}

function Stat(props: { label: string; value: string | number; note?: string }) {
  return (
    <div class="card stat">
      <span class="muted small">{props.label}</span>
      <b>{props.value}</b>
      <Show when={props.note}>
        <span class="muted small">{props.note}</span>
      </Show>
    </div>
  );
}
