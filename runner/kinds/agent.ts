import { agentCommandSchemas, isAgentCommandName } from "../../src/protocol/agent-commands.ts";
import { decode } from "../../src/protocol/decode.ts";
import { fail, type Result } from "../../src/protocol/errors.ts";
import { PiProcess } from "../pi/process.ts";
import type { PiIo } from "../pi/rpc-channel.ts";
import { turnCheckpoints } from "../review/turns.ts";
import { stdoutPipe, streamTrace } from "../trace.ts";
import type { ProcessKindImpl } from "./kind.ts";

const encoder = new TextEncoder();

/**
 * How long a command waits here for pi to start. Below the server's own limit for an agent command
 * (AGENT_COMMAND_TIMEOUT_MS, 120 s): a command the server has given up on must be refused here, not
 * delivered to pi later — a prompt reported as failed must not run anyway.
 */
export const AGENT_START_WAIT_MS = 100_000;

/**
 * `OCTO_AGENT_START_WAIT_MS` shortens that wait (test/sessions/start-timeout waits seconds, not
 * 100 s). Only a shorter wait is accepted, so the server's limit stays above it; any other value
 * stops the runner at start with this error rather than being ignored.
 */
export function agentStartWaitMs(env: Record<string, string | undefined>): number {
  const raw = env.OCTO_AGENT_START_WAIT_MS;
  if (raw === undefined || raw === "") return AGENT_START_WAIT_MS;
  const ms = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(ms >= 1 && ms <= AGENT_START_WAIT_MS))
    throw new Error(
      `OCTO_AGENT_START_WAIT_MS must be a whole number of milliseconds from 1 to ${AGENT_START_WAIT_MS}, not ${JSON.stringify(raw)}`,
    );
  return ms;
}

const startWaitMs = agentStartWaitMs(process.env);

/**
 * Run `command` once `started` settles, or refuse it (never run it later) if that takes longer than
 * `waitMs`: pi is still starting on a machine too loaded to start it in time.
 */
export async function afterStart<T>(
  started: Promise<unknown>,
  waitMs: number,
  command: () => Promise<Result<T>>,
): Promise<Result<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), waitMs);
  });
  const first = await Promise.race([started.then(() => "started" as const), late]);
  clearTimeout(timer);
  if (first === "late")
    return fail(
      "runner_unavailable",
      `the agent did not start within ${Math.round(waitMs / 1000)} s (the machine may be overloaded); the command was not sent, try again`,
    );
  return command();
}

/**
 * pi in RPC mode: stdout lines become canonical agent events (`{event:"agent", body}`), canonical
 * commands become pi RPC on stdin. The translation runs here, in the runner, so the socket to the
 * server carries deltas only — never pi's per-token message snapshots (108 MB for 10k tokens).
 */
export const agentKind: ProcessKindImpl = {
  name: "agent",
  translator(emit, stdin, spawn, project) {
    const stdout = stdoutPipe();
    let exited: (status: { code: number | null; signal: string | null }) => void = () => {};
    const io: PiIo = {
      write: (data) => {
        if (stdin.write(encoder.encode(data)) === 0) throw new Error("agent stdin is closed");
      },
      stdout: stdout.stream,
      exited: new Promise((resolve) => {
        exited = resolve;
      }),
      // The runner owns the process tree; pi is stopped through the supervisor, not from here.
      kill: () => stdin.closeStdin(),
      end: () => stdin.closeStdin(),
    };
    const turns = project && spawn ? turnCheckpoints(project, spawn.session_key, () => pi) : null;
    const pi = new PiProcess(io, {
      onEvent: (body) => {
        turns?.observe(body.event);
        const e = emit({ event: "agent", body });
        streamTrace?.record(e.proc, e.seq, body.event, stdout.arrivedAt());
      },
    });
    // Every launch announces its state once pi answers (`session.state`: model, thinking level, …).
    // A fork starts on a copy of another session's pi files and branches once pi has loaded them;
    // commands wait for that, so a first prompt cannot land on the unforked history.
    const forkAt = spawn?.fork_at;
    const started: Promise<unknown> = pi.ready().then(async (ready) => {
      if (!ready.ok || forkAt === undefined) return;
      const r = await pi.forkAt(forkAt);
      if (!r.ok) emit({ event: "agent", body: { event: "agent.error", error: r.error, recoverable: false } });
    });
    return {
      output(stream, bytes) {
        if (stream === "stdout") stdout.push(bytes);
        else emit({ event: "output", stream, data: Buffer.from(bytes).toString("base64") });
      },
      end(status) {
        turns?.end();
        stdout.close();
        exited(status);
      },
      async command(raw) {
        const cmd = (raw as { cmd?: unknown } | null)?.cmd;
        if (typeof cmd !== "string" || !isAgentCommandName(cmd))
          return fail("unknown_command", "unknown agent command");
        const parsed = decode(agentCommandSchemas[cmd], raw, cmd);
        if (!parsed.ok) return parsed;
        const c = parsed.value;
        return afterStart(started, startWaitMs, async () => {
          await turns?.before(c);
          return pi.handle(c);
        });
      },
      adopt(session, sessionPath) {
        return afterStart(started, AGENT_START_WAIT_MS, async () => {
          turns?.rekey(session);
          // pi re-reads its state after the switch and announces it (`session.state`).
          return pi.switchSession(sessionPath);
        });
      },
    };
  },
};
