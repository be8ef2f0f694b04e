import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupOf, pidsHierarchy, removeCgroup } from "../../src/shared/pids-cgroup.ts";
import { waitUntil } from "../runner/harness.ts";

/**
 * `removeCgroup` (decision 0032) on real cgroup file systems, with live processes inside: v1 has
 * no `cgroup.kill` (each member gets SIGKILL), v2 does. Needs root, as these tests run.
 */
const hierarchy = pidsHierarchy();
const v2Mount = readFileSync("/proc/self/mountinfo", "utf8")
  .split("\n")
  .find((l) => l.split(" - ")[1]?.startsWith("cgroup2 "))
  ?.split(" ")[4];

async function removesWithLiveMembers(parent: string, killFile: boolean) {
  const dir = join(parent, `octo-remove-test-${process.pid}`);
  mkdirSync(join(dir, "inner"), { recursive: true });
  // A shell that enters the inner cgroup and leaves a background child there too.
  const proc = Bun.spawn(["sh", "-c", `echo $$ > ${join(dir, "inner", "cgroup.procs")}; sleep 600 & wait`]);
  await waitUntil(
    "two members in the cgroup",
    () =>
      readFileSync(join(dir, "inner", "cgroup.procs"), "utf8")
        .trim()
        .split("\n").length === 2,
  );
  // Which way removeCgroup ends them: v2's cgroup.kill, or SIGKILL to each member on v1.
  expect(existsSync(join(dir, "inner", "cgroup.kill"))).toBe(killFile);
  expect(await removeCgroup(dir)).toBeNull();
  expect(existsSync(dir)).toBe(false);
  await proc.exited;
  expect(proc.signalCode).toBe("SIGKILL");
}

test.skipIf(hierarchy?.version !== 1)(
  "v1 pids: members are killed one by one, then the cgroup (and its children) removed",
  async () => {
    await removesWithLiveMembers((hierarchy as NonNullable<typeof hierarchy>).mount, false);
  },
);

test.skipIf(!v2Mount)("v2: cgroup.kill ends the members, then the cgroup is removed", async () => {
  await removesWithLiveMembers(v2Mount as string, true);
});

test("a cgroup already gone is not an error; a plain directory that is not empty is reported", async () => {
  expect(await removeCgroup(`/sys/fs/cgroup/octo-never-made-${process.pid}`)).toBeNull();
  const dir = `/tmp/octo-not-a-cgroup-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "file"), "x");
  expect(await removeCgroup(dir)).toContain("cannot remove");
  Bun.spawnSync(["rm", "-rf", dir]);
});

test.skipIf(!hierarchy)("cgroupOf names this process's cgroup as a path under the mount", () => {
  const own = cgroupOf("self", hierarchy as NonNullable<typeof hierarchy>) as string;
  expect(own.startsWith((hierarchy as NonNullable<typeof hierarchy>).mount)).toBe(true);
  expect(existsSync(join(own, "cgroup.procs"))).toBe(true);
});
