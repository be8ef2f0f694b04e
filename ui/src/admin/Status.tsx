import { createResource, onCleanup } from "solid-js";
import { Loaded } from "../components/Loaded.tsx";
import { formatDuration } from "../components/time.ts";
import { usePageTitle } from "../shell/page-title.ts";
import { AdminNav } from "./AdminNav.tsx";
import * as admin from "./admin-api.ts";

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
          <div class="stack">
            <div class="grid-2">
              <div class="card stat">
                <span class="muted small">Version</span>
                <b>{s().version}</b>
              </div>
              <div class="card stat">
                <span class="muted small">Mode</span>
                <b>{s().mode}</b>
              </div>
              <div class="card stat">
                <span class="muted small">Up for</span>
                <b>{formatDuration(s().uptime_ms)}</b>
              </div>
              <div class="card stat">
                <span class="muted small">Users</span>
                <b>{s().users}</b>
              </div>
            </div>
            <section class="card" aria-labelledby="runners-h">
              <h2 id="runners-h">Runners</h2>
              <p class="muted" style={{ margin: 0 }}>
                {s().runners.length === 0
                  ? "No runner is running: one starts for a user when they open a project."
                  : `${s().runners.length} running.`}
              </p>
            </section>
          </div>
        )}
      </Loaded>
    </>
  );
}
