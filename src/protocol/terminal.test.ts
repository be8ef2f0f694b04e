import { expect, test } from "bun:test";
import * as v from "valibot";
import { newId } from "./ids.ts";
import { decodeServerFrame } from "./mux.ts";
import {
  encodeExitFrame,
  encodeOutputFrame,
  encodeResetFrame,
  terminalCommandSchemas,
  terminalEventSchema,
} from "./terminal.ts";

const id = newId("trm");

test("encoded frames decode as terminal events, on their own and through the mux decoder", () => {
  const frames = [
    encodeOutputFrame(id, 3, Buffer.from("hi\r\n").toString("base64")),
    encodeResetFrame(id, 9),
    encodeExitFrame(id, 10, { code: 130, signal: null }),
  ];
  for (const raw of frames) {
    expect(v.is(terminalEventSchema, JSON.parse(raw))).toBe(true);
    const decoded = decodeServerFrame(raw);
    expect(decoded.ok && decoded.frame.ch).toBe("terminal");
  }
});

test("bad terminal events are refused", () => {
  for (const bad of [
    { ch: "terminal", terminal_id: id, seq: 1, event: "output", data: "not base64!" },
    { ch: "terminal", terminal_id: "ses_x", seq: 1, event: "reset" },
    { ch: "terminal", terminal_id: id, seq: -1, event: "reset" },
    { ch: "terminal", terminal_id: id, seq: 1, event: "bell" },
  ])
    expect(decodeServerFrame(JSON.stringify(bad)).ok).toBe(false);
});

test("command bounds: sizes, input encodings, ids", () => {
  const ok = (cmd: keyof typeof terminalCommandSchemas, body: unknown) =>
    v.is(terminalCommandSchemas[cmd], body);
  const prj = newId("prj");
  expect(ok("open", { project_id: prj, cols: 80, rows: 24 })).toBe(true);
  expect(ok("open", { project_id: prj, cols: 1, rows: 24 })).toBe(false);
  expect(ok("open", { project_id: prj, cols: 1001, rows: 24 })).toBe(false);
  expect(ok("open", { project_id: prj, cols: 80, rows: 501 })).toBe(false);
  expect(ok("resize", { terminal_id: id, cols: 80, rows: 0 })).toBe(false);
  expect(ok("input", { terminal_id: id, data: "ls\r" })).toBe(true);
  expect(ok("input", { terminal_id: id, data: "bHMNCg==", encoding: "base64" })).toBe(true);
  expect(ok("input", { terminal_id: id, data: "bHMNCg=", encoding: "base64" })).toBe(false);
  expect(ok("attach", { terminal_id: id, after_seq: 0 })).toBe(true);
  expect(ok("attach", { terminal_id: id, after_seq: 1.5 })).toBe(false);
  expect(ok("detach", {})).toBe(true);
  expect(ok("close", { terminal_id: prj })).toBe(false);
});
