import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitOk } from "./git.ts";
import { CheckpointStore, DEFAULT_LIMITS } from "./store.ts";

const root = mkdtempSync(join(tmpdir(), "octo-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, "node_modules", "dep"), { recursive: true });
  writeFileSync(join(dir, "node_modules", "dep", "index.js"), "ignored\n");
  writeFileSync(join(dir, "a.txt"), "a\n");
  return dir;
}

const files = async (s: CheckpointStore, tree: string) =>
  (await gitOk(s.target, ["ls-tree", "-r", "--name-only", tree])).trim().split("\n");

test("files over the size cap and ignored folders are left out; unchanged projects add no objects", async () => {
  const dir = project("cap");
  writeFileSync(join(dir, "big.bin"), Buffer.alloc(5000, 7));
  symlinkSync("../../../etc/shadow", join(dir, "link"));
  const s = new CheckpointStore(dir, { ...DEFAULT_LIMITS, maxFileBytes: 1000 }, join(root, "state"));
  const cp = await s.take("manual");
  expect(cp.skipped).toEqual(["big.bin"]);
  expect(await files(s, cp.tree)).toEqual(["a.txt", "link"]);
  const mode = (await gitOk(s.target, ["ls-tree", cp.tree, "link"])).split(" ")[0];
  expect(mode).toBe("120000"); // stored as a link, never followed
  const again = await s.take("manual");
  expect(again.tree).toBe(cp.tree);
  // Shrunk under the cap: taken again.
  writeFileSync(join(dir, "big.bin"), "small now\n");
  const third = await s.take("manual");
  expect(third.skipped).toBeUndefined();
  expect(await files(s, third.tree)).toContain("big.bin");
});

test("prune drops checkpoints past the age limit but always keeps the newest", async () => {
  const dir = project("prune");
  const s = new CheckpointStore(dir, DEFAULT_LIMITS, join(root, "state"));
  for (let i = 0; i < 4; i++) {
    writeFileSync(join(dir, "a.txt"), `v${i}\n`);
    await s.take("manual");
  }
  expect(s.list()).toHaveLength(4);
  const r = await s.prune({ maxAgeMs: 0 });
  expect(r.removed).toBe(3);
  expect(s.list()).toHaveLength(1);
  const reloaded = new CheckpointStore(dir, DEFAULT_LIMITS, join(root, "state"));
  expect(reloaded.list().map((c) => c.id)).toEqual(s.list().map((c) => c.id));
  const bySize = await s.prune({ maxBytes: 0 });
  expect(bySize.removed).toBe(0); // the newest stays whatever the size
});
