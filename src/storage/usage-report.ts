import type { Database } from "bun:sqlite";

/** SQL for the usage pages: sums of `llm_usage` over a time range, grouped several ways. */

export interface SumsRow {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost: number;
  unknown_requests: number;
}

const SUMS = `COUNT(u.id) AS requests,
  COALESCE(SUM(u.input_tokens), 0) AS input_tokens, COALESCE(SUM(u.output_tokens), 0) AS output_tokens,
  COALESCE(SUM(u.cache_read_tokens), 0) AS cache_read_tokens,
  COALESCE(SUM(u.cache_write_tokens), 0) AS cache_write_tokens,
  COALESCE(SUM(CASE WHEN u.cost_known THEN u.cost ELSE 0 END), 0) AS cost,
  COALESCE(SUM(1 - u.cost_known), 0) AS unknown_requests`;

const DAY = "strftime('%Y-%m-%d', u.ts / 1000, 'unixepoch')";
const RANGE = "u.ts >= $from AND u.ts < $to";

export interface Range {
  from: number;
  to: number;
}

export const usageReportRepo = (db: Database) => {
  const all = <T>(sql: string, args: Record<string, string | number>) =>
    db.query<T & SumsRow, Record<string, string | number>>(sql).all(args);
  return {
    totals(r: Range, userId?: string): SumsRow {
      const who = userId ? "AND u.user_id = $user" : "";
      const args: Record<string, string | number> = { from: r.from, to: r.to };
      if (userId) args.user = userId;
      return all<object>(`SELECT ${SUMS} FROM llm_usage u WHERE ${RANGE} ${who}`, args)[0] as SumsRow;
    },
    /** Every user, with or without calls in the range (an admin sets limits from this list). */
    byUser: (r: Range) =>
      all<{ user_id: string; username: string }>(
        `SELECT us.id AS user_id, us.username, ${SUMS}
         FROM users us LEFT JOIN llm_usage u ON u.user_id = us.id AND ${RANGE}
         GROUP BY us.id ORDER BY cost DESC, requests DESC, us.username`,
        { ...r },
      ),
    byModel(r: Range, userId?: string) {
      const who = userId ? "AND u.user_id = $user" : "";
      const args: Record<string, string | number> = { from: r.from, to: r.to };
      if (userId) args.user = userId;
      return all<{ model: string }>(
        `SELECT u.provider || '/' || u.model AS model, ${SUMS} FROM llm_usage u
         WHERE ${RANGE} ${who} GROUP BY u.provider, u.model ORDER BY cost DESC, requests DESC`,
        args,
      );
    },
    byProject: (r: Range) =>
      all<{ project_id: string; project: string; username: string }>(
        `SELECT u.project_id, COALESCE(p.name, u.project_id) AS project,
           COALESCE(us.username, u.user_id) AS username, ${SUMS}
         FROM llm_usage u LEFT JOIN projects p ON p.id = u.project_id LEFT JOIN users us ON us.id = u.user_id
         WHERE ${RANGE} GROUP BY u.project_id, u.user_id ORDER BY cost DESC, requests DESC`,
        { ...r },
      ),
    byDay: (r: Range) =>
      all<{ day: string }>(
        `SELECT ${DAY} AS day, ${SUMS} FROM llm_usage u WHERE ${RANGE} GROUP BY day ORDER BY day`,
        { ...r },
      ),
    topSessions: (r: Range, limit: number) =>
      all<{ session_id: string; title: string; project: string; username: string }>(
        `SELECT u.session_id, COALESCE(s.title, '') AS title, COALESCE(p.name, u.project_id) AS project,
           COALESCE(us.username, u.user_id) AS username, ${SUMS}
         FROM llm_usage u LEFT JOIN sessions s ON s.id = u.session_id
           LEFT JOIN projects p ON p.id = u.project_id LEFT JOIN users us ON us.id = u.user_id
         WHERE ${RANGE} GROUP BY u.session_id ORDER BY cost DESC, (input_tokens + output_tokens) DESC
         LIMIT $limit`,
        { ...r, limit },
      ),
    /** One row per day, user, project and model: the CSV export. */
    detail: (r: Range) =>
      all<{
        day: string;
        user_id: string;
        username: string;
        project_id: string;
        project: string;
        provider: string;
        model: string;
      }>(
        `SELECT ${DAY} AS day, u.user_id, COALESCE(us.username, '') AS username, u.project_id,
           COALESCE(p.name, '') AS project, u.provider, u.model, ${SUMS}
         FROM llm_usage u LEFT JOIN projects p ON p.id = u.project_id LEFT JOIN users us ON us.id = u.user_id
         WHERE ${RANGE} GROUP BY day, u.user_id, u.project_id, u.provider, u.model
         ORDER BY day, username, project, u.provider, u.model`,
        { ...r },
      ),
  };
};
