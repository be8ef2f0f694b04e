import { resolve } from "node:path";

/**
 * Which agents are working, per project folder: a restore or discard must not race an agent that
 * is writing the same files. The agent kind reports here; the review service asks.
 */
interface AgentEntry {
  session: string;
  working: boolean;
  abort: () => Promise<unknown>;
  idleWaiters: (() => void)[];
}

const byProject = new Map<string, Map<string, AgentEntry>>();

export const agentActivity = {
  register(projectDir: string, session: string, abort: () => Promise<unknown>): void {
    const key = resolve(projectDir);
    const m = byProject.get(key) ?? new Map<string, AgentEntry>();
    byProject.set(key, m);
    m.set(session, { session, working: false, abort, idleWaiters: [] });
  },
  set(projectDir: string, session: string, working: boolean): void {
    const e = byProject.get(resolve(projectDir))?.get(session);
    if (!e) return;
    e.working = working;
    if (!working) for (const w of e.idleWaiters.splice(0)) w();
  },
  unregister(projectDir: string, session: string): void {
    const m = byProject.get(resolve(projectDir));
    const e = m?.get(session);
    if (!e) return;
    for (const w of e.idleWaiters.splice(0)) w();
    m?.delete(session);
  },
  working(projectDir: string): string[] {
    return [...(byProject.get(resolve(projectDir))?.values() ?? [])]
      .filter((e) => e.working)
      .map((e) => e.session);
  },
  /** Abort each working agent of the project and wait until it says it is idle (or the time is up). */
  async stopAll(projectDir: string, timeoutMs = 15_000): Promise<boolean> {
    const working = [...(byProject.get(resolve(projectDir))?.values() ?? [])].filter((e) => e.working);
    await Promise.all(
      working.map(
        (e) =>
          new Promise<void>((done) => {
            const timer = setTimeout(done, timeoutMs);
            e.idleWaiters.push(() => {
              clearTimeout(timer);
              done();
            });
            void e.abort();
          }),
      ),
    );
    return this.working(projectDir).length === 0;
  },
};
