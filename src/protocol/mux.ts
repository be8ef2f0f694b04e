import * as v from "valibot";
import { type AgentCommand, agentCommandSchemas, isAgentCommandName } from "./agent-commands.ts";
import { type AgentEvent, errorBodySchema, parseAgentEvent } from "./agent-events.ts";
import { type ChangesEvent, changesEventSchema } from "./changes.ts";
import { describeIssues } from "./decode.ts";
import type { ErrorBody, ErrorCode } from "./errors.ts";
import { idSchema } from "./ids.ts";
import { type NotifyEvent, notifyEventSchema } from "./notifications.ts";
import { type TerminalEvent, terminalEventSchema } from "./terminal.ts";

/**
 * Frames of the multiplexed WebSocket `/api/ws/mux` (DESIGN.md "The mux WebSocket").
 *
 * client → server  `{ch, id?, cmd, session_id?, …}`; every frame with an `id` gets exactly one
 *                  `{ch, event:"response", id, cmd, ok, data? | error:{code,message}}`.
 * server → client  agent events `{ch:"agent", session_id, seq, ts, event, …}` (seq gap-free per session),
 *                  system events `{ch:"system", event:"hello"|"ping"|"pong"|"resync"|"watch.ended"|
 *                  "shares.changed"|"error", …}`.
 */

export const MUX_PROTOCOL_VERSION = 1;
/** Prompts may carry images (base64); anything beyond this is refused before parsing. */
export const MAX_CLIENT_FRAME_BYTES = 8 * 1024 * 1024;
export const CHANNELS = ["agent", "system", "terminal", "files", "browser", "changes", "notify"] as const;
export type Channel = (typeof CHANNELS)[number];

const frameId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const seq = v.pipe(v.number(), v.integer(), v.minValue(0));

// ---------------------------------------------------------------- system channel

export const systemCommandSchemas = {
  /** First frame of a client; → data `{protocol, heartbeat_ms, server_ts}` */
  hello: v.strictObject({
    cmd: v.literal("hello"),
    protocol: v.optional(seq),
    client: v.optional(v.string()),
  }),
  /** Client-initiated liveness check; → data `{ts, server_ts}` */
  ping: v.strictObject({ cmd: v.literal("ping"), ts: v.optional(v.number()) }),
  /** Answer to a server `ping` event (no id, no response). */
  pong: v.strictObject({ cmd: v.literal("pong"), ts: v.number() }),
} as const;
export type SystemCommand = v.InferOutput<(typeof systemCommandSchemas)[keyof typeof systemCommandSchemas]>;

export const systemEventSchema = v.variant("event", [
  v.object({
    ch: v.literal("system"),
    event: v.literal("hello"),
    protocol: seq,
    heartbeat_ms: seq,
    server_ts: v.number(),
  }),
  /** Heartbeat: the client answers with `{ch:"system", cmd:"pong", ts}`. */
  v.object({ ch: v.literal("system"), event: v.literal("ping"), ts: v.number() }),
  /** This socket fell too far behind on a session: re-subscribe with `after_seq` to catch up from the store. */
  v.object({
    ch: v.literal("system"),
    event: v.literal("resync"),
    session_id: idSchema("ses"),
    after_seq: seq,
    reason: v.string(),
  }),
  /**
   * The server ended this socket's watch of a session (`session.subscribe`): the user may no longer
   * see it (a share was revoked). Nothing more of it comes; subscribing again is refused.
   */
  v.object({
    ch: v.literal("system"),
    event: v.literal("watch.ended"),
    session_id: idSchema("ses"),
    reason: v.literal("access_revoked"),
  }),
  /** The conversations shared with this user changed (shared, unshared, deleted): reload the list. */
  v.object({ ch: v.literal("system"), event: v.literal("shares.changed") }),
  /** A frame the server could not attribute to an id (unparseable, or no `id`). */
  v.object({ ch: v.literal("system"), event: v.literal("error"), error: errorBodySchema }),
  /**
   * A session this socket watched is no longer the user's to see (removed from its project, a
   * share revoked): the watch has ended on the server; a re-subscribe is refused.
   */
  v.object({
    ch: v.literal("system"),
    event: v.literal("watch.ended"),
    session_id: idSchema("ses"),
    reason: v.picklist(["access_revoked"]),
  }),
  /** The user's role in a shared project changed (or they were removed): clients fetch it again. */
  v.object({ ch: v.literal("system"), event: v.literal("access.changed"), project_id: idSchema("prj") }),
]);
export type SystemEvent = v.InferOutput<typeof systemEventSchema>;

// ---------------------------------------------------------------- client frames

export type ClientFrame =
  | { ch: "agent"; id?: string; command: AgentCommand }
  | { ch: "system"; id?: string; command: SystemCommand }
  /** Channels owned by other features: the body is passed through undecoded, for their own decoder. */
  | { ch: Exclude<Channel, "agent" | "system">; id?: string; cmd: string; body: Record<string, unknown> };

/** A frame that failed to decode; `id`/`ch`/`cmd` are set when they could be read, so a response can name them. */
export interface FrameError {
  readonly ok: false;
  readonly error: ErrorBody;
  readonly id?: string;
  readonly ch?: string;
  readonly cmd?: string;
}
export type FrameResult = { readonly ok: true; readonly frame: ClientFrame } | FrameError;

const frameError = (code: ErrorCode, message: string, at: { id?: string; ch?: string; cmd?: string } = {}) =>
  ({ ok: false, error: { code, message }, ...at }) as FrameError;

/** Decode one client frame. Never throws; every failure names a stable code. */
export function decodeClientFrame(raw: string): FrameResult {
  if (raw.length > MAX_CLIENT_FRAME_BYTES) {
    return frameError("payload_too_large", `frame larger than ${MAX_CLIENT_FRAME_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return frameError("invalid_json", "frame is not valid JSON");
  }
  return decodeClientValue(json);
}

/**
 * Decode a frame whose JSON text has already been parsed (the WebSocket adapter parses it).
 * Never throws: a value the schemas cannot walk (nested 100k deep, say) is `bad_request`, still
 * naming the frame's id so that it gets its one response.
 */
export function decodeClientValue(json: unknown): FrameResult {
  try {
    return decodeObject(json);
  } catch {
    const id = (json as { id?: unknown } | null)?.id;
    return frameError("bad_request", "frame could not be decoded", v.is(frameId, id) ? { id } : {});
  }
}

function decodeObject(json: unknown): FrameResult {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return frameError("bad_request", "frame must be a JSON object");
  }
  const { ch, id, cmd, ...rest } = json as Record<string, unknown>;
  const at: { id?: string; ch?: string; cmd?: string } = {};
  if (id !== undefined) {
    if (!v.is(frameId, id)) return frameError("bad_request", "id must be a string of 1-64 chars");
    at.id = id;
  }
  if (typeof ch !== "string" || !(CHANNELS as readonly string[]).includes(ch)) {
    return frameError("bad_request", `ch must be one of ${CHANNELS.join(", ")}`, at);
  }
  at.ch = ch;
  if (typeof cmd !== "string" || cmd.length === 0 || cmd.length > 64) {
    return frameError("bad_request", "cmd must be a non-empty string", at);
  }
  at.cmd = cmd;
  const withId = <T>(f: T) => (at.id === undefined ? f : { ...f, id: at.id });

  if (ch === "agent") {
    if (!isAgentCommandName(cmd)) return frameError("unknown_command", `unknown agent command: ${cmd}`, at);
    const parsed = v.safeParse(agentCommandSchemas[cmd], { cmd, ...rest });
    if (!parsed.success)
      return frameError("validation_failed", `${cmd}: ${describeIssues(parsed.issues)}`, at);
    return { ok: true, frame: withId({ ch, command: parsed.output as AgentCommand }) };
  }
  if (ch === "system") {
    if (!Object.hasOwn(systemCommandSchemas, cmd)) {
      return frameError("unknown_command", `unknown system command: ${cmd}`, at);
    }
    const schema = systemCommandSchemas[cmd as keyof typeof systemCommandSchemas];
    const parsed = v.safeParse(schema, { cmd, ...rest });
    if (!parsed.success)
      return frameError("validation_failed", `${cmd}: ${describeIssues(parsed.issues)}`, at);
    return { ok: true, frame: withId({ ch, command: parsed.output }) };
  }
  return { ok: true, frame: withId({ ch: ch as Exclude<Channel, "agent" | "system">, cmd, body: rest }) };
}

// ---------------------------------------------------------------- server frames

export const responseSchema = v.union([
  v.object({
    ch: v.picklist(CHANNELS),
    event: v.literal("response"),
    id: frameId,
    cmd: v.string(),
    ok: v.literal(true),
    data: v.optional(v.unknown()),
  }),
  v.object({
    ch: v.picklist(CHANNELS),
    event: v.literal("response"),
    id: frameId,
    cmd: v.string(),
    ok: v.literal(false),
    error: errorBodySchema,
  }),
]);
export type ResponseFrame = v.InferOutput<typeof responseSchema>;

export const okResponse = (ch: Channel, id: string, cmd: string, data?: unknown): ResponseFrame =>
  data === undefined
    ? { ch, event: "response", id, cmd, ok: true }
    : { ch, event: "response", id, cmd, ok: true, data };
export const errorResponse = (ch: Channel, id: string, cmd: string, error: ErrorBody): ResponseFrame => ({
  ch,
  event: "response",
  id,
  cmd,
  ok: false,
  error,
});

export const agentEnvelopeSchema = v.object({
  ch: v.literal("agent"),
  session_id: idSchema("ses"),
  seq: v.pipe(seq, v.minValue(1)),
  /** ms since the epoch, when the event was stored */
  ts: v.number(),
});
export type AgentEnvelope = v.InferOutput<typeof agentEnvelopeSchema>;
export type AgentEventFrame = AgentEnvelope & AgentEvent;

/**
 * Serialise an agent event with its envelope. The hot path of streaming: one JSON.stringify of the
 * small event, no intermediate object. `sessionId` must be a valid `ses_` id (no escaping needed).
 */
export function encodeAgentEvent(sessionId: string, seqNo: number, ts: number, event: AgentEvent): string {
  return `{"ch":"agent","session_id":"${sessionId}","seq":${seqNo},"ts":${ts},${JSON.stringify(event).slice(1)}`;
}

/** Terminal events are defined with their channel in ./terminal.ts. */
export type ServerFrame =
  | ResponseFrame
  | AgentEventFrame
  | SystemEvent
  | TerminalEvent
  | ChangesEvent
  | NotifyEvent;

/** Decode a frame pushed by the server (the UI validates what it receives, too). */
export function decodeServerFrame(
  raw: string,
): { ok: true; frame: ServerFrame } | { ok: false; error: ErrorBody } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: { code: "invalid_json", message: "server frame is not valid JSON" } };
  }
  const obj = json as Record<string, unknown> | null;
  if (typeof obj !== "object" || obj === null) {
    return { ok: false, error: { code: "bad_request", message: "server frame must be a JSON object" } };
  }
  if (obj.event === "response") return check(responseSchema, obj);
  if (obj.ch === "system") return check(systemEventSchema, obj);
  if (obj.ch === "terminal") return check(terminalEventSchema, obj);
  if (obj.ch === "changes") return check(changesEventSchema, obj);
  if (obj.ch === "notify") return check(notifyEventSchema, obj);
  if (obj.ch === "agent") {
    const { ch, session_id, seq: s, ts, ...event } = obj;
    const env = v.safeParse(agentEnvelopeSchema, { ch, session_id, seq: s, ts });
    if (!env.success) return invalid(env.issues);
    const body = parseAgentEvent(event);
    if (!body.success) return invalid(body.issues);
    return { ok: true, frame: { ...env.output, ...body.output } };
  }
  return { ok: false, error: { code: "bad_request", message: "server frame has no known channel" } };
}

function check<S extends v.GenericSchema>(schema: S, obj: unknown) {
  const r = v.safeParse(schema, obj);
  return r.success ? { ok: true as const, frame: r.output as ServerFrame } : invalid(r.issues);
}
const invalid = (issues: readonly v.BaseIssue<unknown>[]) => ({
  ok: false as const,
  error: { code: "validation_failed" as const, message: describeIssues(issues) },
});
