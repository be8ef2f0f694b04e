import { Elysia } from "elysia";
import {
  CreateHookBody,
  CreateScheduleBody,
  DELIVERY_HEADERS,
  GITHUB_SIGNATURE_HEADER,
  PreviewBody,
  RunsQuery,
  SIGNATURE_HEADER,
  UpdateHookBody,
  UpdateScheduleBody,
} from "../../protocol/schedules.ts";
import { cronPlan } from "../../schedules/cron.ts";
import { publicSchedule } from "../../schedules/service.ts";
import { type AuthedUser, authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { errorResponse, unwrap } from "../errors.ts";
import { ownerOf } from "./projects.ts";

/**
 * A project's schedules, webhooks and run history (the Schedules tab). Every id is checked against
 * the caller's own project by the services: someone else's is `not_found`.
 */
export function scheduleRoutes(ctx: HttpContext) {
  const { schedules, hooks } = ctx.services.schedules;
  const scope = (auth: AuthedUser, projectId: string) => ({ userId: ownerOf(auth).id, projectId });
  return new Elysia()
    .use(authGuard(ctx))
    .post(
      "/api/schedules/preview",
      ({ body }) => {
        const plan = unwrap(cronPlan(body.cron, body.timezone));
        return { next: plan.nextN(Date.now(), body.count) };
      },
      { body: PreviewBody },
    )
    .group("/api/projects/:id", (app) =>
      app
        .get("/schedules", ({ auth, params }) => ({
          schedules: unwrap(schedules.list(scope(auth, params.id))),
        }))
        .post(
          "/schedules",
          ({ auth, params, body }) => ({ schedule: unwrap(schedules.create(scope(auth, params.id), body)) }),
          { body: CreateScheduleBody },
        )
        .get("/schedules/:sid", ({ auth, params }) => ({
          schedule: unwrap(schedules.get(scope(auth, params.id), params.sid)),
        }))
        .patch(
          "/schedules/:sid",
          ({ auth, params, body }) => ({
            schedule: unwrap(schedules.update(scope(auth, params.id), params.sid, body)),
          }),
          { body: UpdateScheduleBody },
        )
        .delete("/schedules/:sid", ({ auth, params }) => {
          unwrap(schedules.delete(scope(auth, params.id), params.sid));
          return { ok: true };
        })
        .post("/schedules/:sid/pause", ({ auth, params }) => ({
          schedule: unwrap(schedules.setState(scope(auth, params.id), params.sid, "paused")),
        }))
        .post("/schedules/:sid/resume", ({ auth, params }) => ({
          schedule: unwrap(schedules.setState(scope(auth, params.id), params.sid, "active")),
        }))
        .post("/schedules/:sid/confirm", ({ auth, params }) => ({
          schedule: unwrap(schedules.confirm(scope(auth, params.id), params.sid)),
        }))
        .post("/schedules/:sid/run", ({ auth, params }) => ({
          run: unwrap(schedules.runNow(scope(auth, params.id), params.sid)),
        }))
        .get(
          "/runs",
          ({ auth, params, query }) => ({
            runs: unwrap(
              schedules.runs(scope(auth, params.id), {
                scheduleId: query.schedule_id,
                hookId: query.hook_id,
                limit: query.limit ? Math.max(1, Number(query.limit)) : undefined,
              }),
            ),
          }),
          { query: RunsQuery },
        )
        .get("/hooks", ({ auth, params }) => ({ hooks: unwrap(hooks.list(scope(auth, params.id))) }))
        .post("/hooks", ({ auth, params, body }) => unwrap(hooks.create(scope(auth, params.id), body)), {
          body: CreateHookBody,
        })
        .patch(
          "/hooks/:hid",
          ({ auth, params, body }) => ({
            hook: unwrap(hooks.update(scope(auth, params.id), params.hid, body)),
          }),
          { body: UpdateHookBody },
        )
        .post("/hooks/:hid/rotate", ({ auth, params }) =>
          unwrap(hooks.rotate(scope(auth, params.id), params.hid)),
        )
        .delete("/hooks/:hid", ({ auth, params }) => {
          unwrap(hooks.delete(scope(auth, params.id), params.hid));
          return { ok: true };
        }),
    );
}

/**
 * `POST /api/hooks/<hook id>`: deliveries from the outside world, authenticated by their
 * `X-Octo-Signature-256` alone (no cookie, no key). Mounted before the JSON body parser: the
 * signature is over the raw bytes, which are read here under the hook body limit.
 * A disabled hook answers 404 like an unknown one, so a probe learns nothing about which ids exist.
 */
export function hookDeliveryRoutes(ctx: HttpContext) {
  const { hooks } = ctx.services.schedules;
  const max = ctx.config.schedules.hook_max_body_bytes;
  return new Elysia().post(
    "/api/hooks/:hookId",
    async ({ params, request, set }) => {
      const body = await readRaw(request, max);
      if (!body) return errorResponse("payload_too_large", `a delivery body may be at most ${max} bytes`);
      const h = request.headers;
      const r = hooks.deliver(params.hookId, {
        body,
        signature: h.get(SIGNATURE_HEADER) ?? h.get(GITHUB_SIGNATURE_HEADER),
        deliveryId: DELIVERY_HEADERS.map((name) => h.get(name)).find((x) => x !== null) ?? null,
        event: h.get("x-octo-event") ?? h.get("x-github-event"),
      });
      if (!r.ok) {
        if (r.error.code === "rate_limited")
          return errorResponse(r.error.code, r.error.message, { "retry-after": "60" });
        return errorResponse(r.error.code, r.error.message);
      }
      set.status = 202;
      return { run_id: r.value.id };
    },
    { parse: "none" },
  );
}

/** The body's bytes, or null once it passes `max` (reading stops there). */
async function readRaw(request: Request, max: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > max) return null;
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** `octoctl schedule list|run|pause`: every schedule, for admins (and the admin socket). */
export function adminScheduleRoutes(ctx: HttpContext) {
  const mod = ctx.services.schedules;
  const usernameOf = ctx.services.admin.users;
  return new Elysia({ prefix: "/api/admin/schedules" })
    .use(authGuard(ctx, { role: "admin" }))
    .get("", () => {
      const users = new Map(usernameOf().map((u) => [u.id, u.username]));
      return {
        schedules: mod.schedules.allForAdmin().map((row) => ({
          ...publicSchedule(row),
          username: users.get(row.user_id) ?? "?",
          running: mod.runs.busy(row.id),
        })),
      };
    })
    .post("/:sid/run", ({ params }) => ({ run: unwrap(mod.schedules.adminRun(params.sid)) }))
    .post("/:sid/pause", ({ params }) => ({
      schedule: unwrap(mod.schedules.adminSetState(params.sid, "paused")),
    }))
    .post("/:sid/resume", ({ params }) => ({
      schedule: unwrap(mod.schedules.adminSetState(params.sid, "active")),
    }));
}
