import { rmSync } from "node:fs";
import { dataPaths } from "../shared/paths.ts";
import { HistoryStore } from "./store.ts";

/**
 * One history database per user, opened on first use and kept open (SQLite handles are cheap;
 * statements are prepared once per user). Deleting a user closes and removes theirs.
 */
export class HistoryRegistry {
  private readonly stores = new Map<string, HistoryStore>();
  private readonly paths: ReturnType<typeof dataPaths>;

  constructor(dataDir: string) {
    this.paths = dataPaths(dataDir);
  }

  /** The user's store. Throws only if the file cannot be opened at all (a bug or a broken disk). */
  for(userId: string): HistoryStore {
    const open = this.stores.get(userId);
    if (open) return open;
    const r = HistoryStore.open(this.paths.historyDb(userId));
    if (!r.ok) throw new Error(`history for ${userId}: ${r.error.message}`);
    this.stores.set(userId, r.value);
    return r.value;
  }

  /** Close and delete a user's history (the user is being deleted). */
  remove(userId: string): void {
    this.stores.get(userId)?.close();
    this.stores.delete(userId);
    rmSync(this.paths.historyDb(userId), { force: true });
    rmSync(`${this.paths.historyDb(userId)}-wal`, { force: true });
    rmSync(`${this.paths.historyDb(userId)}-shm`, { force: true });
  }

  /** Commits and events stored since start, over the open stores (benches read it). */
  totals(): { commits: number; events: number } {
    let commits = 0;
    let events = 0;
    for (const s of this.stores.values()) {
      commits += s.commits;
      events += s.eventsStored;
    }
    return { commits, events };
  }

  close(): void {
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
  }
}
