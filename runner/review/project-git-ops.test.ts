import { expect, test } from "bun:test";
import { parseBranchLine } from "./project-git-ops.ts";

test("status's branch line: branch, upstream, ahead and behind", () => {
  expect(parseBranchLine("main...origin/main [ahead 2, behind 1]")).toEqual({
    branch: "main",
    upstream: "origin/main",
    ahead: 2,
    behind: 1,
  });
  expect(parseBranchLine("feature/x...origin/feature/x")).toEqual({
    branch: "feature/x",
    upstream: "origin/feature/x",
    ahead: 0,
    behind: 0,
  });
  expect(parseBranchLine("topic")).toEqual({ branch: "topic", upstream: null, ahead: 0, behind: 0 });
  expect(parseBranchLine("No commits yet on main")).toMatchObject({ branch: "main", upstream: null });
  expect(parseBranchLine("HEAD (no branch)")).toMatchObject({ branch: null });
});
