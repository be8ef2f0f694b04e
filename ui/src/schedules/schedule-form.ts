import type { Schedule, ScheduleRun } from "./schedules-api.ts";

/** The create/edit form's state, as typed (strings), and the rules that turn it into a request. */
export interface ScheduleForm {
  name: string;
  mode: "cron" | "once";
  cron: string;
  timezone: string;
  /** `<input type="datetime-local">` value, in the browser's own zone. */
  at: string;
  prompt: string;
  model: string;
  thinking: string;
  spendCap: string;
}

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export const emptyForm = (zone = browserZone()): ScheduleForm => ({
  name: "",
  mode: "cron",
  cron: "0 9 * * 1-5",
  timezone: zone,
  at: "",
  prompt: "",
  model: "",
  thinking: "",
  spendCap: "",
});

const pad = (n: number) => String(n).padStart(2, "0");

/** ms → the value a datetime-local input shows (local time, minutes). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function formOf(s: Schedule): ScheduleForm {
  return {
    name: s.name,
    mode: s.cron ? "cron" : "once",
    cron: s.cron ?? "",
    timezone: s.timezone,
    at: s.at === null ? "" : toLocalInput(s.at),
    prompt: s.prompt,
    model: s.model ?? "",
    thinking: s.thinking ?? "",
    spendCap: s.spend_cap === null ? "" : String(s.spend_cap),
  };
}

export type FormCheck =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; field: keyof ScheduleForm; message: string };

/** The request body, or the first field that is not right (the server checks cron and zone itself). */
export function bodyOf(f: ScheduleForm): FormCheck {
  if (!f.name.trim()) return { ok: false, field: "name", message: "Give the schedule a name." };
  if (!f.prompt.trim()) return { ok: false, field: "prompt", message: "What should the agent do?" };
  const body: Record<string, unknown> = {
    name: f.name.trim(),
    prompt: f.prompt.trim(),
    model: f.model || null,
    thinking: f.thinking || null,
  };
  if (f.mode === "cron") {
    if (!f.cron.trim()) return { ok: false, field: "cron", message: "A cron expression, e.g. 0 9 * * 1-5." };
    body.cron = f.cron.trim();
    body.timezone = f.timezone.trim() || "UTC";
  } else {
    const at = Date.parse(f.at);
    if (!f.at || Number.isNaN(at)) return { ok: false, field: "at", message: "Pick a date and time." };
    body.at = at;
  }
  if (f.spendCap.trim()) {
    const cap = Number(f.spendCap);
    if (!Number.isFinite(cap) || cap <= 0)
      return { ok: false, field: "spendCap", message: "A spend cap is an amount in USD above 0." };
    body.spend_cap = cap;
  } else body.spend_cap = null;
  return { ok: true, body };
}

/** A time in a given zone, with the zone's short name: "Mon 9 Mar, 09:00 CET". */
export function formatIn(ms: number, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone,
      weekday: "short",
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    }).format(ms);
  } catch {
    return new Date(ms).toISOString();
  }
}

export function whenText(s: Schedule): string {
  return s.cron ? `${s.cron} · ${s.timezone}` : `once, ${formatIn(s.at as number, s.timezone)}`;
}

export const OUTCOME_LABEL: Record<ScheduleRun["outcome"], string> = {
  running: "running",
  ok: "finished",
  failed: "failed",
  skipped: "skipped",
  missed: "missed",
};

/** "1m 12s", or "" when the run has not both started and finished. */
export function runDuration(r: ScheduleRun): string {
  if (r.started_at === null || r.finished_at === null) return "";
  const s = Math.max(0, Math.round((r.finished_at - r.started_at) / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

export const costText = (usd: number): string =>
  usd === 0 ? "$0" : usd < 0.01 ? "<$0.01" : `$${usd.toFixed(2)}`;
