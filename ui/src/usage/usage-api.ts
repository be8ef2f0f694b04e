import { type LimitsBody, MyUsage, UsageReport, UserLimits } from "../../../src/protocol/budgets.ts";
import { api } from "../api/http.ts";

/** Budgets and usage endpoints (contracts in src/protocol/budgets.ts). */

const range = (from: string, to: string) => {
  const q = new URLSearchParams();
  if (from) q.set("from", from);
  if (to) q.set("to", to);
  const s = q.toString();
  return s ? `?${s}` : "";
};

export const report = (from = "", to = "") => api("GET", `/api/admin/usage${range(from, to)}`, UsageReport);
export const csvHref = (from = "", to = "") => `/api/admin/usage.csv${range(from, to)}`;
export const limitsOf = (userId: string) =>
  api("GET", `/api/admin/users/${encodeURIComponent(userId)}/limits`, UserLimits);
export const setLimits = (userId: string, body: LimitsBody) =>
  api("PUT", `/api/admin/users/${encodeURIComponent(userId)}/limits`, UserLimits, { body });
export const mine = () => api("GET", "/api/usage/me", MyUsage);
