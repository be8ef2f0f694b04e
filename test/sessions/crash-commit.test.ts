import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { startServerIn } from "../http/harness.ts";
import { killServes, spawnServe } from "../ops/serve.ts";
import type { Frame } from "../terminals/harness.ts";
import { AgentTab, assertGapFree, createProject, type SessionWorld, startWorld } from "./harness.ts";

/**
 * The server stores a turn's worth of runner batches in one transaction and acknowledges them to the
 * runner only after it (src/sessions/hub.ts `publishSoon`). Killed with SIGKILL in the middle of a
 * flood — batches received and not committed, committed and not acknowledged — a new server resumes
 * from the stored watermark: the runner re-sends what was not acknowledged, nothing is lost, nothing
 * stored twice, and every event a client saw before the crash is in the history as it saw it.
 */

setDefaultTimeout(600_000);
let w: SessionWorld;

beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  killServes();
  await w?.stop();
});

test("SIGKILL of the server mid-flood: the runner re-sends, every event stored once, in order", async () => {
  const projectId = await createProject(w.admin, "Crash");
  const { home, env } = w.t;
  // The same data dir, served by `octo serve` in its own process (a process a test can SIGKILL).
  await w.t.server.stop();
  const serveEnv = { ...(process.env as Record<string, string>), ...env };
  const first = spawnServe(serveEnv);
  const url = await first.running;
  const admin = new Client(url);
  await admin.login(w.t.admin.username, w.t.admin.password);

  const words = Array.from({ length: 3000 }, (_, i) => `w${i}`).join(" ");
  w.fx.enqueue([{ text: words, chunks: 3000 }]);
  const tab = await AgentTab.open(url, admin.cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id: s });
  // pi has started (it announced its state) before the prompt: starting takes minutes under load.
  await tab.mux.waitFor(
    "session.state",
    () => tab.events(s).some((f) => f.event === "session.state"),
    480_000,
  );
  await tab.ok("prompt", { session_id: s, message: "flood", client_id: "crash-1" }, 480_000);
  await tab.mux.waitFor(
    "a part of the flood",
    () => tab.events(s).filter((f) => f.event === "stream.text_delta").length >= 300,
    480_000,
  );
  first.proc.kill("SIGKILL");
  await first.exited;
  const seen = tab.events(s);
  await tab.close().catch(() => undefined);

  const second = spawnServe(serveEnv);
  const url2 = await second.running;
  const admin2 = new Client(url2);
  await admin2.login(w.t.admin.username, w.t.admin.password);
  const after = await AgentTab.open(url2, admin2.cookie);
  await after.ok("session.subscribe", { session_id: s, after_seq: 0 });
  await after.waitIdle(s, 1, 300_000);
  const all: Frame[] = after.events(s);
  assertGapFree(all);
  // Whole and once: the text from the deltas, and one assistant message with it.
  const deltas = all.filter((f) => f.event === "stream.text_delta").map((f) => String(f.delta));
  expect(deltas.join("")).toBe(words);
  const ends = all.filter((f) => f.event === "stream.message_end");
  const ids = ends.map((f) => (f.message as { id: string }).id);
  expect(new Set(ids).size).toBe(ids.length);
  const assistant = ends.filter((f) => (f.message as { role: string }).role === "assistant");
  expect(assistant.length).toBe(1);
  // What the client was sent before the crash had been committed: the same events at the same seqs.
  const bySeq = new Map(all.map((f) => [f.seq, JSON.stringify(f)]));
  for (const f of seen) expect(bySeq.get(f.seq)).toBe(JSON.stringify(f));
  expect(seen.length).toBeLessThan(all.length);
  await after.close();

  second.proc.kill("SIGTERM");
  await second.exited;
  // Hand the data dir back to an in-process server, for the world's own stop.
  const again = await startServerIn({ home, env });
  w.t.server = again.server;
  w.t.url = again.url;
});
