import { expect, test } from "bun:test";
import type { BrowserState } from "../../../src/protocol/browser.ts";
import { emptyView, reduceBrowser, stateLine } from "./browser-view.ts";

const S = "ses_1";
const state = (driver: BrowserState["driver"]): BrowserState => ({
  driver,
  url: "http://127.0.0.1:8000/",
  title: "Home",
  tabs: [{ url: "http://127.0.0.1:8000/", title: "Home", current: true }],
  action: driver === "agent" ? "click @e3" : null,
  ask: null,
});
const frame = (seq: number) =>
  ({ ch: "browser", event: "frame", session_id: S, seq, data: "AAAA", width: 1280, height: 800 }) as const;

test("frames replace older ones and never go back; another session's are ignored", () => {
  let v = reduceBrowser(emptyView(), S, frame(2));
  expect(v.frame?.seq).toBe(2);
  expect(v.frame?.src).toBe("data:image/jpeg;base64,AAAA");
  v = reduceBrowser(v, S, frame(1));
  expect(v.frame?.seq).toBe(2);
  expect(reduceBrowser(v, S, { ...frame(9), session_id: "ses_2" })).toBe(v);
});

test("a closed browser clears the picture; the state line says who drives", () => {
  let v = reduceBrowser(emptyView(), S, frame(1));
  v = reduceBrowser(v, S, { ch: "browser", event: "state", session_id: S, state: state("agent") });
  expect(v.frame).not.toBeNull();
  expect(stateLine(v.state)).toBe("Agent driving");
  v = reduceBrowser(v, S, { ch: "browser", event: "state", session_id: S, state: state("closed") });
  expect(v.frame).toBeNull();
  expect(stateLine(v.state)).toContain("Closed");
  expect(stateLine(state("user"))).toBe("You are driving");
});
