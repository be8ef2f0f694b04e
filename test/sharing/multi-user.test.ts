import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { commandFor } from "../../src/shared/paths.ts";
import { Client } from "../http/client.ts";
import { addUser, startTestServer, type TestServer } from "../http/harness.ts";
import { MuxClient } from "../terminals/harness.ts";

/**
 * Shared projects in multi-user mode for real (decision 0030): the privileged system component
 * makes each person's `octo_<name>` Linux account; a member's file writes and terminal go through
 * the OWNER's runner, so the files stay owned by the owner's Linux account and the shell runs as it.
 */
setDefaultTimeout(180_000);
const tag = Math.random().toString(36).slice(2, 7);
const OWNER = `own${tag}`;
const MEMBER = `mem${tag}`;
const SERVER_GROUP = `octo-shr-${tag}`;
let runtime: string;
let system: Bun.Subprocess;
let t: TestServer;
const ids: string[] = [];

const sh = (argv: string[]) => Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
const passwd = (user: string) =>
  readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));

beforeAll(async () => {
  expect(sh(["groupadd", SERVER_GROUP]).exitCode).toBe(0);
  runtime = mkdtempSync("/tmp/octo-share-mu-");
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
  t = await startTestServer(`
[local]
single_user = false
[local.linux_users]
enabled = true
[runner]
socket_dir = "${runtime}"
`);
});

afterAll(async () => {
  const admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  // Deleting the accounts through octo stops their runners and removes their Linux accounts.
  for (const id of ids) await admin.delete(`/api/admin/users/${id}`);
  await t?.stop();
  for (const name of [OWNER, MEMBER]) {
    if (passwd(`octo_${name}`)) sh(["userdel", "-r", `octo_${name}`]);
    rmSync(`/home/octo_${name}`, { recursive: true, force: true });
  }
  system?.kill("SIGTERM");
  await system?.exited;
  sh(["groupdel", SERVER_GROUP]);
  rmSync(runtime, { recursive: true, force: true });
});

test("a member's file writes and shell run as the owner's Linux account, recorded as the member", async () => {
  const admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  ids.push(await addUser(admin, OWNER, "owner-password-123"));
  ids.push(await addUser(admin, MEMBER, "member-password-123"));
  const owner = new Client(t.url);
  await owner.login(OWNER, "owner-password-123");
  const member = new Client(t.url);
  await member.login(MEMBER, "member-password-123");

  const created = await owner.post<{ project: { id: string; slug: string } }>("/api/projects", {
    name: "Team",
  });
  expect(created.status).toBe(200);
  const { id: project, slug } = created.body.project;
  const ownerUid = Number(passwd(`octo_${OWNER}`)?.split(":")[2]);
  expect(ownerUid).toBeGreaterThan(0);

  const invited = await owner.post(`/api/projects/${project}/members`, {
    username: MEMBER,
    role: "editor",
    terminal: true,
  });
  expect(invited.status).toBe(200);

  const mux = await MuxClient.connect(t.url, member.cookie);
  try {
    const wrote = await mux.cmd(
      "write",
      { project_id: project, path: "from-member.txt", content: "hello" },
      "files",
    );
    expect(wrote.ok).toBe(true);
    // The file is in the owner's workspace, owned by the owner's Linux account.
    const st = statSync(`/home/octo_${OWNER}/octo/${slug}/from-member.txt`);
    expect(st.uid).toBe(ownerUid);
    // …recorded as the member's change.
    const log = t.server.ctx.db
      .query<{ user_id: string; op: string; path: string }, [string]>(
        "SELECT user_id, op, path FROM project_file_changes WHERE project_id = ?",
      )
      .all(project);
    expect(log).toEqual([{ user_id: ids[1] as string, op: "write", path: "from-member.txt" }]);
    // The member never needed a Linux account of their own for this.
    expect(passwd(`octo_${MEMBER}`)).toBeUndefined();

    const { terminal } = await mux.ok<{ terminal: { terminal_id: string } }>("open", {
      project_id: project,
      cols: 80,
      rows: 24,
    });
    const id = terminal.terminal_id;
    await mux.ok("attach", { terminal_id: id });
    await mux.input(id, "echo uid=$(id -u) && ls\n");
    await mux.waitText(id, `uid=${ownerUid}`, 60_000);
    await mux.waitText(id, "from-member.txt", 60_000);

    // Removed: the shell ends at once.
    expect((await owner.delete(`/api/projects/${project}/members/${ids[1]}`)).status).toBe(200);
    await mux.waitEvent(id, "exit", 30_000);
    const again = await mux.cmd("write", { project_id: project, path: "x.txt", content: "x" }, "files");
    expect(again.error?.code).toBe("not_found");
  } finally {
    await mux.close();
  }
});
