/**
 * `budget.reached`: the one event the budget gate emits when a spending limit first refuses a call
 * (once per user, scope and period in a process). Notifications subscribe here; the gate lives in
 * the LLM gateway process (decision 0023), so a listener in the server must be fed from there.
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
