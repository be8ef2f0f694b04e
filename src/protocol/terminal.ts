import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * The mux `terminal` channel (`{ch:"terminal", id?, cmd, …}`), shared by server and UI.
 *
 * client → server
 *   open   {project_id, cols, rows}          → {terminal}            a new shell in the project's sandbox
 *   list   {project_id}                      → {terminals}
 *   attach {terminal_id, after_seq?}         → {terminal, replay_from}  then replayed and live events
 *   detach {terminal_id?}                    → {}                    stop receiving (all, without an id); shells keep running
 *   input  {terminal_id, data, encoding?}    → {}                    keystrokes: text (default) or base64 bytes
 *   resize {terminal_id, cols, rows}         → {}
 *   close  {terminal_id}                     → {}                    kill the shell and its whole process tree
 *
 * server → client (only to sockets attached to that terminal)
 *   {ch:"terminal", terminal_id, seq, event:"output", data}    data = base64 PTY bytes
 *   {ch:"terminal", terminal_id, seq, event:"exit", code, signal}
 *   {ch:"terminal", terminal_id, seq, event:"reset"}           output before this point is gone
 *                                                              (scrollback bound, or this socket fell behind):
 *                                                              clear the screen; the retained scrollback follows
 *
 * `seq` rises with every event of a terminal (gaps allowed, never repeats, survives a server restart).
 * A client that remembers the last seq it rendered re-attaches with `after_seq` and gets only what
 * it has not seen; without `after_seq` it gets the retained scrollback (bounded) and then live output.
 */

export const MAX_TERMINAL_COLS = 1000;
export const MAX_TERMINAL_ROWS = 500;
/** One `input` frame; a paste larger than this is split by the client. */
export const MAX_INPUT_BYTES = 64 * 1024;

export const terminalId = idSchema("trm");
const projectId = idSchema("prj");
const seq = v.pipe(v.number(), v.integer(), v.minValue(0));
const cols = v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(MAX_TERMINAL_COLS));
const rows = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_TERMINAL_ROWS));
const base64 = v.pipe(
  v.string(),
  v.regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/),
);

export const terminalCommandSchemas = {
  open: v.strictObject({ project_id: projectId, cols, rows }),
  list: v.strictObject({ project_id: projectId }),
  attach: v.strictObject({ terminal_id: terminalId, after_seq: v.optional(seq) }),
  detach: v.strictObject({ terminal_id: v.optional(terminalId) }),
  input: v.pipe(
    v.strictObject({
      terminal_id: terminalId,
      data: v.pipe(v.string(), v.maxLength(Math.ceil((MAX_INPUT_BYTES * 4) / 3))),
      encoding: v.optional(v.picklist(["text", "base64"]), "text"),
    }),
    v.check((i) => i.encoding !== "base64" || v.is(base64, i.data), "data: not valid base64"),
  ),
  resize: v.strictObject({ terminal_id: terminalId, cols, rows }),
  close: v.strictObject({ terminal_id: terminalId }),
} as const;

export type TerminalCommandName = keyof typeof terminalCommandSchemas;
export type TerminalCommand<C extends TerminalCommandName> = v.InferOutput<
  (typeof terminalCommandSchemas)[C]
>;
export const isTerminalCommandName = (cmd: string): cmd is TerminalCommandName =>
  Object.hasOwn(terminalCommandSchemas, cmd);

export const TerminalInfoSchema = v.object({
  terminal_id: terminalId,
  project_id: projectId,
  state: v.picklist(["running", "exited"]),
  created_at: v.number(),
  cols: v.nullable(v.number()),
  rows: v.nullable(v.number()),
  /** Seq of the newest event; an attached client is up to date when it has rendered this. */
  last_seq: seq,
  exit: v.nullable(v.object({ code: v.nullable(v.number()), signal: v.nullable(v.string()) })),
});
export type TerminalInfo = v.InferOutput<typeof TerminalInfoSchema>;

export const terminalResultSchemas = {
  open: v.object({ terminal: TerminalInfoSchema }),
  list: v.object({ terminals: v.array(TerminalInfoSchema) }),
  attach: v.object({ terminal: TerminalInfoSchema }),
  detach: v.object({}),
  input: v.object({}),
  resize: v.object({}),
  close: v.object({}),
} satisfies Record<TerminalCommandName, v.GenericSchema>;

const envelope = { ch: v.literal("terminal"), terminal_id: terminalId, seq };
export const terminalEventSchema = v.variant("event", [
  v.object({ ...envelope, event: v.literal("output"), data: base64 }),
  v.object({
    ...envelope,
    event: v.literal("exit"),
    code: v.nullable(v.number()),
    signal: v.nullable(v.string()),
  }),
  v.object({ ...envelope, event: v.literal("reset") }),
]);
export type TerminalEvent = v.InferOutput<typeof terminalEventSchema>;

/** Frames built by string splicing on the hot path: ids are validated `trm_` ids, data is base64. */
export const encodeOutputFrame = (terminal: string, seqNo: number, data: string): string =>
  `{"ch":"terminal","terminal_id":"${terminal}","seq":${seqNo},"event":"output","data":"${data}"}`;

export const encodeResetFrame = (terminal: string, seqNo: number): string =>
  `{"ch":"terminal","terminal_id":"${terminal}","seq":${seqNo},"event":"reset"}`;

export const encodeExitFrame = (
  terminal: string,
  seqNo: number,
  exit: { code: number | null; signal: string | null },
): string =>
  JSON.stringify({
    ch: "terminal",
    terminal_id: terminal,
    seq: seqNo,
    event: "exit",
    code: exit.code,
    signal: exit.signal,
  });
