import { fail, ok, type Result } from "../protocol/errors.ts";
import { taskRef } from "../protocol/tasks.ts";

interface Node {
  num: number;
  status: string;
  parent: number | null;
}
interface Edge {
  num: number;
  depends_on: number;
}

/** Open tasks whose every dependency is done. */
export function readyNums(rows: readonly Node[], deps: readonly Edge[]): Set<number> {
  const status = new Map(rows.map((r) => [r.num, r.status]));
  const ready = new Set<number>();
  for (const r of rows) {
    if (r.status !== "open") continue;
    if (deps.every((d) => d.num !== r.num || status.get(d.depends_on) === "done")) ready.add(r.num);
  }
  return ready;
}

/**
 * Whether task `num` may have this parent and these dependencies, given the other tasks (`rows`,
 * `deps` without `num`'s own): each must exist, and neither the parent chain nor the dependency
 * graph may come back to `num`.
 */
export function checkGraph(
  rows: readonly Node[],
  deps: readonly Edge[],
  num: number,
  parent: number | null,
  dependsOn: readonly number[],
): Result<null> {
  const byNum = new Map(rows.map((r) => [r.num, r]));
  if (parent !== null) {
    if (parent === num) return fail("validation_failed", "parent: a task cannot be its own parent");
    if (!byNum.has(parent)) return fail("validation_failed", `parent: no task ${taskRef(parent)}`);
    for (let p: number | null = parent, hops = 0; p !== null && hops <= rows.length; hops++) {
      if (p === num)
        return fail("validation_failed", `parent: ${taskRef(parent)} is already below this task`);
      p = byNum.get(p)?.parent ?? null;
    }
  }
  for (const d of dependsOn) {
    if (d === num) return fail("validation_failed", "depends_on: a task cannot depend on itself");
    if (!byNum.has(d)) return fail("validation_failed", `depends_on: no task ${taskRef(d)}`);
  }
  // Would `num` be reachable from one of its own dependencies?
  const next = new Map<number, number[]>();
  for (const e of deps) next.set(e.num, [...(next.get(e.num) ?? []), e.depends_on]);
  const seen = new Set<number>();
  const stack = [...dependsOn];
  while (stack.length > 0) {
    const at = stack.pop() as number;
    if (at === num) return fail("validation_failed", "depends_on: that would make a dependency circle");
    if (seen.has(at)) continue;
    seen.add(at);
    stack.push(...(next.get(at) ?? []));
  }
  return ok(null);
}
