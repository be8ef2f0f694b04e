import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { userInfo } from "node:os";
import { AGENT_ACCOUNT } from "../../src/shared/paths.ts";
import { type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * git's sandboxes get a pids cgroup leaf each, like agents' (decision 0032): `limits.processes` is
 * not RLIMIT_NPROC over the whole account. Found under a 1,000-session soak: with the account's
 * agents holding more processes than the profile allows, bwrap's clone for git failed with EAGAIN
 * and every git route answered `sandbox_failed`.
 */
setDefaultTimeout(180_000);
let w: SessionWorld;
let holder: Bun.Subprocess<"ignore", "pipe", "inherit"> | null = null;
const HELD = 300; // over the `strict` profile's 256
const MARK = "4242.5"; // a sleep length nothing else uses, to count and end exactly these

beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  holder?.kill("SIGKILL");
  Bun.spawnSync(["pkill", "-KILL", "-f", `^sleep ${MARK}$`]);
  await w?.stop();
});

test("git in a strict project works while its account holds more processes than the profile allows", async () => {
  const r = await w.admin.post<{ project: { id: string; slug: string } }>("/api/projects", {
    name: "Busy",
    profile: "strict",
  });
  expect(r.status).toBe(200);
  const base = `/api/projects/${r.body.project.id}`;
  const dir = w.t.server.ctx.services.placement.project(w.t.admin.username, r.body.project.slug).projectDir;
  expect(Bun.spawnSync(["git", "init", "-q", "-b", "main"], { cwd: dir }).exitCode).toBe(0);
  // Made by the person, as the account that owns the project (else git calls it dubious).
  expect(Bun.spawnSync(["chown", "-R", `--reference=${dir}`, `${dir}/.git`]).exitCode).toBe(0);
  // Run as root, the single-user runner and its sandboxes are this account's (decision 0016).
  const account = userInfo().uid === 0 ? AGENT_ACCOUNT : userInfo().username;
  const as = account === userInfo().username ? [] : ["runuser", "-u", account, "--"];
  holder = Bun.spawn(
    [...as, "sh", "-c", `for i in $(seq ${HELD}); do sleep ${MARK} & done; echo ready; wait`],
    {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const reader = holder.stdout.getReader();
  let said = "";
  while (!said.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the holder ended: ${said}`);
    said += new TextDecoder().decode(value);
  }
  // The account really holds them (the control: RLIMIT_NPROC alone would now refuse a fork).
  const held = Bun.spawnSync(["pgrep", "-c", "-u", account, "-f", `^sleep ${MARK}$`])
    .stdout.toString()
    .trim();
  expect(Number(held)).toBe(HELD);
  const status = await w.admin.get<{ error?: { code: string; message: string } }>(`${base}/git`);
  expect([status.status, status.body.error?.message ?? ""]).toEqual([200, ""]);
});
