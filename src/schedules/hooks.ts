import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ThinkingLevel } from "../protocol/agent-message.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import type { CreateHookInput, Hook, ScheduleRun, UpdateHookInput } from "../protocol/schedules.ts";
import type { HookRow, SchedulesRepo } from "../storage/schedules.ts";
import type { RunTracker } from "./runs.ts";
import type { ScheduleScope } from "./service.ts";
import { renderTemplate } from "./template.ts";

export interface HookServiceDeps {
  repo: SchedulesRepo;
  runs: RunTracker;
  ownsProject(userId: string, projectId: string): boolean;
  checkModel(model: string): Result<unknown>;
  now: () => number;
  /** Largest delivery body accepted. */
  maxBodyBytes: number;
  /** Delivery ids are remembered this long; a repeat within it is refused as a replay. */
  replayWindowMs: number;
  /** Deliveries per hook per minute unless the hook says otherwise. */
  defaultRatePerMinute: number;
}

/** What the HTTP adapter hands over from a delivery: the raw body and the headers that matter. */
export interface Delivery {
  body: Uint8Array;
  signature: string | null;
  deliveryId: string | null;
  event: string | null;
}

export const publicHook = (h: HookRow): Hook => ({
  id: h.id,
  project_id: h.project_id,
  name: h.name,
  template: h.template,
  model: h.model,
  thinking: h.thinking as ThinkingLevel | null,
  spend_cap: h.spend_cap,
  enabled: h.enabled === 1,
  rate_per_minute: h.rate_per_minute,
  created_at: h.created_at,
  updated_at: h.updated_at,
  last_delivery_at: h.last_delivery_at,
});

const newSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;
const notFound = () => fail("not_found", "no such webhook");

/** `sha256=<hex>` of the body under the secret: what a sender puts in `X-Octo-Signature-256`. */
export const signBody = (secret: string, body: Uint8Array | string): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/** Constant time over equal-length inputs; a malformed header is simply not equal. */
function signatureMatches(secret: string, body: Uint8Array, header: string): boolean {
  const expected = Buffer.from(signBody(secret, body), "utf8");
  const given = Buffer.from(header.trim(), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Webhooks: a per-project URL (`POST /api/hooks/<id>`) whose signed JSON deliveries start a run with
 * the hook's prompt template. The secret is shown when the hook is created or rotated, never again.
 * A delivery is checked in this order: the hook exists and is enabled (else 404, the same answer as
 * an unknown id), size (413), signature (401), a delivery id (400), JSON (400), rate (429), delivery id not seen
 * before (409).
 */
export class HookService {
  /** Per hook: times of the accepted deliveries within the last minute. */
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly deps: HookServiceDeps) {}

  list(scope: ScheduleScope): Result<Hook[]> {
    if (!this.deps.ownsProject(scope.userId, scope.projectId)) return fail("not_found", "no such project");
    return ok(this.deps.repo.hooksForProject(scope.projectId).map(publicHook));
  }

  create(scope: ScheduleScope, input: CreateHookInput): Result<{ hook: Hook; secret: string }> {
    if (!this.deps.ownsProject(scope.userId, scope.projectId)) return fail("not_found", "no such project");
    if (input.model) {
      const m = this.deps.checkModel(input.model);
      if (!m.ok) return m;
    }
    const now = this.deps.now();
    const row: HookRow = {
      id: newId("hook", now),
      user_id: scope.userId,
      project_id: scope.projectId,
      name: input.name,
      template: input.template,
      model: input.model ?? null,
      thinking: input.thinking ?? null,
      spend_cap: input.spend_cap ?? null,
      secret: newSecret(),
      enabled: 1,
      rate_per_minute: input.rate_per_minute ?? this.deps.defaultRatePerMinute,
      created_at: now,
      updated_at: now,
      last_delivery_at: null,
    };
    this.deps.repo.insertHook(row);
    return ok({ hook: publicHook(row), secret: row.secret });
  }

  update(scope: ScheduleScope, id: string, input: UpdateHookInput): Result<Hook> {
    const found = this.owned(scope, id);
    if (!found.ok) return found;
    if (input.model) {
      const m = this.deps.checkModel(input.model);
      if (!m.ok) return m;
    }
    const fields: Partial<HookRow> = { updated_at: this.deps.now() };
    if (input.name !== undefined) fields.name = input.name;
    if (input.template !== undefined) fields.template = input.template;
    if (input.model !== undefined) fields.model = input.model;
    if (input.thinking !== undefined) fields.thinking = input.thinking;
    if (input.spend_cap !== undefined) fields.spend_cap = input.spend_cap;
    if (input.rate_per_minute !== undefined) fields.rate_per_minute = input.rate_per_minute;
    if (input.enabled !== undefined) fields.enabled = input.enabled ? 1 : 0;
    this.deps.repo.updateHook(id, fields);
    return ok(publicHook({ ...found.value, ...fields }));
  }

  /** A new secret; the old one stops working at once. */
  rotate(scope: ScheduleScope, id: string): Result<{ hook: Hook; secret: string }> {
    const found = this.owned(scope, id);
    if (!found.ok) return found;
    const fields = { secret: newSecret(), updated_at: this.deps.now() };
    this.deps.repo.updateHook(id, fields);
    return ok({ hook: publicHook({ ...found.value, ...fields }), secret: fields.secret });
  }

  delete(scope: ScheduleScope, id: string): Result<null> {
    const found = this.owned(scope, id);
    if (!found.ok) return found;
    this.deps.repo.deleteHook(id);
    this.recent.delete(id);
    return ok(null);
  }

  /** A delivery from the outside world (no user: the signature is the authentication). */
  deliver(hookId: string, d: Delivery): Result<ScheduleRun> {
    const hook = this.deps.repo.hookById(hookId);
    if (hook?.enabled !== 1) return notFound();
    if (d.body.byteLength > this.deps.maxBodyBytes)
      return fail("payload_too_large", `a delivery body may be at most ${this.deps.maxBodyBytes} bytes`);
    if (!d.signature || !signatureMatches(hook.secret, d.body, d.signature))
      return fail("unauthorized", "bad or missing X-Octo-Signature-256");
    const now = this.deps.now();
    if (!d.deliveryId)
      return fail("bad_request", "a delivery needs an X-Octo-Delivery (or X-GitHub-Delivery) id");
    if (d.deliveryId.length > 200)
      return fail("bad_request", "the delivery id is longer than 200 characters");
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(d.body));
    } catch {
      return fail("invalid_json", "the delivery body is not JSON");
    }
    if (!this.takeRate(hook, now))
      return fail("rate_limited", `this webhook takes at most ${hook.rate_per_minute} deliveries a minute`);
    // Claimed last, so a refused delivery (rate, JSON) can be sent again with the same id.
    if (!this.deps.repo.claimDelivery(hook.id, d.deliveryId, now, now - this.deps.replayWindowMs)) {
      this.untake(hook.id);
      return fail("conflict", "this delivery id was seen before (a replay)");
    }
    this.deps.repo.updateHook(hook.id, { last_delivery_at: now });
    return ok(
      this.deps.runs.start({
        userId: hook.user_id,
        projectId: hook.project_id,
        scheduleId: null,
        hookId: hook.id,
        title: hook.name,
        trigger: "webhook",
        dueAt: now,
        prompt: renderTemplate(hook.template, body, d.event),
        model: hook.model,
        thinking: hook.thinking,
        spendCap: hook.spend_cap,
      }),
    );
  }

  private takeRate(hook: HookRow, now: number): boolean {
    const times = (this.recent.get(hook.id) ?? []).filter((t) => t > now - 60_000);
    if (times.length >= hook.rate_per_minute) {
      this.recent.set(hook.id, times);
      return false;
    }
    times.push(now);
    this.recent.set(hook.id, times);
    return true;
  }

  private untake(hookId: string): void {
    this.recent.get(hookId)?.pop();
  }

  private owned(scope: ScheduleScope, id: string): Result<HookRow> {
    if (!this.deps.ownsProject(scope.userId, scope.projectId)) return fail("not_found", "no such project");
    const h = this.deps.repo.hookById(id);
    return h && h.project_id === scope.projectId && h.user_id === scope.userId ? ok(h) : notFound();
  }
}
