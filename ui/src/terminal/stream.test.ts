import { expect, test } from "bun:test";
import { newId } from "../../../src/protocol/ids.ts";
import { withCtrl } from "./keys.ts";
import { decodeBase64, type Screen, TerminalStream } from "./stream.ts";

const id = newId("trm");
const b64 = (s: string) => Buffer.from(s).toString("base64");

function screen() {
  const s = { text: "", resets: 0 };
  const sink: Screen = {
    write: (bytes) => {
      s.text += Buffer.from(bytes).toString();
    },
    reset: () => {
      s.resets++;
      s.text = "";
    },
  };
  return { s, sink };
}

test("applies rising seqs once and skips replays and other terminals", () => {
  const { s, sink } = screen();
  const stream = new TerminalStream(id, sink);
  expect(stream.afterSeq()).toBeUndefined();
  const out = (seq: number, text: string) =>
    stream.apply({ ch: "terminal", terminal_id: id, seq, event: "output", data: b64(text) });
  expect(out(2, "ab")).toBe(true);
  expect(out(2, "ab")).toBe(false);
  expect(out(1, "zz")).toBe(false);
  expect(out(5, "cd")).toBe(true);
  expect(
    stream.apply({ ch: "terminal", terminal_id: newId("trm"), seq: 9, event: "output", data: b64("x") }),
  ).toBe(false);
  expect(s.text).toBe("abcd");
  expect(stream.afterSeq()).toBe(5);
});

test("reset clears the screen; exit is remembered", () => {
  const { s, sink } = screen();
  const stream = new TerminalStream(id, sink);
  stream.apply({ ch: "terminal", terminal_id: id, seq: 1, event: "output", data: b64("old") });
  stream.apply({ ch: "terminal", terminal_id: id, seq: 10, event: "reset" });
  stream.apply({ ch: "terminal", terminal_id: id, seq: 11, event: "output", data: b64("new") });
  stream.apply({ ch: "terminal", terminal_id: id, seq: 12, event: "exit", code: 0, signal: null });
  expect(s).toEqual({ text: "new", resets: 1 });
  expect(stream.exit).toEqual({ code: 0, signal: null });
});

test("base64 decodes to raw bytes, including split UTF-8", () => {
  const bytes = Buffer.from("é→");
  expect([...decodeBase64(bytes.subarray(0, 1).toString("base64"))]).toEqual([bytes[0] as number]);
  expect(Buffer.from(decodeBase64(bytes.toString("base64"))).toString()).toBe("é→");
});

test("Ctrl turns the next key into its control code", () => {
  expect(withCtrl("c")).toBe("\x03");
  expect(withCtrl("C")).toBe("\x03");
  expect(withCtrl("d")).toBe("\x04");
  expect(withCtrl("[")).toBe("\x1b");
  expect(withCtrl("?")).toBe("\x7f");
  expect(withCtrl("cat")).toBe("\x03at");
  expect(withCtrl("1")).toBe("1");
  expect(withCtrl("")).toBe("");
});
