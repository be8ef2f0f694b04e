import { describe, expect, test } from "bun:test";
import { groupOf, parseSummary, summaryLine } from "./run.ts";

describe("test/run.ts", () => {
  test("groups files: tests beside code are unit, test/<dir> its own group, ui its own", () => {
    expect(groupOf("src/config/load.test.ts")).toBe("unit");
    expect(groupOf("runner/pi/framing.test.ts")).toBe("unit");
    expect(groupOf("test/run.test.ts")).toBe("unit");
    expect(groupOf("test/build/compiled.test.ts")).toBe("test/build");
    expect(groupOf("test/install/deep/x.test.ts")).toBe("test/install");
    expect(groupOf("ui/src/chat/chat-state.test.ts")).toBe("ui");
  });

  test("reads bun test's summary block", () => {
    const out =
      "(pass) a\n(fail) b\n\n 12 pass\n 1 skip\n 2 todo\n 3 fail\n 40 expect() calls\nRan 18 tests across 2 files.";
    expect(parseSummary(out)).toEqual({ pass: 12, fail: 3, skip: 1, todo: 2 });
  });

  test("a test named like a count line does not fool it: the last block wins", () => {
    const out = "(pass) 99 pass\n 99 pass\n\n 2 pass\n 0 fail\n";
    expect(parseSummary(out)).toEqual({ pass: 2, fail: 0, skip: 0, todo: 0 });
  });

  test("no summary (a crash) is undefined, never zero failures", () => {
    expect(parseSummary("Segmentation fault\n")).toBeUndefined();
    expect(parseSummary("")).toBeUndefined();
  });

  test("the totals line names skipped tests only when there are some", () => {
    expect(summaryLine({ pass: 5, fail: 0, skip: 0, todo: 0 })).toBe("5 passed, 0 failed");
    expect(summaryLine({ pass: 5, fail: 2, skip: 1, todo: 1 })).toBe("5 passed, 2 failed, 2 skipped");
  });
});
