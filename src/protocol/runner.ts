import * as v from "valibot";
import { variantParser } from "./decode.ts";
import { ERROR_STATUS, type ErrorCode } from "./errors.ts";
import { idSchema } from "./ids.ts";

/**
 * The server ⇄ octo-runner wire contract, and the server ⇄ `octo-runner --system` one.
 *
 * Transport: a byte stream (a unix socket today) carrying JSON lines, split on `\n` only.
 * Requests `{id, op, …}` get exactly one response `{id, ok, data | error}`; events are pushed
 * without an id and carry a per-process `seq` that rises by one per event, gap-free, across
 * restarts of the same process. The first request on a runner connection must be `hello`.
 *
 * Output bytes travel base64-encoded: PTY and pipe chunks are arbitrary bytes that may split a
 * UTF-8 sequence, and JSON strings cannot carry raw bytes. Base64 costs a fixed 4/3 and is encoded
 * natively; escaping bytes as `\u00XX` would cost up to 6× for the escape sequences terminals emit.
 */

export const RUNNER_PROTOCOL_VERSION = 1;
/** Requests and events are small; stdin writes are the largest legitimate lines. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

/** Platform user names that may become Linux accounts `octo_<name>`. */
export const USER_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,30}$/;
export const userName = v.pipe(
  v.string(),
  v.regex(USER_NAME_PATTERN, "a user name matching ^[a-z][a-z0-9_-]{0,30}$"),
);

export const procId = idSchema("prc");
/** An owner tag, e.g. the platform session id that owns a process; `kill_tag` ends them all. */
export const ownerTag = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "a tag of [A-Za-z0-9_.:-]"));
const seq = v.pipe(v.number(), v.integer(), v.minValue(0));
const reqId = v.pipe(v.number(), v.integer(), v.minValue(0));
const base64 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64 bytes"));
const termSize = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000));
const absolutePath = v.pipe(
  v.string(),
  v.regex(/^\/[^\0]*$/, "an absolute path"),
  v.check((p) => !p.split("/").includes(".."), "must not contain .."),
);
const envKey = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"));
const noNul = v.pipe(
  v.string(),
  v.check((s) => !s.includes("\0"), "no NUL"),
);

/** Process kinds share spawn/seq/ack/buffering; they differ in how output becomes events. */
export const PROCESS_KINDS = ["raw", "agent"] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];

export const SIGNALS = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGKILL",
  "SIGUSR1",
  "SIGUSR2",
  "SIGSTOP",
  "SIGCONT",
  "SIGWINCH",
] as const;

export const RestartPolicySchema = v.strictObject({
  /** Restarts after a crash (non-zero exit or signal); a clean exit 0 is never restarted. */
  max_restarts: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)),
  initial_delay_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(60_000)), 500),
  max_delay_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(600_000)), 30_000),
});
export type RestartPolicy = v.InferOutput<typeof RestartPolicySchema>;

/**
 * What an `agent` process needs beyond a plain spawn: the runner builds pi's command line itself,
 * keeps the session's pi state in its own directory (bound writable into the sandbox), and writes
 * pi's `models.json` inside the sandbox with the LLM relay's URL in place of `@OCTO_LLM_URL@`.
 */
export const AgentSpawnSchema = v.strictObject({
  /** Names the per-session state directory (the platform session id). */
  session_key: idSchema("ses"),
  models_json: v.pipe(v.string(), v.maxLength(1_000_000)),
  model_args: v.pipe(v.array(v.pipe(v.string(), v.maxLength(300))), v.maxLength(8)),
  /** Continue the most recent pi session in the state directory (after idle reaping or a crash). */
  resume: v.boolean(),
  /** Fork: start from a copy of this session's pi files (same runner user)… */
  fork_from: v.optional(idSchema("ses")),
  /** …branched before its n-th user message (0-based). */
  fork_at: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /**
   * Start from this pi session file (JSONL) instead of an empty one: written into the state
   * directory when it holds no session yet (a conversation copied from another user's, whose pi
   * files this runner cannot read).
   */
  seed_session: v.optional(v.pipe(v.string(), v.maxLength(3_500_000))),
});
export type AgentSpawn = v.InferOutput<typeof AgentSpawnSchema>;

const req = <const Op extends string, E extends v.ObjectEntries>(op: Op, entries: E) =>
  v.strictObject({ id: reqId, op: v.literal(op), ...entries });

export const SpawnParamsSchema = v.strictObject({
  /** The platform user this process is for: a runner refuses anything not its own. */
  user: userName,
  kind: v.optional(v.picklist(PROCESS_KINDS), "raw"),
  profile: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "a profile name")),
  /** Absolute project directory; must resolve inside the runner's workspace. */
  project: absolutePath,
  argv: v.pipe(v.array(noNul), v.minLength(1), v.maxLength(1024)),
  env: v.optional(v.record(envKey, noNul), {}),
  pty: v.optional(v.strictObject({ cols: termSize, rows: termSize })),
  tag: v.optional(ownerTag),
  restart: v.optional(RestartPolicySchema),
  /** Bound on retained, unacknowledged event bytes (capped by the runner's own maximum). */
  buffer_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024))),
  llm_socket: v.optional(absolutePath),
  /**
   * The user's LLM gateway directory (holds `llm.sock`): bound whole, so a gateway restart that
   * recreates the socket file is seen by sandboxes already running. Preferred over `llm_socket`.
   */
  gateway_dir: v.optional(absolutePath),
  tool_socket: v.optional(absolutePath),
  /** Required for kind `agent` (argv is then ignored), refused for others. */
  agent: v.optional(AgentSpawnSchema),
});
export type SpawnParams = v.InferInput<typeof SpawnParamsSchema>;

export const RunnerRequestSchema = v.variant("op", [
  req("hello", {
    secret: v.pipe(v.string(), v.maxLength(1024)),
    protocol: v.number(),
    client: v.optional(v.string()),
  }),
  v.strictObject({ id: reqId, op: v.literal("spawn"), ...SpawnParamsSchema.entries }),
  req("write", { proc: procId, data: base64 }),
  req("close_stdin", { proc: procId }),
  req("resize", { proc: procId, cols: termSize, rows: termSize }),
  req("signal", { proc: procId, signal: v.picklist(SIGNALS) }),
  req("kill", { proc: procId }),
  req("kill_tag", { tag: ownerTag }),
  req("list", { tag: v.optional(ownerTag) }),
  req("subscribe", { proc: procId, after_seq: seq }),
  req("unsubscribe", { proc: procId }),
  req("ack", { proc: procId, seq }),
  req("status", {}),
  /** A canonical agent command for an `agent` process; its adapter answers. */
  req("agent", { proc: procId, command: v.unknown() }),
  /**
   * A running agent (a warm spare) becomes the agent of `session`: that session's pi files
   * move into the agent's state, its process, tool socket and checkpoints take the session's key,
   * and pi switches to the session's latest file. Answers pi's state after the switch.
   */
  req("adopt", { proc: procId, session: idSchema("ses") }),
  /** The person's hand on a session's agent browser (`BrowserControlSchema`, checked by the runner). */
  req("browser", { session: idSchema("ses"), control: v.unknown() }),
  /**
   * This connection answers runner calls (`src/protocol/tools.ts`; the server does). A request of
   * its own rather than a hello field, so a new server still talks to a runner that predates it.
   */
  req("accept_calls", {}),
]);
export type RunnerRequest = v.InferOutput<typeof RunnerRequestSchema>;
/** `v.safeParse(RunnerRequestSchema, value)`, by a lookup of `op` rather than a scan (decode.ts). */
export const parseRunnerRequest = variantParser(RunnerRequestSchema);
export type RunnerOp = RunnerRequest["op"];
/** What a caller passes for `op`: the request without `id` and `op` (defaults may be left out). */
export type RunnerParams<Op extends RunnerOp> = Omit<
  Extract<v.InferInput<typeof RunnerRequestSchema>, { op: Op }>,
  "id" | "op"
>;
export type Signal = (typeof SIGNALS)[number];
export const RUNNER_OPS = RunnerRequestSchema.options.map((o) => o.entries.op.literal);

export const ProcessStates = ["running", "restarting", "exited"] as const;
export const ProcessInfoSchema = v.strictObject({
  proc: procId,
  kind: v.picklist(PROCESS_KINDS),
  pid: v.nullable(v.number()),
  state: v.picklist(ProcessStates),
  tag: v.nullable(v.string()),
  profile: v.string(),
  project: v.string(),
  argv: v.array(v.string()),
  pty: v.boolean(),
  started_at: v.number(),
  restarts: v.number(),
  last_seq: seq,
  acked_seq: seq,
  /** The process's whole tree (wrapper, sandbox, command and its children): PSS and private bytes. */
  pss_bytes: v.optional(v.number()),
  private_bytes: v.optional(v.number()),
});
export type ProcessInfo = v.InferOutput<typeof ProcessInfoSchema>;

export const ProcessMemorySchema = v.strictObject({
  proc: procId,
  kind: v.picklist(PROCESS_KINDS),
  tag: v.nullable(v.string()),
  pss_bytes: v.number(),
  private_bytes: v.number(),
});
export type ProcessMemory = v.InferOutput<typeof ProcessMemorySchema>;

export const RunnerStatusSchema = v.strictObject({
  user: v.string(),
  pid: v.number(),
  version: v.string(),
  started_at: v.number(),
  uptime_ms: v.number(),
  processes: v.number(),
  max_processes: v.number(),
  /** The runner and every process under it (agents, shells, their sandboxes). */
  rss_bytes: v.number(),
  /** Live agents and shells (raw processes on a PTY); optional so an older runner still answers. */
  agents: v.optional(v.number()),
  terminals: v.optional(v.number()),
  /** The runner and everything it started, summed over the process tree (optional: older runners). */
  tree_pss_bytes: v.optional(v.number()),
  tree_private_bytes: v.optional(v.number()),
  /** Each live process's tree. */
  process_memory: v.optional(v.array(ProcessMemorySchema)),
  /** `ack` requests received since the runner started. */
  acks_received: v.optional(v.number()),
  /** Event lines sent to servers since the runner started, and the writes they were handed to sockets in. */
  event_lines_sent: v.optional(v.number()),
  event_writes: v.optional(v.number()),
});
export type RunnerStatus = v.InferOutput<typeof RunnerStatusSchema>;

/** `data` of each op's successful response. */
export const RunnerResultSchemas = {
  hello: v.strictObject({
    user: v.string(),
    pid: v.number(),
    version: v.string(),
    protocol: v.number(),
    /** The workspace root the runner serves (absent from runners older than this field). */
    workspace: v.optional(v.string()),
  }),
  spawn: v.strictObject({ proc: procId, pid: v.number() }),
  write: v.strictObject({ bytes: v.number() }),
  close_stdin: v.strictObject({}),
  resize: v.strictObject({}),
  signal: v.strictObject({}),
  kill: v.strictObject({}),
  kill_tag: v.strictObject({ killed: v.array(procId) }),
  list: v.strictObject({ processes: v.array(ProcessInfoSchema) }),
  subscribe: v.strictObject({ last_seq: seq }),
  unsubscribe: v.strictObject({}),
  ack: v.strictObject({}),
  status: RunnerStatusSchema,
  agent: v.unknown(),
  adopt: v.unknown(),
  browser: v.unknown(),
  accept_calls: v.strictObject({}),
} satisfies Record<RunnerOp, v.GenericSchema>;
export type RunnerResult<Op extends RunnerOp> = v.InferOutput<(typeof RunnerResultSchemas)[Op]>;
/** The runner's calls, one entry per op: what goes in and what comes back. */
export type RunnerCalls = { [Op in RunnerOp]: { params: RunnerParams<Op>; result: RunnerResult<Op> } };

const errorCode = v.picklist(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);
export const ResponseSchema = v.variant("ok", [
  v.strictObject({ id: v.nullable(reqId), ok: v.literal(true), data: v.unknown() }),
  v.strictObject({
    id: v.nullable(reqId),
    ok: v.literal(false),
    error: v.strictObject({ code: errorCode, message: v.string() }),
  }),
]);
export type Response = v.InferOutput<typeof ResponseSchema>;

const ev = <const E extends string, X extends v.ObjectEntries>(event: E, entries: X) =>
  v.strictObject({ event: v.literal(event), proc: procId, seq, ...entries });

/** Events of every kind. `seq` of `resync_needed` is `lost_to`: it stands in for the lost range. */
export const RunnerEventSchema = v.variant("event", [
  ev("started", { pid: v.number(), attempt: v.number() }),
  ev("output", { stream: v.picklist(["stdout", "stderr", "pty"]), data: base64 }),
  ev("exit", {
    code: v.nullable(v.number()),
    signal: v.nullable(v.string()),
    /** True when a restart follows (a `restart_scheduled` event comes next). */
    restarting: v.boolean(),
  }),
  ev("restart_scheduled", { attempt: v.number(), delay_ms: v.number() }),
  ev("resync_needed", { lost_from: seq, lost_to: seq }),
  /** A canonical agent event (`src/protocol/agent-events.ts`), validated by the server. */
  ev("agent", { body: v.unknown() }),
]);
export type RunnerEvent = v.InferOutput<typeof RunnerEventSchema>;
/** `v.safeParse(RunnerEventSchema, value)`, by a lookup of `event` rather than a scan (decode.ts). */
export const parseRunnerEvent = variantParser(RunnerEventSchema);
/** An event before the buffer stamps it with `proc` and `seq`. */
export type RunnerEventBody = RunnerEvent extends infer E
  ? E extends RunnerEvent
    ? Omit<E, "proc" | "seq">
    : never
  : never;

/** One line from the runner: a response (has `id`) or an event (has `event`). */
export const RunnerLineSchema = v.union([ResponseSchema, RunnerEventSchema]);

// ── the privileged component (`octo-runner --system`) ──────────────────────────────────────────

/** Names only: the system component never takes paths or commands from its caller. */
export const SystemRequestSchema = v.variant("op", [
  req("ensure_user", { name: userName }),
  req("start_runner", { name: userName }),
  req("stop_runner", { name: userName }),
  req("delete_user", { name: userName, purge: v.boolean() }),
  req("status", {}),
]);
export type SystemRequest = v.InferOutput<typeof SystemRequestSchema>;
export type SystemOp = SystemRequest["op"];
export type SystemParams<Op extends SystemOp> = Omit<
  Extract<v.InferInput<typeof SystemRequestSchema>, { op: Op }>,
  "id" | "op"
>;

export const SystemUserSchema = v.strictObject({
  name: v.string(),
  linux_user: v.string(),
  uid: v.number(),
  gid: v.number(),
  home: v.string(),
  workspace: v.string(),
});
export const SystemRunnerSchema = v.strictObject({
  name: v.string(),
  pid: v.nullable(v.number()),
  running: v.boolean(),
  socket: v.string(),
  secret_file: v.string(),
  supervisor: v.picklist(["systemd", "system-component"]),
});
export const SystemResultSchemas = {
  ensure_user: SystemUserSchema,
  start_runner: SystemRunnerSchema,
  stop_runner: v.strictObject({ name: v.string(), stopped: v.boolean() }),
  delete_user: v.strictObject({ name: v.string(), purged: v.boolean() }),
  status: v.strictObject({ supervisor: v.string(), runners: v.array(SystemRunnerSchema) }),
} satisfies Record<SystemOp, v.GenericSchema>;
export type SystemResult<Op extends SystemOp> = v.InferOutput<(typeof SystemResultSchemas)[Op]>;
/** The system component's calls, one entry per op. */
export type SystemCalls = { [Op in SystemOp]: { params: SystemParams<Op>; result: SystemResult<Op> } };
