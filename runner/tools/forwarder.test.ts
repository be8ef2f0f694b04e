import { expect, test } from "bun:test";
import type { RunnerCall } from "../../src/protocol/tools.ts";
import { type CallBody, CallForwarder, type CallSink } from "./forwarder.ts";

const body = (verb = "query"): CallBody => ({
  op: "tool",
  session: "ses_0000000000000000000000000000",
  area: "search",
  verb,
  args: {},
  token: "t",
});

class Sink implements CallSink {
  readonly sent: RunnerCall[] = [];
  sendCall(call: RunnerCall) {
    this.sent.push(call);
  }
}

test("with a server connection a call goes out at once and its answer comes back", async () => {
  const f = new CallForwarder(1000);
  const sink = new Sink();
  f.attach(sink);
  const answer = f.forward(body());
  expect(sink.sent).toHaveLength(1);
  f.settle({ call: sink.sent[0]?.call as number, ok: true, data: { n: 1 } });
  expect(await answer).toEqual({ ok: true, value: { n: 1 } });
  expect(f.pendingCount).toBe(0);
});

test("without a server a call waits, and goes out when one connects", async () => {
  const waiting: RunnerCall[] = [];
  const f = new CallForwarder(5000, (c) => waiting.push(c));
  const answer = f.forward(body());
  expect(waiting).toHaveLength(1);
  const sink = new Sink();
  f.attach(sink);
  expect(sink.sent.map((c) => c.call)).toEqual([waiting[0]?.call as number]);
  f.settle({ call: sink.sent[0]?.call as number, ok: false, error: { code: "search_failed", message: "x" } });
  expect(await answer).toEqual({ ok: false, error: { code: "search_failed", message: "x" } });
});

test("a call sent on a connection that then drops is sent again on the next one", async () => {
  const f = new CallForwarder(5000);
  const first = new Sink();
  f.attach(first);
  const answer = f.forward(body());
  f.detach(first);
  const second = new Sink();
  f.attach(second);
  expect(second.sent).toEqual(first.sent);
  f.settle({ call: second.sent[0]?.call as number, ok: true, data: null });
  expect((await answer).ok).toBe(true);
});

test("the newest connection takes calls; an older one that stays keeps what it has", async () => {
  const f = new CallForwarder(5000);
  const older = new Sink();
  const newer = new Sink();
  f.attach(older);
  f.attach(newer);
  void f.forward(body());
  expect(newer.sent).toHaveLength(1);
  expect(older.sent).toHaveLength(0);
  f.detach(newer);
  expect(older.sent).toHaveLength(1);
  f.close();
});

test("a call nobody answers in time fails with server_unavailable; a late answer is dropped", async () => {
  const f = new CallForwarder(20);
  const answer = await f.forward(body());
  expect(answer).toMatchObject({ ok: false, error: { code: "server_unavailable" } });
  f.settle({ call: 1, ok: true, data: null });
  expect(f.pendingCount).toBe(0);
});
