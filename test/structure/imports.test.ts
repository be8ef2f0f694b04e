import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cycles, type ModuleImports, readGraph, violations } from "./import-graph.ts";

const ROOT = join(import.meta.dir, "../..");
const graph = await readGraph(ROOT, ["src", "runner", "ui/src"]);

const mod = (local: string[], packages: string[] = []): ModuleImports => ({ local, packages });

describe("import rules", () => {
  test("the graph is read: the server, the runner and the UI are all in it", () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get("src/main.ts")?.local.length).toBeGreaterThan(0);
    expect(graph.get("runner/main.ts")?.local).toContain("src/shared/log.ts");
    expect([...graph.keys()].some((f) => f.startsWith("ui/src/"))).toBe(true);
  });

  test("the source breaks no layering rule", () => {
    expect(violations(graph)).toEqual([]);
  });

  test("each rule catches what it forbids", () => {
    const bad = new Map<string, ModuleImports>([
      ["src/protocol/x.ts", mod(["src/storage/db.ts"], ["valibot", "node:fs"])],
      ["src/shared/log.ts", mod(["src/server/start.ts"])],
      ["runner/main.ts", mod(["src/sessions/service.ts", "src/shared/log.ts", "src/protocol/runner.ts"])],
      ["src/server/start.ts", mod(["runner/sandbox/index.ts"])],
      [
        "src/http/routes/x.ts",
        mod(["src/storage/users.ts", "src/history/store.ts", "src/auth/users.ts"], ["bun:sqlite", "elysia"]),
      ],
      ["ui/src/main.tsx", mod(["src/auth/users.ts", "src/protocol/mux.ts"])],
      ["runner/main.test.ts", mod(["test/pi/harness.ts"])],
      ["src/entry.ts", mod(["src/main.ts", "runner/main.ts", "src/server/start.ts"])],
    ]);
    expect(violations(bad).map((v) => v.split(":")[0])).toEqual([
      "runner/main.ts imports src/sessions/service.ts",
      "src/entry.ts imports src/server/start.ts",
      "src/http/routes/x.ts imports bun",
      "src/http/routes/x.ts imports src/history/store.ts",
      "src/http/routes/x.ts imports src/storage/users.ts",
      "src/protocol/x.ts imports node",
      "src/protocol/x.ts imports src/storage/db.ts",
      "src/server/start.ts imports runner/sandbox/index.ts",
      "src/shared/log.ts imports src/server/start.ts",
      "ui/src/main.tsx imports src/auth/users.ts",
    ]);
  });
});

describe("import circles", () => {
  test("the source has none", () => {
    expect(cycles(graph)).toEqual([]);
  });

  test("a circle is found, however long", () => {
    const g = new Map<string, ModuleImports>([
      ["a.ts", mod(["b.ts"])],
      ["b.ts", mod(["c.ts"])],
      ["c.ts", mod(["a.ts"])],
      ["d.ts", mod(["a.ts"])],
    ]);
    expect(cycles(g)).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"]]);
  });
});
