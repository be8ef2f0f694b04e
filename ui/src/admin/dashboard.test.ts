import { expect, test } from "bun:test";
import type { AdminStatus } from "../../../src/protocol/api.ts";
import { diskLow, formatBytes, llmErrorMeaning, totals } from "./dashboard.ts";

test("bytes read like a person would say them", () => {
  expect(formatBytes(null)).toBe("unknown");
  expect(formatBytes(512)).toBe("512 B");
  expect(formatBytes(1536)).toBe("1.5 KB");
  expect(formatBytes(250 * 1024 ** 2)).toBe("250 MB");
  expect(formatBytes(3.25 * 1024 ** 3)).toBe("3.3 GB");
});

test("LLM error statuses get a plain meaning", () => {
  expect(llmErrorMeaning(401)).toBe("key refused");
  expect(llmErrorMeaning(429)).toBe("rate limited");
  expect(llmErrorMeaning(502)).toBe("provider error");
});

test("a disk is low under 10 % or 2 GB free", () => {
  const d = (free: number, total: number) => ({
    label: "data" as const,
    path: "/",
    free_bytes: free,
    total_bytes: total,
  });
  expect(diskLow(d(50 * 1024 ** 3, 100 * 1024 ** 3))).toBe(false);
  expect(diskLow(d(5 * 1024 ** 3, 100 * 1024 ** 3))).toBe(true);
  expect(diskLow(d(1024 ** 3, 4 * 1024 ** 3))).toBe(true);
  expect(diskLow({ ...d(0, 0), free_bytes: null })).toBe(false);
});

test("agents and shells are counted over the runners that answer", () => {
  const runner = { pid: 1, uptime_ms: 1, processes: 2, max_processes: 8, rss_bytes: 1, version: "1" };
  const s = {
    runners: [
      { ...runner, user: "a", connected: true, agents: 2, terminals: 1 },
      { ...runner, user: "b", connected: true, agents: 1, terminals: null },
      { ...runner, user: "c", connected: false, agents: null, terminals: null },
    ],
  } as AdminStatus;
  expect(totals(s)).toEqual({ agents: 3, shells: 1, up: 2, down: 1 });
});
