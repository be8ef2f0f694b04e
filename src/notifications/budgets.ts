import type { BudgetReached } from "../llm/budget-events.ts";
import type { NotifyInput } from "./service.ts";

const usd = (n: number) => `$${n.toFixed(2)}`;

/**
 * `budget.reached` from the LLM gateway's budget gate (recorded once per user, scope and period)
 * as a notification: the conversation it stopped, when there is one to open.
 */
export function budgetNotice(e: BudgetReached, projectOf: (sessionId: string) => string | null): NotifyInput {
  const projectId = projectOf(e.session_id);
  const monthly = e.scope === "monthly";
  return {
    kind: "budget.reached",
    title: monthly
      ? `Monthly budget of ${usd(e.limit_usd)} reached`
      : `This conversation's budget of ${usd(e.limit_usd)} is spent`,
    body: monthly
      ? `Agents stop calling models until ${e.period} ends or an admin raises the limit.`
      : "Its agent stops calling models; start a new conversation or ask an admin to raise the limit.",
    ...(projectId ? { project_id: projectId, session_id: e.session_id } : {}),
  };
}
