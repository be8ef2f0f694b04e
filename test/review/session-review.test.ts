import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { storeDirFor } from "../../runner/review/store.ts";
import { AGENT_HOME } from "../../src/shared/paths.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

setDefaultTimeout(180_000);
let w: SessionWorld;
let tab: AgentTab;
let projectId: string;
let dir: string;
let session: string;
let prompts = 0;

interface Changed {
  path: string;
  status: string;
  binary: boolean;
  old_path?: string;
  kind?: string;
}

/** The agent runs `command` with its bash tool in one turn; answers the tool's output. */
async function agentRuns(command: string): Promise<string> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `p-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 150_000);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  return String(end?.output);
}

async function userMessageIds(): Promise<string[]> {
  const r = await w.admin.get<{ messages: { id: string; role: string }[] }>(
    `/api/sessions/${session}/messages`,
  );
  return r.body.messages.filter((m) => m.role === "user").map((m) => m.id);
}

beforeAll(async () => {
  w = await startWorld();
  projectId = await createProject(w.admin, "Review Test");
  await addUser(w.admin, "eve", "eve-password-123");
  const p = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${projectId}`);
  dir = w.t.server.ctx.services.placement.project(w.t.admin.username, p.body.project.slug).projectDir;
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "keep.txt"), "keep\n");
  writeFileSync(join(dir, "change.txt"), "one\ntwo\nthree\n");
  writeFileSync(join(dir, "gone.txt"), "delete me\n");
  writeFileSync(join(dir, "src", "old.ts"), "export const x = 1;\n");
  writeFileSync(join(dir, "bin.dat"), Buffer.from([0, 1, 2, 3, 255]));
  symlinkSync("/etc/hostname", join(dir, "link-out"));
  // The files belong to whoever the runner runs as (the agent account here: the server runs as root).
  const owner = lstatSync(dir);
  Bun.spawnSync(["chown", "-R", "-h", `${owner.uid}:${owner.gid}`, dir]);
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  ({ session_id: session } = await tab.ok<{ session_id: string }>("session.create", {
    project_id: projectId,
  }));
  await tab.ok("session.subscribe", { session_id: session, after_seq: 0 });
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
  // The store lives in the agent account's home, shared by every test run: leave nothing behind.
  if (dir)
    rmSync(storeDirFor(dir, join(AGENT_HOME, ".local", "state", "octo", "checkpoints")), {
      recursive: true,
      force: true,
    });
});

test("a turn's changes are listed, restored to before its message, and the restore undone", async () => {
  await agentRuns(
    [
      "printf 'one\\nTWO\\nthree\\nfour\\n' > change.txt",
      "rm gone.txt",
      "mv src/old.ts src/new.ts",
      "echo added > added.txt",
      "printf '\\011\\000\\011' > bin.dat",
      "ln -sfn /etc/passwd link-out",
    ].join(" && "),
  );
  const r = await w.admin.get<{ files: Changed[] }>(`/api/sessions/${session}/changes`);
  expect(r.status).toBe(200);
  const by = Object.fromEntries(r.body.files.map((f) => [f.path, f]));
  expect(by["change.txt"]?.status).toBe("modified");
  expect(by["gone.txt"]?.status).toBe("deleted");
  expect(by["added.txt"]?.status).toBe("added");
  expect(by["src/new.ts"]).toMatchObject({ status: "renamed", old_path: "src/old.ts" });
  expect(by["bin.dat"]).toMatchObject({ status: "modified", binary: true });
  expect(by["link-out"]).toMatchObject({ status: "modified", kind: "link" });
  expect(by["keep.txt"]).toBeUndefined();

  const diff = await w.admin.get<{ lines: string[] }>(
    `/api/sessions/${session}/changes/diff?path=change.txt`,
  );
  expect(diff.body.lines).toContain("-two");
  expect(diff.body.lines).toContain("+TWO");

  const [first] = await userMessageIds();
  // Narrowed to the turn: the same files (one turn so far).
  const turn = await w.admin.get<{ files: Changed[] }>(
    `/api/sessions/${session}/changes?message_id=${first}`,
  );
  expect(turn.body.files.length).toBe(r.body.files.length);

  // The person edits a file the restore will overwrite: the preview names it.
  writeFileSync(join(dir, "added.txt"), "my own edit\n");
  const preview = await w.admin.post<{ overwrites: string[]; files: Changed[]; checkpoint: null }>(
    `/api/sessions/${session}/restore`,
    { message_id: first, preview: true },
  );
  expect(preview.status).toBe(200);
  expect(preview.body.overwrites).toEqual(["added.txt"]);
  expect(preview.body.checkpoint).toBeNull();
  expect(readFileSync(join(dir, "added.txt"), "utf8")).toBe("my own edit\n");

  const restored = await w.admin.post<{ checkpoint: { id: string } }>(`/api/sessions/${session}/restore`, {
    message_id: first,
  });
  expect(restored.status).toBe(200);
  expect(restored.body.checkpoint.id).toMatch(/^cpt_/);
  expect(readFileSync(join(dir, "change.txt"), "utf8")).toBe("one\ntwo\nthree\n");
  expect(readFileSync(join(dir, "gone.txt"), "utf8")).toBe("delete me\n");
  expect(readFileSync(join(dir, "src/old.ts"), "utf8")).toBe("export const x = 1;\n");
  expect(existsSync(join(dir, "src/new.ts"))).toBe(false);
  expect(existsSync(join(dir, "added.txt"))).toBe(false);
  expect([...readFileSync(join(dir, "bin.dat"))]).toEqual([0, 1, 2, 3, 255]);
  expect(lstatSync(join(dir, "link-out")).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(dir, "link-out"))).toBe("/etc/hostname");

  // Undo: back to the state the restore replaced, the person's edit included.
  const undo = await w.admin.post(`/api/sessions/${session}/restore`, {
    checkpoint_id: restored.body.checkpoint.id,
  });
  expect(undo.status).toBe(200);
  expect(readFileSync(join(dir, "added.txt"), "utf8")).toBe("my own edit\n");
  expect(readlinkSync(join(dir, "link-out"))).toBe("/etc/passwd");
  expect(existsSync(join(dir, "gone.txt"))).toBe(false);
});

test("the agent cannot reach the checkpoint store from its sandbox", async () => {
  const store = storeDirFor(dir, join(AGENT_HOME, ".local", "state", "octo", "checkpoints"));
  expect(existsSync(join(store, "records.jsonl"))).toBe(true); // it is there, outside
  const out = await agentRuns(
    `ls ${store} 2>&1; cat ${store}/records.jsonl 2>&1; ls ${AGENT_HOME}/.local/state/octo 2>&1; echo end`,
  );
  expect(out).toContain("No such file or directory");
  expect(out).not.toContain("cpt_");
  expect(out).toContain(`ls: cannot access '${AGENT_HOME}/.local/state/octo': No such file or directory`);
});

test("a restore while the agent works is refused with agent_working, or stops it first when asked", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  w.fx.enqueue([{ text: "working", chunks: 1 }, { until: held }, { text: " on" }]);
  await tab.ok("prompt", { session_id: session, message: "take your time", client_id: `p-${++prompts}` });
  await tab.waitEvent(
    session,
    (f) => f.event === "stream.text_delta" && f.delta === "working",
    "the held stream",
  );
  const first = (await userMessageIds()).at(-1);
  writeFileSync(join(dir, "during-turn.txt"), "written while the agent worked\n");
  const refused = await w.admin.post<{ error: { code: string } }>(`/api/sessions/${session}/restore`, {
    message_id: first,
  });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe("agent_working");
  // The fixture's held stream ends only when released (as in the lifecycle test's abort).
  const stopping = w.admin.post(`/api/sessions/${session}/restore`, { message_id: first, stop_agents: true });
  await tab
    .waitEvent(
      session,
      (f) => f.event === "stream.message_end" && (f.message as { stop?: string }).stop === "aborted",
      "the abort",
      30_000,
    )
    .catch(() => undefined);
  release();
  const stopped = await stopping;
  expect(stopped.status).toBe(200);
  expect(existsSync(join(dir, "during-turn.txt"))).toBe(false);
});

test("bad input and someone else's session are answered with stable codes", async () => {
  const eve = new Client(w.t.url);
  await eve.login("eve", "eve-password-123");
  const [first] = await userMessageIds();
  for (const r of [
    await eve.get(`/api/sessions/${session}/changes`),
    await eve.get(`/api/sessions/${session}/changes/diff?path=change.txt`),
    await eve.post(`/api/sessions/${session}/restore`, { message_id: first }),
    await eve.post(`/api/sessions/${session}/discard`, { path: "change.txt" }),
    await eve.get(`/api/projects/${projectId}/changes`),
    await eve.post(`/api/projects/${projectId}/discard`, { path: "change.txt" }),
  ]) {
    expect(r.status).toBe(404);
    expect((r.body as { error: { code: string } }).error.code).toBe("not_found");
  }
  const both = await w.admin.post<{ error: { code: string } }>(`/api/sessions/${session}/restore`, {});
  expect(both.status).toBe(422);
  const badId = await w.admin.post<{ error: { code: string } }>(`/api/sessions/${session}/restore`, {
    message_id: "msg_nope",
  });
  expect(badId.status).toBe(422);
  const unknown = await w.admin.post<{ error: { code: string } }>(`/api/sessions/${session}/restore`, {
    message_id: `msg_${"0".repeat(28)}`,
  });
  expect(unknown.status).toBe(404);
  const outside = await w.admin.get(`/api/sessions/${session}/changes/diff?path=../../etc/passwd`);
  expect(outside.status).toBe(422);
  const anon = await new Client(w.t.url).get(`/api/sessions/${session}/changes`);
  expect(anon.status).toBe(401);
});

test("in a fork, a copied message restores to the checkpoint its original session took", async () => {
  const ids = await userMessageIds();
  const last = ids.at(-1) as string;
  const { session_id: fork } = await tab.ok<{ session_id: string }>("fork", {
    session_id: session,
    message_id: last,
  });
  const copied = await w.admin.get<{ messages: { id: string; role: string }[] }>(
    `/api/sessions/${fork}/messages`,
  );
  const firstCopy = copied.body.messages.find((m) => m.role === "user")?.id;
  expect(firstCopy).toBeDefined();
  expect(firstCopy).not.toBe(ids[0]);
  writeFileSync(join(dir, "gone.txt"), "changed in the fork\n");
  const r = await w.admin.post<{ files: Changed[] }>(`/api/sessions/${fork}/restore`, {
    message_id: firstCopy,
  });
  expect(r.status).toBe(200);
  expect(readFileSync(join(dir, "gone.txt"), "utf8")).toBe("delete me\n");
  expect(readlinkSync(join(dir, "link-out"))).toBe("/etc/hostname");
});

test("a git project: status, stage, commit as the person, log; errors name the cause", async () => {
  const gitProject = await createProject(w.admin, "Review Git");
  const p = await w.admin.get<{ project: { slug: string } }>(`/api/projects/${gitProject}`);
  const gdir = w.t.server.ctx.services.placement.project(w.t.admin.username, p.body.project.slug).projectDir;
  writeFileSync(join(gdir, "a.txt"), "a\n");
  Bun.spawnSync(["git", "init", "-q"], { cwd: gdir });
  const owner = lstatSync(gdir);
  Bun.spawnSync(["chown", "-R", `${owner.uid}:${owner.gid}`, gdir]);
  const base = `/api/projects/${gitProject}/git`;
  const before = await w.admin.get<{
    status: { files: { path: string; staged: string; unstaged: string }[] };
  }>(base);
  expect(before.status).toBe(200);
  expect(before.body.status.files.find((f) => f.path === "a.txt")).toMatchObject({
    staged: "?",
    unstaged: "?",
  });
  const nothing = await w.admin.post<{ error: { code: string; message: string } }>(`${base}/commit`, {
    message: "empty",
  });
  expect(nothing.status).toBe(409);
  expect(nothing.body.error.message).toContain("nothing is staged");
  expect((await w.admin.post(`${base}/stage`, { paths: ["a.txt"] })).status).toBe(200);
  const commit = await w.admin.post<{ sha: string }>(`${base}/commit`, { message: "first commit" });
  expect(commit.status).toBe(200);
  const after = await w.admin.get<{
    log: { commits: { subject: string; author: string }[] };
    status: { branch: string };
  }>(base);
  expect(after.body.log.commits[0]).toMatchObject({
    subject: "first commit",
    author: `${w.t.admin.username} <${w.t.admin.username}@users.octo>`,
  });
  // The Changes of a git project are against HEAD: nothing now, then the edit.
  writeFileSync(join(gdir, "a.txt"), "b\n");
  const changes = await w.admin.get<{ git: boolean; files: Changed[] }>(
    `/api/projects/${gitProject}/changes`,
  );
  expect(changes.body.git).toBe(true);
  // a.txt against HEAD; the project's template files were never committed: untracked, so added.
  expect(changes.body.files.map((f) => `${f.path} ${f.status}`).sort()).toEqual(
    [".octo/project.toml added", "AGENTS.md added", "a.txt modified"].sort(),
  );
  const notGit = await w.admin.get<{ error: { code: string } }>(`/api/projects/${projectId}/git`);
  expect(notGit.status).toBe(404);
  const eve = new Client(w.t.url);
  await eve.login("eve", "eve-password-123");
  expect((await eve.get(base)).status).toBe(404);
  expect((await eve.post(`${base}/commit`, { message: "x" })).status).toBe(404);
});
