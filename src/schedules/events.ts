import type { ScheduleRun } from "../protocol/schedules.ts";

/**
 * What schedules say happened, from one place (`RunTracker.finish`), for whoever wants to know
 * (notifications subscribe here). Each run is announced once, when it ends.
 */
export type ScheduleEvent =
  | { type: "run.finished"; userId: string; run: ScheduleRun }
  | { type: "run.failed"; userId: string; run: ScheduleRun };

export type ScheduleListener = (event: ScheduleEvent) => void;

export class ScheduleEvents {
  private readonly listeners = new Set<ScheduleListener>();

  /** Returns the unsubscribe function. */
  on(listener: ScheduleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ScheduleEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's bug never stops a run from being recorded or other listeners from hearing it.
      }
    }
  }
}
