import { Cron } from "croner";
import { fail, ok, type Result } from "../protocol/errors.ts";

/**
 * Cron expressions and time zones, through croner (never parsed by hand): five fields, or six with
 * seconds first, or a nickname (@daily, @hourly, …). Times are computed in the schedule's IANA time
 * zone, so a 09:00 Europe/Berlin schedule runs at 09:00 local on both sides of a DST change; a local
 * time that does not exist that day (02:30 on the spring-forward Sunday) runs once at the next valid
 * time, and one that exists twice (autumn) runs once.
 */

export function checkTimeZone(tz: string): Result<string> {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return ok(tz);
  } catch {
    return fail(
      "validation_failed",
      `timezone: unknown time zone "${tz}" (use an IANA name like Europe/Berlin)`,
    );
  }
}

/** A checked expression in a time zone; `null` from `next` when it never fires again. */
export interface CronPlan {
  next(after: number): number | null;
  nextN(after: number, n: number): number[];
}

/** Parsed plans by expression and zone: the scheduler asks for the same few again at every tick. */
const plans = new Map<string, Result<CronPlan>>();
const MAX_PLANS = 1000;

export function cronPlan(expr: string, tz: string): Result<CronPlan> {
  const key = `${tz}\u0000${expr}`;
  const cached = plans.get(key);
  if (cached) return cached;
  const plan = parsePlan(expr, tz);
  if (plans.size >= MAX_PLANS) plans.clear();
  plans.set(key, plan);
  return plan;
}

function parsePlan(expr: string, tz: string): Result<CronPlan> {
  const zone = checkTimeZone(tz);
  if (!zone.ok) return zone;
  let cron: Cron;
  try {
    cron = new Cron(expr, { timezone: tz, paused: true });
    cron.nextRun();
  } catch (e) {
    const why = (e as Error).message.replace(/^CronPattern: /, "");
    return fail("validation_failed", `cron: ${why}`);
  }
  return ok({
    next(after) {
      const d = cron.nextRun(new Date(after));
      return d ? d.getTime() : null;
    },
    nextN(after, n) {
      return cron.nextRuns(n, new Date(after)).map((d) => d.getTime());
    },
  });
}

/**
 * The occurrences in (from, to]: at most `cap` of the latest, oldest first, and how many there were
 * in all (a minutely schedule after a day of downtime has 1440; we keep the latest few).
 */
export function occurrencesBetween(
  plan: CronPlan,
  from: number,
  to: number,
  cap = 100,
): { times: number[]; total: number } {
  const times: number[] = [];
  let total = 0;
  let t = plan.next(from - 1);
  // Bounded: a seconds-level cron over a long downtime is walked at most this many steps.
  for (let steps = 0; t !== null && t <= to && steps < 100_000; steps++) {
    total++;
    times.push(t);
    if (times.length > cap) times.shift();
    t = plan.next(t);
  }
  return { times, total };
}
