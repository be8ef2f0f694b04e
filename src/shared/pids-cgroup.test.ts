import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pidsHierarchy } from "./pids-cgroup.ts";

const dir = mkdtempSync(join(tmpdir(), "octo-cgroup-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const line = (mount: string, fstype: string, options: string) =>
  `39 31 0:36 / ${mount} rw,relatime - ${fstype} ${fstype} ${options}`;

test("v1: the cgroup mount with the pids option, even beside a cgroup2 mount", () => {
  const mountinfo = [
    line("/sys/fs/cgroup/memory", "cgroup", "rw,memory"),
    line("/sys/fs/cgroup/pids", "cgroup", "rw,pids"),
    line("/sys/fs/cgroup/unified", "cgroup2", "rw"),
  ].join("\n");
  expect(pidsHierarchy(mountinfo)).toEqual({ version: 1, mount: "/sys/fs/cgroup/pids" });
});

test("v2: the cgroup2 mount only when its root offers pids", () => {
  const mountinfo = line(dir, "cgroup2", "rw,nsdelegate");
  writeFileSync(join(dir, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
  expect(pidsHierarchy(mountinfo)).toEqual({ version: 2, mount: dir });
  writeFileSync(join(dir, "cgroup.controllers"), "cpu memory\n");
  expect(pidsHierarchy(mountinfo)).toBeNull();
  expect(pidsHierarchy("")).toBeNull();
  expect(pidsHierarchy("garbage\n - \n")).toBeNull();
});
