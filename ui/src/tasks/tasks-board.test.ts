import { expect, test } from "bun:test";
import type { Task } from "./tasks-api.ts";
import { columns, filterTasks, NO_FILTER, taskPrompt } from "./tasks-board.ts";

const task = (n: number, over: Partial<Task> = {}): Task => ({
  id: `T-${n}`,
  project_id: "prj_0000000000000000000000000000",
  title: `Task ${n}`,
  body: "",
  status: "open",
  priority: "normal",
  labels: [],
  assignee: null,
  parent: null,
  children: [],
  depends_on: [],
  links: [],
  ready: true,
  created_at: 0,
  updated_at: 0,
  ...over,
});

test("columns hold each status, most urgent first, then oldest", () => {
  const c = columns([task(1), task(2, { priority: "urgent" }), task(3, { status: "done" }), task(4)]);
  expect(c.open.map((t) => t.id)).toEqual(["T-2", "T-1", "T-4"]);
  expect(c.done.map((t) => t.id)).toEqual(["T-3"]);
  expect(c.blocked).toEqual([]);
});

test("filters: ready, status, label, assignee and text", () => {
  const all = [
    task(1, { labels: ["ui"], assignee: "agent" }),
    task(2, { ready: false, title: "Parser" }),
    task(3, { status: "done", ready: false }),
  ];
  const ids = (f: Partial<typeof NO_FILTER>) => filterTasks(all, { ...NO_FILTER, ...f }).map((t) => t.id);
  expect(ids({ status: "ready" })).toEqual(["T-1"]);
  expect(ids({ status: "done" })).toEqual(["T-3"]);
  expect(ids({ label: "ui" })).toEqual(["T-1"]);
  expect(ids({ assignee: "none" })).toEqual(["T-2", "T-3"]);
  expect(ids({ text: "pars" })).toEqual(["T-2"]);
  expect(ids({ text: "t-3" })).toEqual(["T-3"]);
});

test("the conversation prompt carries the task, its body cut to a size", () => {
  const p = taskPrompt(task(7, { title: "Fix login", body: "x".repeat(2000), depends_on: ["T-2"] }));
  expect(p.startsWith("Let's work on task T-7: Fix login\n(status open, priority normal, after T-2)")).toBe(
    true,
  );
  expect(p).toContain(`${"x".repeat(1500)}…`);
  expect(p).toContain("octo-tool task show T-7");
});
