import { describe, expect, test } from "bun:test";
import type { AgentEvent } from "../../src/protocol/agent.ts";
import { PiProcess } from "./process.ts";
import { type PiIo, RpcChannel } from "./rpc-channel.ts";

/**
 * A scripted stand-in for pi's stdio (pi is the external process here; our code runs for real):
 * the test reads what we wrote and writes pi's stdout lines in whatever order it wants.
 */
function scriptedPi() {
  const enc = new TextEncoder();
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let exit!: (x: { code: number | null; signal: string | null }) => void;
  const written: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let closed = false;
  const io: PiIo = {
    write(data) {
      if (closed) throw new Error("EPIPE");
      for (const l of data.split("\n")) if (l) written.push(JSON.parse(l));
      for (const w of waiters.splice(0)) w();
    },
    stdout: new ReadableStream({
      start(c) {
        out = c;
      },
    }),
    exited: new Promise((r) => {
      exit = r;
    }),
    kill: () => undefined,
    end: () => undefined,
  };
  return {
    io,
    written,
    /** Resolves once we have written `n` commands. */
    async commands(n: number) {
      while (written.length < n) await new Promise<void>((r) => waiters.push(r));
      return written;
    },
    emit: (...lines: (object | string)[]) =>
      out.enqueue(
        enc.encode(`${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`),
      ),
    raw: (text: string) => out.enqueue(enc.encode(text)),
    die(signal: string | null = "SIGKILL") {
      closed = true;
      out.close();
      exit({ code: signal ? null : 1, signal });
    },
  };
}

describe("RpcChannel", () => {
  test("correlates out-of-order responses by id and attributes id-less failures to the oldest matching request", async () => {
    const pi = scriptedPi();
    const lines: unknown[] = [];
    const ch = new RpcChannel(pi.io, { onLine: (l) => lines.push(l), onEnd: () => undefined });
    const a = ch.request({ type: "get_state" });
    const b = ch.request({ type: "get_messages" });
    const c = ch.request({ type: "bogus_cmd" });
    const [ca, cb] = await pi.commands(3);
    pi.emit(
      { type: "response", id: cb?.id, command: "get_messages", success: true, data: { messages: [] } },
      { type: "agent_start" },
      { type: "response", command: "bogus_cmd", success: false, error: "Unknown command: bogus_cmd" },
      { type: "response", id: ca?.id, command: "get_state", success: true, data: { sessionId: "s" } },
    );
    expect(await a).toEqual({ ok: true, data: { sessionId: "s" } });
    expect(await b).toEqual({ ok: true, data: { messages: [] } });
    expect(await c).toEqual({
      ok: false,
      error: { code: "unknown_command", message: "Unknown command: bogus_cmd" },
    });
    expect(lines).toEqual([{ kind: "json", value: { type: "agent_start" } }]);
    expect(new Set([ca?.id, cb?.id]).size).toBe(2);
  });

  test("pi dying fails every pending request with agent_crashed, and later requests too", async () => {
    const pi = scriptedPi();
    let tail: string | undefined = "unset";
    const ch = new RpcChannel(pi.io, { onLine: () => undefined, onEnd: (t) => (tail = t) });
    const pending = ch.request({ type: "prompt", message: "x" });
    await pi.commands(1);
    pi.raw('{"type":"message_update","assistantMess');
    pi.die();
    expect(await pending).toMatchObject({ ok: false, error: { code: "agent_crashed" } });
    await ch.done;
    expect(tail).toBe('{"type":"message_update","assistantMess');
    expect(await ch.request({ type: "get_state" })).toMatchObject({
      ok: false,
      error: { code: "agent_crashed" },
    });
  });
});

describe("PiProcess with a scripted pi", () => {
  function start() {
    const pi = scriptedPi();
    const events: AgentEvent[] = [];
    const waiters = new Set<() => void>();
    const proc = new PiProcess(pi.io, {
      onEvent: (e) => {
        events.push(e);
        for (const w of [...waiters]) w();
      },
    });
    /** Resolves once `pred` holds for the events so far (checked on every event). */
    const until = (pred: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!pred()) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    return { pi, proc, events, until };
  }

  test("after agent_end it asks get_state as a barrier and only then reports idle", async () => {
    const { pi, events, until } = start();
    pi.emit({ type: "agent_start" }, { type: "agent_end", messages: [] });
    const [barrier] = await pi.commands(1);
    expect(barrier?.type).toBe("get_state");
    expect(events.map((e) => e.event)).toEqual(["agent.working"]);
    pi.emit({
      type: "response",
      id: barrier?.id,
      command: "get_state",
      success: true,
      data: { isStreaming: false },
    });
    await until(() => events.length > 1);
    expect(events.map((e) => e.event)).toEqual(["agent.working", "agent.idle"]);
  });

  test("a barrier answered while pi still says streaming asks again, so the turn still ends", async () => {
    const { pi, events, until } = start();
    pi.emit({ type: "agent_start" }, { type: "agent_end", messages: [] });
    const [first] = await pi.commands(1);
    pi.emit({
      type: "response",
      id: first?.id,
      command: "get_state",
      success: true,
      data: { isStreaming: true },
    });
    const [, second] = await pi.commands(2);
    expect(second?.type).toBe("get_state");
    expect(events.map((e) => e.event)).toEqual(["agent.working"]);
    pi.emit({
      type: "response",
      id: second?.id,
      command: "get_state",
      success: true,
      data: { isStreaming: false },
    });
    await until(() => events.length > 1);
    expect(events.map((e) => e.event)).toEqual(["agent.working", "agent.idle"]);
  });

  test("prompt refused while busy maps to a busy error that points at steer/follow_up", async () => {
    const { pi, proc } = start();
    const r = proc.prompt({ message: "x", client_id: "c" });
    const [cmd] = await pi.commands(1);
    expect(cmd).toMatchObject({ type: "prompt", message: "x" });
    pi.emit({
      type: "response",
      id: cmd?.id,
      command: "prompt",
      success: false,
      error:
        "Agent is already processing. Specify streamingBehavior ('steer' or 'followUp') to queue the message.",
    });
    const res = await r;
    expect(res).toMatchObject({ ok: false, error: { code: "busy" } });
    expect(!res.ok && res.error.message).toContain("steer or follow_up");
  });

  test("garbage and a cut-off line become notices; death mid-turn becomes agent.error + idle", async () => {
    const { pi, proc, events } = start();
    pi.emit("Segmentation fault (core dumped)", { type: "agent_start" });
    pi.raw('{"type":"message_start","mess');
    pi.die("SIGSEGV");
    const exit = await proc.exited;
    expect(exit).toEqual({ code: null, signal: "SIGSEGV", expected: false });
    expect(events.map((e) => e.event)).toEqual([
      "agent.notice",
      "agent.working",
      "agent.notice",
      "agent.error",
      "agent.idle",
    ]);
    expect(events[3]).toMatchObject({ error: { code: "agent_crashed" }, recoverable: true });
  });

  test("input_response goes to pi as extension_ui_response; unknown dialogs are refused", async () => {
    const { pi, proc, events, until } = start();
    pi.emit({ type: "extension_ui_request", id: "d1", method: "select", title: "Pick", options: ["a", "b"] });
    await until(() => events.length > 0);
    expect(proc.respond({ request_id: "d2", value: "a" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(proc.respond({ request_id: "d1", value: "b" })).toEqual({ ok: true, value: undefined });
    expect(pi.written).toEqual([{ type: "extension_ui_response", id: "d1", value: "b" }]);
    expect(events.at(-1)).toEqual({ event: "agent.input_closed", request_id: "d1", reason: "answered" });
  });
});
