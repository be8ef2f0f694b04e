import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureAgentAccount, runningAsRoot } from "../../src/runners/agent-account.ts";
import { ensureLocalRunner } from "../../src/runners/local.ts";
import { createLogger } from "../../src/shared/log.ts";
import { singleUserRunnerFiles } from "../../src/shared/runner-layout.ts";
import { stopRunnerOf } from "../http/harness.ts";

/** An upgrade from before decision 0016: a live runner running as root is replaced, not reused. */
setDefaultTimeout(60_000);
const base = mkdtempSync("/tmp/octo-agent-upgrade-");
chmodSync(base, 0o711);
const socketDir = join(base, "run");
const workspaceDir = join(base, "octo");
const log = createLogger({ format: "json", level: "error", write: () => {} });

afterAll(() => {
  stopRunnerOf(socketDir);
  rmSync(base, { recursive: true, force: true });
});

const uidOf = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^Uid:\s+(\d+)/m)?.[1]);

test.skipIf(!runningAsRoot())(
  "a root runner left from an older version is replaced by one as octo-agent",
  async () => {
    const opts = { user: "local", socketDir, workspaceDir, maxProcesses: 4, logFormat: "json" as const, log };
    const old = await ensureLocalRunner(opts);
    if (!old.ok) throw new Error(old.error.message);
    const oldPid = old.value.runnerPid as number;
    expect(uidOf(oldPid)).toBe(0);
    old.value.close();

    const account = ensureAgentAccount();
    if (!account.ok) throw new Error(account.error.message);
    const fresh = await ensureLocalRunner({ ...opts, account: account.value });
    if (!fresh.ok) throw new Error(fresh.error.message);
    const pid = fresh.value.runnerPid as number;
    expect(pid).not.toBe(oldPid);
    expect(uidOf(pid)).toBe(account.value.uid);
    expect(Number(readFileSync(singleUserRunnerFiles(socketDir).pidFile, "utf8"))).toBe(pid);
    fresh.value.close();
  },
);
