import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LAYOUT_MARKER, settleSharedWorkspace } from "../../src/runners/shared-workspace.ts";
import { createLogger } from "../../src/shared/log.ts";
import type { Client } from "../http/client.ts";
import { addUser, startTestServer, type TestServer } from "../http/harness.ts";
import { login, MuxClient } from "../terminals/harness.ts";
import { createProject } from "./harness.ts";

/** Single-user mode: each platform user's projects live in their own folder of the one workspace. */
setDefaultTimeout(90_000);

let t: TestServer;
let admin: Client;
let bob: Client;
const sockets: MuxClient[] = [];

beforeAll(async () => {
  t = await startTestServer();
  admin = await login(t.url, t.admin.username, t.admin.password);
  await addUser(admin, "bob", "bob-password-123");
  bob = await login(t.url, "bob", "bob-password-123");
});

afterAll(async () => {
  for (const s of sockets) if (!s.closed) s.ws.close();
  await t.stop();
});

async function files(c: Client): Promise<MuxClient> {
  const s = await MuxClient.connect(t.url, c.cookie);
  sockets.push(s);
  return s;
}

test("two users create a project with the same name; neither sees the other's files", async () => {
  const adminProject = await createProject(admin, "My Todo App");
  const bobProject = await createProject(bob, "My Todo App");
  const placement = t.server.ctx.services.placement;
  const adminDir = placement.project(t.admin.username, "my-todo-app").projectDir;
  const bobDir = placement.project("bob", "my-todo-app").projectDir;
  expect(adminDir).not.toBe(bobDir);
  expect(existsSync(adminDir) && existsSync(bobDir)).toBe(true);

  const a = await files(admin);
  const b = await files(bob);
  const wrote = await a.cmd(
    "write",
    { project_id: adminProject, path: "secret.txt", content: "admin only" },
    "files",
  );
  expect(wrote.ok).toBe(true);
  const mine = await a.cmd("list", { project_id: adminProject, path: "" }, "files");
  const theirs = await b.cmd("list", { project_id: bobProject, path: "" }, "files");
  const names = (f: typeof mine) => (f.data as { entries: { name: string }[] }).entries.map((e) => e.name);
  expect(names(mine)).toContain("secret.txt");
  expect(names(theirs)).not.toContain("secret.txt");
  expect(readFileSync(join(adminDir, "secret.txt"), "utf8")).toBe("admin only");
  expect(existsSync(join(bobDir, "secret.txt"))).toBe(false);
  // Bob's own project id is his; the admin's is not found for him.
  const stolen = await b.cmd("list", { project_id: adminProject, path: "" }, "files");
  expect(stolen.error?.code).toBe("not_found");
});

test("an older flat workspace moves once into per-user folders, even a project named like a user", () => {
  const ws = join(t.home, "old-workspace");
  for (const slug of ["alpha", "bob"]) {
    mkdirSync(join(ws, slug), { recursive: true });
    writeFileSync(join(ws, slug, "AGENTS.md"), `${slug}\n`);
  }
  const log = createLogger({ format: "json", level: "error", write: () => {} });
  // Alice owns a project called "bob"; bob owns "alpha".
  const projects = [
    { username: "alice", slug: "bob" },
    { username: "bob", slug: "alpha" },
  ];
  const r = settleSharedWorkspace(ws, projects, log);
  expect(r).toEqual({ ok: true, value: { moved: 2 } });
  expect(readFileSync(join(ws, "alice", "bob", "AGENTS.md"), "utf8")).toBe("bob\n");
  expect(readFileSync(join(ws, "bob", "alpha", "AGENTS.md"), "utf8")).toBe("alpha\n");
  expect(existsSync(join(ws, "alpha"))).toBe(false);
  expect(existsSync(join(ws, LAYOUT_MARKER))).toBe(true);
  // Once settled, a folder that looks flat is never moved again.
  mkdirSync(join(ws, "stray"));
  expect(settleSharedWorkspace(ws, [{ username: "bob", slug: "stray" }], log)).toEqual({
    ok: true,
    value: { moved: 0 },
  });
  expect(existsSync(join(ws, "stray"))).toBe(true);
});
