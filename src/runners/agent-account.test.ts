import { afterEach, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { othersCanReach, rootSingleUserDirs } from "../shared/paths.ts";
import { ensureAgentAccount, moveLegacyWorkspace, runningAsRoot } from "./agent-account.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "octo-agent-acct-"));
  dirs.push(d);
  return d;
};

test("a path under a directory closed to others is not reachable; root's defaults move", () => {
  const base = temp();
  const closed = join(base, "closed");
  mkdirSync(closed, { mode: 0o700 });
  chmodSync(base, 0o711);
  expect(othersCanReach(join(closed, "octo"))).toBe(false);
  expect(othersCanReach(join(base, "not-yet", "octo"))).toBe(true);
  const moved = rootSingleUserDirs({
    workspaceDir: join(closed, "octo"),
    runtimeDir: join(base, "run", "octo"),
  });
  expect(moved).toEqual({ workspaceDir: "/var/lib/octo-agent/octo", socketDir: join(base, "run", "octo") });
});

test.skipIf(!runningAsRoot())("root's old workspace moves once to the agent's, owned by the agent", () => {
  const account = ensureAgentAccount();
  if (!account.ok) throw new Error(account.error.message);
  const base = temp();
  const legacy = join(base, "root-home", "octo");
  mkdirSync(join(legacy, "my-app"), { recursive: true });
  writeFileSync(join(legacy, "my-app", "AGENTS.md"), "hi\n");
  const workspace = join(base, "agent", "octo");
  expect(moveLegacyWorkspace(legacy, workspace, account.value).ok).toBe(true);
  expect(existsSync(legacy)).toBe(false);
  expect(readFileSync(join(workspace, "my-app", "AGENTS.md"), "utf8")).toBe("hi\n");
  expect(statSync(join(workspace, "my-app", "AGENTS.md")).uid).toBe(account.value.uid);
  // Once there, a new legacy folder is left alone.
  mkdirSync(legacy);
  expect(moveLegacyWorkspace(legacy, workspace, account.value).ok).toBe(true);
  expect(existsSync(legacy)).toBe(true);
});
