import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { commandFor } from "../../src/shared/paths.ts";
import { ssoSignIn } from "../fixtures/oidc/flow.ts";
import { clientWith, type SsoSetup, startSso } from "./harness.ts";

/**
 * Multi-user mode for real: single sign-on makes the platform account, and the existing
 * provisioning path (the privileged `octo-runner --system`, when the user's runner first starts)
 * makes its `octo_<name>` Linux account, which then owns the person's project folder.
 */
setDefaultTimeout(120_000);
const tag = Math.random().toString(36).slice(2, 7);
const NAME = `sso${tag}`;
const SERVER_GROUP = `octo-sso-${tag}`;
let runtime: string;
let system: Bun.Subprocess;
let s: SsoSetup;

const sh = (argv: string[]) => Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
const passwd = (user: string) =>
  readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));

beforeAll(async () => {
  expect(sh(["groupadd", SERVER_GROUP]).exitCode).toBe(0);
  runtime = mkdtempSync("/tmp/octo-sso-mu-");
  chmodSync(runtime, 0o755);
  system = Bun.spawn(
    [...commandFor("octo-runner"), "--system", "--runtime-dir", runtime, "--server-group", SERVER_GROUP],
    { stdout: "ignore", stderr: "pipe" },
  );
  let log = "";
  for await (const chunk of system.stderr as ReadableStream<Uint8Array>) {
    log += Buffer.from(chunk).toString();
    if (log.includes("system component listening")) break;
  }
  if (!log.includes("system component listening")) throw new Error(`system component exited: ${log}`);
  s = await startSso(`
[local]
single_user = false
[local.linux_users]
enabled = true
[runner]
socket_dir = "${runtime}"
`);
});

afterAll(async () => {
  // Deleting the account through octo stops its runner and removes its Linux account.
  const users = ((await s?.admin.get("/api/admin/users"))?.body ?? { users: [] }) as {
    users: { id: string; username: string }[];
  };
  const id = users.users.find((u) => u.username === NAME)?.id;
  if (id) await s.admin.delete(`/api/admin/users/${id}`);
  await s?.stop();
  if (passwd(`octo_${NAME}`)) sh(["userdel", "-r", `octo_${NAME}`]);
  rmSync(`/home/octo_${NAME}`, { recursive: true, force: true });
  system?.kill("SIGTERM");
  await system?.exited;
  sh(["groupdel", SERVER_GROUP]);
  rmSync(runtime, { recursive: true, force: true });
});

test("first sign-in makes the account; its first project makes and uses its octo_<name> Linux account", async () => {
  expect(passwd(`octo_${NAME}`)).toBeUndefined();
  s.idp.accounts.set(`sub-${tag}`, { preferred_username: NAME.toUpperCase(), groups: ["octo-users"] });
  const r = await ssoSignIn(s.t.url, "corp", `sub-${tag}`);
  const person = clientWith(s.t.url, r.session);
  const me = await person.get("/api/auth/me");
  expect(me.body).toMatchObject({ user: { username: NAME }, mode: "multi-user" });
  const created = await person.post("/api/projects", { name: "First project" });
  expect(created.status).toBe(200);
  const entry = passwd(`octo_${NAME}`);
  expect(entry).toContain(`/home/octo_${NAME}:/usr/sbin/nologin`);
  const uid = Number(entry?.split(":")[2]);
  const slug = (created.body as { project: { slug: string } }).project.slug;
  expect(statSync(`/home/octo_${NAME}/octo/${slug}`).uid).toBe(uid);
});
