import type { Database } from "bun:sqlite";
import { budgetEventsRepo } from "../storage/budgets.ts";

/**
 * `budget.reached`: the one event the budget gate emits when a spending limit first refuses a call,
 * once per user, scope and period. The gate runs in the LLM gateway process (decision 0023): it
 * emits there (`Gateway.budgetEvents`) and records the event in the main database, from where the
 * server's feed (`LlmService.budgetEvents`, `budgetEventFeed`) passes it to listeners such as
 * notifications.
 */

export interface BudgetReached {
  type: "budget.reached";
  user_id: string;
  session_id: string;
  scope: "monthly" | "session";
  limit_usd: number;
  /** "2026-12" for a monthly budget, the session id for a conversation's. */
  period: string;
  ts: number;
}

export type BudgetListener = (event: BudgetReached) => void;

export interface BudgetEvents {
  on(listener: BudgetListener): () => void;
  emit(event: BudgetReached): void;
}

export function budgetPeriodKey(scope: "monthly" | "session", sessionId: string, now: number): string {
  return scope === "session" ? sessionId : new Date(now).toISOString().slice(0, 7);
}

export function createBudgetEvents(): BudgetEvents {
  const listeners = new Set<BudgetListener>();
  const seen = new Set<string>();
  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      const key = `${event.user_id}|${event.scope}|${event.period}`;
      if (seen.has(key)) return;
      seen.add(key);
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A listener's failure must never change the gate's answer.
        }
      }
    },
  };
}

export interface BudgetEventFeed {
  /** Listen to events recorded from now on; returns the unsubscribe. */
  on(listener: BudgetListener): () => void;
  /** Read what was recorded since the last look, now (also done every `intervalMs` while listened to). */
  poll(): void;
  stop(): void;
}

/** The server's view: events the gateways recorded, read from the database while someone listens. */
export function budgetEventFeed(db: Database, opts: { intervalMs?: number } = {}): BudgetEventFeed {
  const repo = budgetEventsRepo(db);
  const listeners = new Set<BudgetListener>();
  let last = -1;
  let timer: ReturnType<typeof setInterval> | null = null;
  const poll = () => {
    if (listeners.size === 0) return;
    let rows: ReturnType<typeof repo.after>;
    try {
      if (last < 0) last = repo.lastId();
      rows = repo.after(last);
    } catch {
      return; // The database is closing (server shutdown): nothing more to pass on.
    }
    for (const row of rows) {
      last = row.id;
      const { id: _, ...rest } = row;
      for (const listener of listeners) {
        try {
          listener({ type: "budget.reached", ...rest });
        } catch {
          // One listener's failure must not stop the others.
        }
      }
    }
  };
  return {
    on(listener) {
      if (last < 0) last = repo.lastId();
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(poll, opts.intervalMs ?? 2000);
        timer.unref?.();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    poll,
    stop() {
      listeners.clear();
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
