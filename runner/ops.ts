import { fail, ok, type Result } from "../src/protocol/errors.ts";
import { RUNNER_PROTOCOL_VERSION, type RunnerRequest, type RunnerStatus } from "../src/protocol/runner.ts";
import { childrenMap, treeMemory, treeRssBytes } from "../src/shared/proctree.ts";
import { VERSION } from "../src/shared/version.ts";
import type { BrowserService } from "./browser/service.ts";
import type { IdleCollector } from "./idle-gc.ts";
import type { ProcessTable, SubscriptionSink } from "./process-table.ts";
import type { ToolService } from "./tools/service.ts";

export interface RunnerState {
  user: string;
  secret: string;
  workspaceRoot: string;
  startedAt: number;
  /** `ack` requests answered since start (how often the server acknowledges: bench and tests). */
  acks: number;
  /** Event lines sent to servers, and the writes they were handed to sockets in (bench and tests). */
  eventLinesSent: number;
  eventWrites: number;
  maxProcesses: number;
  table: ProcessTable;
  idle: IdleCollector;
  /** Agent sessions' tool sockets and the calls they forward to the server. */
  tools: ToolService;
  /** The agent browsers (the `browser` tool area and the person's take-over). */
  browsers: BrowserService;
}

export function runnerStatus(state: RunnerState): RunnerStatus {
  const live = state.table.list().filter((p) => p.state !== "exited");
  const children = childrenMap();
  const tree = treeMemory(process.pid, children);
  return {
    user: state.user,
    pid: process.pid,
    version: VERSION,
    started_at: state.startedAt,
    uptime_ms: Date.now() - state.startedAt,
    processes: state.table.liveCount,
    max_processes: state.maxProcesses,
    rss_bytes: treeRssBytes(process.pid),
    agents: live.filter((p) => p.kind === "agent").length,
    terminals: live.filter((p) => p.kind === "raw" && p.pty).length,
    tree_pss_bytes: tree.pss,
    tree_private_bytes: tree.private,
    process_memory: state.table.memory(children),
    acks_received: state.acks,
    event_lines_sent: state.eventLinesSent,
    event_writes: state.eventWrites,
  };
}

/** One validated, authenticated request → its result. Never throws for bad input. */
export function handleRequest(
  req: RunnerRequest,
  state: RunnerState,
  conn: SubscriptionSink,
): Result<unknown> {
  const { table } = state;
  state.idle.touch();
  const withProc = <T>(id: string, f: (p: ReturnType<typeof table.get> & { ok: true }) => Result<T>) => {
    const proc = table.get(id);
    return proc.ok ? f(proc) : proc;
  };
  switch (req.op) {
    case "hello":
      return ok({
        user: state.user,
        pid: process.pid,
        version: VERSION,
        protocol: RUNNER_PROTOCOL_VERSION,
        workspace: state.workspaceRoot,
      });
    case "spawn":
      return table.spawn(req);
    case "write": {
      const bytes = Buffer.from(req.data, "base64");
      return withProc(req.proc, (p) => {
        const written = p.value.write(bytes);
        return written.ok ? ok({ bytes: written.value }) : written;
      });
    }
    case "close_stdin":
      return withProc(req.proc, (p) => mapEmpty(p.value.closeStdin()));
    case "resize":
      return withProc(req.proc, (p) => mapEmpty(p.value.resize(req.cols, req.rows)));
    case "signal":
      return withProc(req.proc, (p) => mapEmpty(p.value.signal(req.signal)));
    case "kill":
      return withProc(req.proc, (p) => {
        p.value.kill();
        return ok({});
      });
    case "kill_tag":
      return ok({ killed: table.killTag(req.tag) });
    case "list":
      return ok({ processes: table.list(req.tag) });
    case "subscribe":
      return table.subscribe(req.proc, conn, req.after_seq);
    case "unsubscribe":
      table.unsubscribe(req.proc, conn);
      return ok({});
    case "ack":
      state.acks++;
      return mapEmpty(table.ack(req.proc, req.seq));
    case "status":
      return ok(runnerStatus(state));
    default:
      return fail("unknown_command", "unknown op");
  }
}

const mapEmpty = (r: Result<unknown>): Result<Record<string, never>> => (r.ok ? ok({}) : r);
