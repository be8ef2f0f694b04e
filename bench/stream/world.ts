/**
 * The processes of the streaming benchmark: the LLM fixture and the octo server each in a child
 * process (the server starts its runner, which runs pi under octo-sandbox), the runner's trace file,
 * and a logged-in user with a project. The measuring clients live in the benchmark's own process.
 */
import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { gatewayFiles } from "../../src/llm/gateway-files.ts";
import { Client } from "../../test/http/client.ts";
import { BenchSocket } from "./client.ts";

export const LLM_KEY = "sk-bench-provider-key-0123456789";

export interface Child<T> {
  proc: Bun.Subprocess<"ignore", "pipe", "inherit">;
  info: T;
}

/** Starts a bench script (relative to this folder, or absolute) and waits for its `READY {json}` line. */
export async function startChild<T>(script: string, env: Record<string, string>): Promise<Child<T>> {
  const proc = Bun.spawn([process.execPath, resolve(import.meta.dir, script)], {
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${script} exited before it was ready:\n${text}`);
    text += decoder.decode(value, { stream: true });
    const m = text.match(/^READY (.*)$/m);
    if (m) {
      reader.releaseLock();
      // keep draining its stdout so it never blocks on a full pipe
      void (async () => {
        for await (const _ of proc.stdout) {
        }
      })();
      return { proc, info: JSON.parse(m[1] as string) as T };
    }
  }
}

/** Bun's CLI options for a CPU profile (as `.cpuprofile` and markdown) written to `dir` on exit. */
export function profileOptions(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o777 });
  chmodSync(dir, 0o777); // the runner runs as the unprivileged agent account
  return `--cpu-prof --cpu-prof-md --cpu-prof-dir=${dir}`;
}

/** One runner trace line (runner/trace.ts). */
export interface TracePoint {
  seq: number;
  arrived: number;
  numbered: number;
}

export interface World {
  url: string;
  serverPid: number;
  llmBaseUrl: string;
  cookie: string;
  projectId: string;
  /** The server's main database (WAL; readers and a careful writer may share it). */
  dbPath: string;
  /** The server's temporary HOME (its log is `server.log` there). */
  home: string;
  runnerPid(): number;
  /** The LLM gateway the server started (its own process, outside the server's tree). */
  gatewayPid(): number;
  /** The server's history commits and stored events so far (asked for with SIGUSR2). */
  historyTotals(): Promise<{ commits: number; events: number }>;
  procOf(sessionId: string): string;
  /** How many sessions are in each status (`active`, `sleeping` once reaped, …). */
  statusCounts(): Record<string, number>;
  /** The runner's `stream.text_delta` trace points of a process, waiting until there are `n`. */
  deltaTrace(proc: string, n: number): Promise<TracePoint[]>;
  socket(): Promise<BenchSocket>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "octo-bench-stream-"));
  const traceFile = join(dir, "trace.txt");
  // Run as root, the runner is the unprivileged `octo-agent` (decision 0016): let it append.
  writeFileSync(traceFile, "", { mode: 0o666 });
  chmodSync(traceFile, 0o666);
  chmodSync(dir, 0o755);
  const llm = await startChild<{ url: string; openaiBaseUrl: string }>("llm.ts", { BENCH_LLM_KEY: LLM_KEY });
  const server = await startChild<{
    url: string;
    pid: number;
    admin: { username: string; password: string };
    db: string;
    runnerPidFile: string;
    gatewayPidFile: string;
    statsFile: string;
  }>("server.ts", {
    BENCH_LLM_URL: llm.info.openaiBaseUrl,
    BENCH_LLM_KEY: LLM_KEY,
    ...(process.env.NO_TRACE ? {} : { OCTO_TRACE_FILE: traceFile }),
    // BENCH_CPU_PROF=DIR: Bun's sampling profiler in the server and its runner, written to DIR on exit.
    ...(process.env.BENCH_CPU_PROF ? { BUN_OPTIONS: profileOptions(process.env.BENCH_CPU_PROF) } : {}),
  });
  const { url } = server.info;
  const http = new Client(url);
  await http.login(server.info.admin.username, server.info.admin.password);
  const project = await http.post<{ project: { id: string } }>("/api/projects", { name: "Bench" });
  if (project.status !== 200) throw new Error(`create project: ${JSON.stringify(project.body)}`);
  const db = new Database(server.info.db, { readonly: true });
  const cookie = http.cookie as string;

  // The trace file only grows; it is parsed incrementally.
  const byProc = new Map<string, TracePoint[]>();
  let offset = 0;
  let carry = "";
  const readTrace = () => {
    if (!existsSync(traceFile)) return;
    const buf = readFileSync(traceFile);
    if (buf.length <= offset) return;
    const text = carry + buf.subarray(offset).toString("utf8");
    offset = buf.length;
    const lines = text.split("\n");
    carry = lines.pop() ?? "";
    for (const line of lines) {
      const [proc, seq, event, arrived, numbered] = line.split(" ");
      if (event !== "stream.text_delta" || !proc) continue;
      const points = byProc.get(proc) ?? [];
      byProc.set(proc, points);
      points.push({ seq: Number(seq), arrived: Number(arrived), numbered: Number(numbered) });
    }
  };

  return {
    url,
    serverPid: server.info.pid,
    llmBaseUrl: llm.info.openaiBaseUrl,
    cookie,
    projectId: project.body.project.id,
    dbPath: server.info.db,
    home: (server.info as { home?: string }).home ?? "",
    runnerPid: () => Number(readFileSync(server.info.runnerPidFile, "utf8")),
    gatewayPid: () => {
      const file = gatewayFiles(dirname(server.info.runnerPidFile)).pidFile;
      return existsSync(file) ? Number(readFileSync(file, "utf8")) : 0;
    },
    async historyTotals() {
      const file = server.info.statsFile;
      rmSync(file, { force: true });
      server.proc.kill("SIGUSR2");
      const deadline = Date.now() + 10_000;
      while (!existsSync(file)) {
        if (Date.now() > deadline) throw new Error(`the server wrote no ${file}`);
        await Bun.sleep(5); // a bench waiting for another process's file
      }
      return JSON.parse(readFileSync(file, "utf8")) as { commits: number; events: number };
    },
    procOf(sessionId) {
      const row = db
        .query<{ proc_id: string | null }, [string]>("SELECT proc_id FROM sessions WHERE id = ?")
        .get(sessionId);
      if (!row?.proc_id) throw new Error(`session ${sessionId} has no process`);
      return row.proc_id;
    },
    statusCounts() {
      const rows = db
        .query<{ status: string; n: number }, []>(
          "SELECT status, count(*) AS n FROM sessions GROUP BY status",
        )
        .all();
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    async deltaTrace(proc, n) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        readTrace();
        const points = byProc.get(proc) ?? [];
        if (points.length >= n) return points;
        if (Date.now() > deadline)
          throw new Error(`trace of ${proc} has ${points.length} deltas, expected ${n}`);
        await Bun.sleep(20); // the runner writes its trace every 50 ms
      }
    },
    socket: () => BenchSocket.connect(url, cookie),
    async stop() {
      db.close();
      server.proc.kill("SIGTERM");
      await server.proc.exited;
      llm.proc.kill("SIGTERM");
      await llm.proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
