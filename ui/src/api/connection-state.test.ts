import { describe, expect, test } from "bun:test";
import { connectionStatus, initialConnection, reduceConnection } from "./connection-state.ts";

describe("connection indicator state", () => {
  test("starts online", () => {
    expect(connectionStatus(initialConnection())).toBe("online");
  });
  test("the browser going offline wins over everything", () => {
    let s = reduceConnection(initialConnection(), { type: "mux", status: "open" });
    s = reduceConnection(s, { type: "browser", online: false });
    expect(connectionStatus(s)).toBe("offline");
    s = reduceConnection(s, { type: "browser", online: true });
    expect(connectionStatus(s)).toBe("online");
  });
  test("a failed request marks the server offline until one succeeds", () => {
    let s = reduceConnection(initialConnection(), { type: "http", reachable: false });
    expect(connectionStatus(s)).toBe("offline");
    s = reduceConnection(s, { type: "http", reachable: true });
    expect(connectionStatus(s)).toBe("online");
  });
  test("a retrying socket shows reconnecting; opening it proves the server is back", () => {
    let s = reduceConnection(initialConnection(), { type: "http", reachable: false });
    s = reduceConnection(s, { type: "mux", status: "retrying" });
    expect(connectionStatus(s)).toBe("reconnecting");
    s = reduceConnection(s, { type: "mux", status: "open" });
    expect(connectionStatus(s)).toBe("online");
  });
  test("unchanged inputs keep the same object (no needless re-render)", () => {
    const s = initialConnection();
    expect(reduceConnection(s, { type: "browser", online: true })).toBe(s);
    expect(reduceConnection(s, { type: "http", reachable: true })).toBe(s);
  });
});
