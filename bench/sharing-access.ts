#!/usr/bin/env bun
/**
 * What the shared-project role check costs (decision 0030): `requireProject` and `requireSession`
 * (src/sharing/access.ts) run on every project, session, file and terminal id, and the LLM proxy
 * looks up who pays for a session on every call (`payerOf`). Real SQLite with migrations, one owner
 * with N projects, members on each. Run: `bun bench/sharing-access.ts [calls]`. Prints numbers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../src/protocol/ids.ts";
import { requireProject, requireSession } from "../src/sharing/access.ts";
import { llmUsageRepo } from "../src/storage/llm.ts";
import { openMainDb } from "../src/storage/main-db.ts";

const CALLS = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "octo-bench-share-"));
const opened = openMainDb(join(dir, "octo.db"));
if (!opened.ok) throw new Error(opened.error.message);
const db = opened.value;
const now = Date.now();
const user = (name: string) => {
  const id = newId("usr");
  db.query(
    "INSERT INTO users (id, username, password_hash, role, created_at, updated_at) VALUES (?, ?, 'x', 'user', ?, ?)",
  ).run(id, name, now, now);
  return id;
};
const owner = user("owner");
const members = Array.from({ length: 20 }, (_, i) => user(`m${i}`));
const projects: string[] = [];
const sessions: string[] = [];
for (let p = 0; p < 200; p++) {
  const id = newId("prj");
  projects.push(id);
  db.query(
    "INSERT INTO projects (id, user_id, name, slug, profile, created_at, updated_at, last_activity_at) VALUES (?, ?, ?, ?, 'default', ?, ?, ?)",
  ).run(id, owner, `p${p}`, `p${p}`, now, now, now);
  for (const m of members)
    db.query(
      "INSERT INTO project_members (project_id, user_id, role, terminal, added_by, created_at) VALUES (?, ?, 'editor', 0, ?, ?)",
    ).run(id, m, owner, now);
  const s = newId("ses");
  sessions.push(s);
  db.query(
    "INSERT INTO sessions (id, user_id, project_id, title, profile, status, last_seq, created_at, updated_at, last_active_at, created_by) VALUES (?, ?, ?, '', 'default', 'ready', 0, ?, ?, ?, ?)",
  ).run(s, owner, id, now, now, now, members[0] as string);
}

function time(label: string, run: (i: number) => unknown) {
  for (let i = 0; i < 1000; i++) run(i);
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < CALLS; i++) run(i);
  const us = (Bun.nanoseconds() - t0) / 1000 / CALLS;
  console.log(`${label.padEnd(40)} ${us.toFixed(2)} µs per call`);
}

const member = { id: members[7] as string };
const stranger = { id: newId("usr") };
const usage = llmUsageRepo(db);
console.log(`sharing access bench: ${CALLS} calls each, 200 projects × 20 members`);
time("requireProject (owner, read)", (i) =>
  requireProject(db, { id: owner }, projects[i % 200] as string, "read"),
);
time("requireProject (member, write)", (i) =>
  requireProject(db, member, projects[i % 200] as string, "write"),
);
time("requireProject (stranger → not_found)", (i) =>
  requireProject(db, stranger, projects[i % 200] as string, "read"),
);
time("requireSession (member, write)", (i) =>
  requireSession(db, member, sessions[i % 200] as string, "write"),
);
time("payerOf (LLM proxy, per call)", (i) => usage.payerOf(sessions[i % 200] as string));
db.close();
rmSync(dir, { recursive: true, force: true });
