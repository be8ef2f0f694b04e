import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRunArgs } from "./cli-args.ts";
import { prepareRun } from "./run.ts";

test("--no-network tightens any profile to no network (git in a project's sandbox uses it)", async () => {
  const root = mkdtempSync(join(tmpdir(), "octo-nonet-"));
  const project = join(root, "p");
  mkdirSync(project);
  try {
    const args = ["--profile", "default", "--project", project, "--workspace-root", root];
    const plain = parseRunArgs([...args, "--", "true"], {});
    const tight = parseRunArgs([...args, "--no-network", "--", "true"], {});
    if (!plain.ok || !tight.ok) throw new Error("parse failed");
    expect(plain.value.noNetwork).toBeUndefined();
    expect(tight.value.noNetwork).toBe(true);
    const a = await prepareRun(plain.value, {});
    const b = await prepareRun(tight.value, {});
    if (!a.ok || !b.ok) throw new Error("prepare failed");
    expect(a.value.policy.network.mode).toBe("proxy");
    expect(b.value.policy.network).toMatchObject({ mode: "none", allow: [] });
    expect(b.value.options.egressSocket).toBeUndefined();
    rmSync(a.value.privateDir, { recursive: true, force: true });
    rmSync(b.value.privateDir, { recursive: true, force: true });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
