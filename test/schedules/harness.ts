import type { ScheduleRun } from "../../src/protocol/schedules.ts";
import { signBody } from "../../src/schedules/hooks.ts";
import type { Client } from "../http/client.ts";
import type { SessionWorld } from "../sessions/harness.ts";

/** Resolves when the run ends (heard from the schedule module's own events; at once if it already has). */
export function runEnded(
  w: SessionWorld,
  c: Client,
  projectId: string,
  runId: string,
  ms = 150_000,
): Promise<ScheduleRun> {
  const mod = w.t.server.ctx.services.schedules;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`run ${runId} did not end within ${ms} ms`));
    }, ms);
    const off = mod.events.on((e) => {
      if (e.run.id !== runId) return;
      clearTimeout(timer);
      off();
      resolve(e.run);
    });
    void c.get<{ runs: ScheduleRun[] }>(`/api/projects/${projectId}/runs`).then((r) => {
      const run = r.body.runs?.find((x) => x.id === runId);
      if (run && run.outcome !== "running") {
        clearTimeout(timer);
        off();
        resolve(run);
      }
    });
  });
}

/** A webhook delivery as a CI system sends it: raw JSON body, HMAC signature, delivery id. */
export function deliver(
  url: string,
  hookId: string,
  body: string,
  opts: { secret?: string; signature?: string; delivery?: string; event?: string } = {},
) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const signature = opts.signature ?? (opts.secret ? signBody(opts.secret, body) : undefined);
  if (signature) headers["x-octo-signature-256"] = signature;
  if (opts.delivery) headers["x-octo-delivery"] = opts.delivery;
  if (opts.event) headers["x-github-event"] = opts.event;
  return fetch(`${url}/api/hooks/${hookId}`, { method: "POST", headers, body }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { run_id?: string; error?: { code: string; message: string } },
    headers: r.headers,
  }));
}
