/**
 * Terminal benchmarks (run by hand: `bun bench/terminal.ts`). Prints numbers; asserts nothing.
 * The real server (port 0, temp HOME), its single-user runner, the `default` sandbox profile.
 *  - keystroke → echo through the whole path: WebSocket → server → runner → PTY (bash readline)
 *    → runner → server → WebSocket
 *  - the runner part alone: the server's runner client → runner → PTY → back (target p50 ≤ 5 ms)
 *  - bulk output: 16 MiB of text through the terminal to one socket (MB/s)
 *  - attach replay: a fresh socket attaching to a terminal with full scrollback (time to last byte)
 */
import { rmSync } from "node:fs";
import type { RunnerEvent } from "../src/protocol/runner.ts";
import { startTestServer } from "../test/http/harness.ts";
import { login, MuxClient, makeProject, stopLocalRunner } from "../test/terminals/harness.ts";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(2)} ms  p95 ${pct(xs, 95).toFixed(2)} ms  max ${Math.max(...xs).toFixed(2)} ms  (n=${xs.length})`;

const N = Number(process.env.N ?? 500);
const t = await startTestServer();
const socketDir = t.server.ctx.config.paths.socketDir;
try {
  const admin = await login(t.url, t.admin.username, t.admin.password);
  const me = await admin.get<{ user: { id: string; username: string } }>("/api/auth/me");
  const project = makeProject(t.server, me.body.user.id, "bench");
  const s = await MuxClient.connect(t.url, admin.cookie);
  const { terminal } = await s.ok<{ terminal: { terminal_id: string } }>("open", {
    project_id: project.id,
    cols: 200,
    rows: 50,
  });
  const id = terminal.terminal_id;
  await s.ok("attach", { terminal_id: id });
  await s.input(id, 'echo "rea""dy"\r');
  await s.waitText(id, "ready\r\n");
  await s.waitText(id, /ready\r\n[\s\S]*[#$] $/);

  // Whole path: type a character, wait for its echo; then erase it so the line stays short.
  {
    const times: number[] = [];
    for (let i = 0; i < N; i++) {
      const before = s.events(id).length;
      const t0 = performance.now();
      s.sendRaw(JSON.stringify({ ch: "terminal", cmd: "input", terminal_id: id, data: "x" }));
      await s.waitFor("echo", () => s.events(id).length > before);
      times.push(performance.now() - t0);
      const after = s.events(id).length;
      s.sendRaw(JSON.stringify({ ch: "terminal", cmd: "input", terminal_id: id, data: "\x7f" }));
      await s.waitFor("erase", () => s.events(id).length > after);
    }
    console.log(`keystroke → echo, browser socket → PTY → browser socket: ${fmt(times.slice(20))}`);
  }

  // The runner part alone, on the same runner: a second PTY shell driven by the server's client.
  {
    const runner = await t.server.ctx.services.runners.forUser(me.body.user.username);
    if (!runner.ok) throw new Error(runner.error.message);
    const client = runner.value;
    const spawned = await client.spawn({
      profile: "default",
      project: project.dir,
      argv: ["bash", "--norc", "-i"],
      pty: { cols: 200, rows: 50 },
    });
    if (!spawned.ok) throw new Error(spawned.error.message);
    let outputs = 0;
    let text = "";
    const wakers = new Set<() => void>();
    await client.subscribe(spawned.value.proc, 0, (e: RunnerEvent) => {
      if (e.event === "output") {
        outputs++;
        text += Buffer.from(e.data, "base64").toString();
      }
      for (const w of wakers) w();
    });
    const waitOutput = (count: number) =>
      new Promise<void>((resolve) => {
        if (outputs > count) return resolve();
        const w = () => {
          if (outputs > count) {
            wakers.delete(w);
            resolve();
          }
        };
        wakers.add(w);
      });
    await client.write(spawned.value.proc, "echo go$((1+1))\r");
    while (!text.includes("go2")) await waitOutput(outputs);
    const times: number[] = [];
    for (let i = 0; i < N; i++) {
      const before = outputs;
      const t0 = performance.now();
      void client.write(spawned.value.proc, "x");
      await waitOutput(before);
      times.push(performance.now() - t0);
      const after = outputs;
      void client.write(spawned.value.proc, "\x7f");
      await waitOutput(after);
    }
    console.log(`keystroke → echo, runner client → PTY → runner client:   ${fmt(times.slice(20))}`);
    await client.kill(spawned.value.proc);
  }

  // Bulk output to one socket.
  {
    const bytes = 16 * 1024 * 1024;
    const t0 = performance.now();
    const marker = "bulk-done";
    await s.input(id, `head -c ${(bytes * 3) / 4} /dev/zero | base64 -w 199; echo "bulk""-done"\r`);
    // Only the newest frame is looked at per wake-up, so the client's own cost stays O(1) per frame.
    let frames = 0;
    await s.waitFor(
      "bulk output",
      () => {
        const f = s.frames[s.frames.length - 1];
        frames++;
        return f?.event === "output" && Buffer.from(String(f.data), "base64").toString().includes(marker);
      },
      300_000,
    );
    const secs = (performance.now() - t0) / 1000;
    console.log(`(${frames} frames)`);
    console.log(
      `bulk output: ${(bytes / 1024 / 1024).toFixed(0)} MiB in ${secs.toFixed(2)} s = ${(bytes / 1024 / 1024 / secs).toFixed(1)} MiB/s`,
    );
  }

  // Replay of the full scrollback to a fresh socket.
  {
    const fresh = await MuxClient.connect(t.url, admin.cookie);
    const t0 = performance.now();
    const info = await fresh.ok<{ terminal: { last_seq: number } }>("attach", { terminal_id: id });
    await fresh.waitFor("replay", () => fresh.lastSeq(id) >= info.terminal.last_seq);
    const ms = performance.now() - t0;
    console.log(
      `attach with full scrollback (${(fresh.text(id).length / 1024).toFixed(0)} KiB): ${ms.toFixed(1)} ms`,
    );
    fresh.ws.close();
  }
  s.ws.close();
} finally {
  await t.server.stop();
  stopLocalRunner(socketDir);
  rmSync(t.home, { recursive: true, force: true });
}
