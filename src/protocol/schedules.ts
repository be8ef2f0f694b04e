import * as v from "valibot";
import { modelRefSchema, thinkingLevelSchema } from "./agent-message.ts";
import { idSchema } from "./ids.ts";

/**
 * Schedules and webhooks of a project: agents that run while nobody watches. Each run is a new
 * conversation (session) in the project, under the owner's account, titled with the schedule's name.
 * Cron expressions are parsed by croner on the server; the UI asks the server for previews.
 */

/** `active` fires; `paused` keeps its settings; `proposed` (by an agent) waits for its person; `done`: a one-shot that ran. */
export const SCHEDULE_STATES = ["active", "paused", "proposed", "done"] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];
export const RUN_OUTCOMES = ["running", "ok", "failed", "skipped", "missed"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];
/** What started a run: its cron time, a catch-up after downtime, a person ("run now"), a webhook, an admin. */
export const RUN_TRIGGERS = ["cron", "once", "catch_up", "manual", "webhook"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

const name = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "a name is needed"),
  v.maxLength(120, "a name has at most 120 characters"),
);
const prompt = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "a prompt is needed"),
  v.maxLength(100_000, "a prompt has at most 100000 characters"),
);
/** Five or six cron fields (seconds optional), or a nickname like @daily; croner checks the rest. */
export const cronSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "a cron expression is needed"),
  v.maxLength(200, "a cron expression has at most 200 characters"),
);
/** An IANA time zone name; the server checks that it exists. */
export const timeZoneSchema = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/, "a time zone like Europe/Berlin or UTC"),
);
const when = v.pipe(v.number(), v.integer(), v.minValue(0));
const spendCap = v.nullable(v.pipe(v.number(), v.minValue(0.0001), v.maxValue(10_000)));

export const ScheduleSchema = v.strictObject({
  id: idSchema("sch"),
  project_id: idSchema("prj"),
  name: v.string(),
  /** Exactly one of cron (with timezone) and at (a one-shot). */
  cron: v.nullable(v.string()),
  timezone: v.string(),
  at: v.nullable(when),
  prompt: v.string(),
  model: v.nullable(v.string()),
  thinking: v.nullable(thinkingLevelSchema),
  /** USD per run; a run whose conversation costs more is stopped and recorded as failed. */
  spend_cap: v.nullable(v.number()),
  state: v.picklist(SCHEDULE_STATES),
  next_run_at: v.nullable(when),
  /** The agent session that proposed it, if an agent did. */
  proposed_by: v.nullable(v.string()),
  created_at: when,
  updated_at: when,
});
export type Schedule = v.InferOutput<typeof ScheduleSchema>;

export const ScheduleRunSchema = v.strictObject({
  id: idSchema("run"),
  project_id: idSchema("prj"),
  schedule_id: v.nullable(v.string()),
  hook_id: v.nullable(v.string()),
  /** The schedule's or hook's name at the time (the conversation's title). */
  title: v.string(),
  trigger: v.picklist(RUN_TRIGGERS),
  /** When it was due (cron time), or when it was asked for. */
  due_at: when,
  started_at: v.nullable(when),
  finished_at: v.nullable(when),
  outcome: v.picklist(RUN_OUTCOMES),
  reason: v.nullable(v.string()),
  /** USD, as metered by the LLM gateway for the run's conversation. */
  cost: v.number(),
  session_id: v.nullable(v.string()),
});
export type ScheduleRun = v.InferOutput<typeof ScheduleRunSchema>;

const scheduleFields = {
  name,
  cron: v.optional(v.nullable(cronSchema)),
  timezone: v.optional(timeZoneSchema),
  at: v.optional(v.nullable(when)),
  prompt,
  model: v.optional(v.nullable(modelRefSchema)),
  thinking: v.optional(v.nullable(thinkingLevelSchema)),
  spend_cap: v.optional(spendCap),
};

/** `POST /api/projects/:id/schedules`: a cron schedule (cron + timezone) or a one-shot (`at`). */
export const CreateScheduleBody = v.strictObject({
  ...scheduleFields,
  paused: v.optional(v.boolean()),
});
export type CreateScheduleInput = v.InferOutput<typeof CreateScheduleBody>;

/** `PATCH …/schedules/:sid`: any of the fields. */
export const UpdateScheduleBody = v.strictObject({
  ...scheduleFields,
  name: v.optional(name),
  prompt: v.optional(prompt),
});
export type UpdateScheduleInput = v.InferOutput<typeof UpdateScheduleBody>;

/** `POST /api/schedules/preview` → `{next: number[]}`: the next run times of an expression. */
export const PreviewBody = v.strictObject({
  cron: cronSchema,
  timezone: timeZoneSchema,
  count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)), 3),
});
export const PreviewAnswer = v.strictObject({ next: v.array(when) });

export const RunsQuery = v.strictObject({
  schedule_id: v.optional(idSchema("sch")),
  hook_id: v.optional(idSchema("hook")),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/, "limit: 1-999"))),
});

// ── webhooks ───────────────────────────────────────────────────────────────────────────────

/** Signature header of a delivery: `sha256=<hex HMAC-SHA256 of the raw body with the hook's secret>`. */
export const SIGNATURE_HEADER = "x-octo-signature-256";
/** GitHub's name for the same signature (same format): a GitHub webhook works unchanged. */
export const GITHUB_SIGNATURE_HEADER = "x-hub-signature-256";
/** Delivery id headers, first found wins; a delivery id seen before (within the window) is refused. */
export const DELIVERY_HEADERS = ["x-octo-delivery", "x-github-delivery"] as const;

const template = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "a prompt template is needed"),
  v.maxLength(20_000, "a prompt template has at most 20000 characters"),
);

export const HookSchema = v.strictObject({
  id: idSchema("hook"),
  project_id: idSchema("prj"),
  name: v.string(),
  /** `{{body}}` is the JSON body, `{{body.a.b}}` one field of it, `{{event}}` the event header. */
  template: v.string(),
  model: v.nullable(v.string()),
  thinking: v.nullable(thinkingLevelSchema),
  spend_cap: v.nullable(v.number()),
  enabled: v.boolean(),
  /** Deliveries accepted per minute; more get 429. */
  rate_per_minute: v.number(),
  created_at: when,
  updated_at: when,
  last_delivery_at: v.nullable(when),
});
export type Hook = v.InferOutput<typeof HookSchema>;

const hookFields = {
  name,
  template,
  model: v.optional(v.nullable(modelRefSchema)),
  thinking: v.optional(v.nullable(thinkingLevelSchema)),
  spend_cap: v.optional(spendCap),
  rate_per_minute: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600))),
};
export const CreateHookBody = v.strictObject(hookFields);
export type CreateHookInput = v.InferOutput<typeof CreateHookBody>;
export const UpdateHookBody = v.strictObject({
  ...hookFields,
  name: v.optional(name),
  template: v.optional(template),
  enabled: v.optional(v.boolean()),
});
export type UpdateHookInput = v.InferOutput<typeof UpdateHookBody>;

/** Creating a hook or rotating its secret: the secret is in this answer only. */
export const HookWithSecret = v.strictObject({ hook: HookSchema, secret: v.string() });

/** The answer to a good delivery (202). */
export const DeliveryAnswer = v.strictObject({ run_id: idSchema("run") });

// ── the agent's tool area `schedule` ───────────────────────────────────────────────────────

export const ProposeArgs = v.strictObject({
  name,
  cron: cronSchema,
  tz: v.optional(timeZoneSchema, "UTC"),
  prompt,
  model: v.optional(modelRefSchema),
});
export const ProposeAnswer = v.strictObject({ schedule: ScheduleSchema });

// ── admin (`octoctl schedule …`) ───────────────────────────────────────────────────────────

export const AdminScheduleSchema = v.strictObject({
  ...ScheduleSchema.entries,
  username: v.string(),
  running: v.boolean(),
});
export type AdminSchedule = v.InferOutput<typeof AdminScheduleSchema>;
