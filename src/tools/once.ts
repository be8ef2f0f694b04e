import type { Database } from "bun:sqlite";
import type { Result } from "../protocol/errors.ts";
import { toolCallsRepo } from "../storage/tool-calls.ts";
import type { ToolArea } from "./dispatcher.ts";

/** A resent call arrives within the runner's wait (60 s); a day of answers is plenty. */
const KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * An area whose `verbs` (those with side effects) act at most once per call: the first answer to a `(session, call)` is stored, and a
 * call delivered again (the runner resends it when its connection dropped before the answer, e.g.
 * across a server restart) gets that answer instead of adding a second memory or task.
 */
export function once(
  area: ToolArea,
  verbs: readonly string[],
  db: Database,
  now: () => number = Date.now,
): ToolArea {
  const repo = toolCallsRepo(db);
  let lastPrune = 0;
  return Object.fromEntries(
    Object.entries(area).map(([verb, run]) => [
      verb,
      !verbs.includes(verb)
        ? run
        : async (args, ctx): Promise<Result<unknown>> => {
            const key = `${verb}:${ctx.callKey}`;
            const seen = repo.find(ctx.sessionId, key);
            if (seen !== null) return JSON.parse(seen) as Result<unknown>;
            const result = await run(args, ctx);
            const at = now();
            repo.save(ctx.sessionId, key, JSON.stringify(result), at);
            if (at - lastPrune > 60 * 60 * 1000) {
              lastPrune = at;
              repo.pruneBefore(at - KEEP_MS);
            }
            return result;
          },
    ]),
  );
}
