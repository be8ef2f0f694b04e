import type { ScheduleEvent } from "../schedules/events.ts";
import type { NotifyInput } from "./service.ts";

const usd = (n: number) => `$${n.toFixed(2)}`;

/**
 * A scheduled or webhook run that ended, as a notification: a click opens the run's conversation
 * (or its project when it never got one, e.g. an agent that could not start).
 */
export function scheduleNotice(e: ScheduleEvent): NotifyInput {
  const { run } = e;
  const ok = e.type === "run.finished";
  const cost = run.cost > 0 ? ` · ${usd(run.cost)}` : "";
  return {
    kind: ok ? "schedule.finished" : "schedule.failed",
    title: ok ? `Scheduled run finished: ${run.title}` : `Scheduled run failed: ${run.title}`,
    body: ok ? `The run is done${cost}.` : `${run.reason ?? "The run did not finish."}${cost}`,
    project_id: run.project_id,
    session_id: run.session_id,
  };
}
