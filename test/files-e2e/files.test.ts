import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../http/client.ts";
import { addUser, startTestServer, type TestServer } from "../http/harness.ts";
import { login, stopLocalRunner } from "../terminals/harness.ts";
import { FilesSocket, uploadForm } from "./harness.ts";

/**
 * Files end to end: the real server (port 0, temp HOME), the real single-user runner it starts,
 * real WebSockets on the mux `files` channel and real HTTP for downloads and uploads.
 */
setDefaultTimeout(60_000);

let t: TestServer;
let alice: Client;
let bob: Client;
let project: { id: string; slug: string; dir: string };
let bobProject: { id: string; slug: string };
const sockets: FilesSocket[] = [];

async function socket(client = alice): Promise<FilesSocket> {
  const s = await FilesSocket.connect(t.url, client.cookie);
  sockets.push(s);
  return s;
}

async function createProject(client: Client, name: string) {
  const r = await client.post<{ project: { id: string; slug: string } }>("/api/projects", { name });
  if (r.status !== 200) throw new Error(`cannot create project: ${JSON.stringify(r.body)}`);
  return r.body.project;
}

async function upload(client: Client, projectId: string, form: FormData, query = "") {
  const res = await fetch(`${t.url}/api/projects/${projectId}/files/upload${query}`, {
    method: "POST",
    headers: { origin: t.url, cookie: `octo_session=${client.cookie}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  t = await startTestServer();
  alice = await login(t.url, t.admin.username, t.admin.password);
  await addUser(alice, "bob", "bob-password-123");
  bob = await login(t.url, "bob", "bob-password-123");
  const p = await createProject(alice, "Alpha Files");
  project = { ...p, dir: t.server.ctx.services.placement.project(t.admin.username, p.slug).projectDir };
  bobProject = await createProject(bob, "Bravo");
});

afterAll(async () => {
  for (const s of sockets) if (!s.mux.closed) s.mux.ws.close();
  const socketDir = t.server.ctx.config.paths.socketDir;
  await t.server.stop();
  stopLocalRunner(socketDir);
  rmSync(t.home, { recursive: true, force: true });
});

describe("the files channel", () => {
  test("list, write, read, conflict, mkdir, move, delete", async () => {
    const s = await socket();
    const pid = project.id;
    const root = await s.ok<{ entries: { name: string; type: string }[] }>("list", {
      project_id: pid,
      path: "",
    });
    expect(root.entries.map((e) => e.name)).toContain("AGENTS.md");

    const created = await s.ok<{ etag: string }>("write", {
      project_id: pid,
      path: "notes/todo.md",
      content: "# todo\n",
      if_match: null,
      create_parents: true,
    });
    expect(readFileSync(join(project.dir, "notes/todo.md"), "utf8")).toBe("# todo\n");
    expect(
      await s.code("write", { project_id: pid, path: "notes/todo.md", content: "x", if_match: null }),
    ).toBe("conflict");

    const read = await s.ok<{ content: string; etag: string; encoding: string }>("read", {
      project_id: pid,
      path: "notes/todo.md",
    });
    expect(read).toMatchObject({ content: "# todo\n", etag: created.etag, encoding: "utf8" });

    // The agent changes the file meanwhile: saving over the etag we read is a conflict, not a loss.
    writeFileSync(join(project.dir, "notes/todo.md"), "# todo\n- agent was here\n");
    const stale = await s.cmd("write", {
      project_id: pid,
      path: "notes/todo.md",
      content: "# mine\n",
      if_match: read.etag,
    });
    expect(stale.ok).toBe(false);
    expect(stale.error?.code).toBe("conflict");
    expect(readFileSync(join(project.dir, "notes/todo.md"), "utf8")).toContain("agent was here");
    const fresh = await s.ok<{ etag: string }>("stat", { project_id: pid, path: "notes/todo.md" });
    expect(fresh).toMatchObject({ type: "file" });

    await s.ok("mkdir", { project_id: pid, path: "archive" });
    const moved = await s.ok<{ path: string }>("move", {
      project_id: pid,
      from: "notes/todo.md",
      to: "archive/todo.md",
    });
    expect(moved.path).toBe("archive/todo.md");
    expect(existsSync(join(project.dir, "notes/todo.md"))).toBe(false);
    expect(await s.code("delete", { project_id: pid, path: "archive" })).toBe("not_empty");
    await s.ok("delete", { project_id: pid, path: "archive", recursive: true });
    expect(existsSync(join(project.dir, "archive"))).toBe(false);
  });

  test("bad input is refused with a clear code", async () => {
    const s = await socket();
    const pid = project.id;
    const cases: [string, Record<string, unknown>, string][] = [
      ["list", { project_id: pid, path: "../.." }, "validation_failed"],
      ["read", { project_id: pid, path: "a\u0000b" }, "validation_failed"],
      ["read", { project_id: pid, path: "/etc/passwd" }, "validation_failed"],
      ["move", { project_id: pid, from: "AGENTS.md", to: "x/../../y" }, "validation_failed"],
      [
        "write",
        { project_id: pid, path: "big.txt", content: "x".repeat(3 * 1024 * 1024) },
        "validation_failed",
      ],
      ["list", { project_id: "prj_nope", path: "" }, "validation_failed"],
      ["list", { path: "" }, "validation_failed"],
      ["list", { project_id: pid, path: "", extra: 1 }, "validation_failed"],
      ["chmod", { project_id: pid, path: "AGENTS.md" }, "unknown_command"],
      ["read", { project_id: pid, path: "missing.txt" }, "not_found"],
    ];
    for (const [cmd, body, code] of cases) {
      expect({ cmd, body: JSON.stringify(body).slice(0, 80), code: await s.code(cmd, body) }).toEqual({
        cmd,
        body: JSON.stringify(body).slice(0, 80),
        code,
      });
    }
    expect(existsSync(join(project.dir, "big.txt"))).toBe(false);
  });

  test("another user's project id is refused on every command", async () => {
    const s = await socket(bob);
    const pid = project.id;
    const commands: [string, Record<string, unknown>][] = [
      ["list", { path: "" }],
      ["stat", { path: "AGENTS.md" }],
      ["read", { path: "AGENTS.md" }],
      ["write", { path: "AGENTS.md", content: "pwned" }],
      ["mkdir", { path: "pwned" }],
      ["move", { from: "AGENTS.md", to: "gone.md" }],
      ["delete", { path: "AGENTS.md" }],
      ["watch", {}],
      ["unwatch", {}],
    ];
    for (const [cmd, body] of commands) {
      expect({ cmd, code: await s.code(cmd, { project_id: pid, ...body }) }).toEqual({
        cmd,
        code: "not_found",
      });
    }
    expect(readFileSync(join(project.dir, "AGENTS.md"), "utf8")).not.toBe("pwned");
    expect(existsSync(join(project.dir, "pwned"))).toBe(false);
    // Bob's own project works on the same socket.
    expect(await s.code("list", { project_id: bobProject.id, path: "" })).toBe("ok");
  });

  test("one watch per project, fanned out to every socket; unwatch stops it", async () => {
    const a = await socket();
    const b = await socket();
    const pid = project.id;
    await a.ok("watch", { project_id: pid });
    await b.ok("watch", { project_id: pid });
    writeFileSync(join(project.dir, "live.txt"), "on disk\n");
    const [ea, eb] = await Promise.all([a.waitChange(pid, "live.txt"), b.waitChange(pid, "live.txt")]);
    expect(ea).toMatchObject({ ch: "files", event: "changes", project_id: pid, overflow: false });
    expect(eb.changes).toEqual(ea.changes);

    // A change made through the channel is seen too.
    await b.ok("write", { project_id: pid, path: "via-mux.txt", content: "hi", if_match: null });
    await a.waitChange(pid, "via-mux.txt", "created");

    await a.ok("unwatch", { project_id: pid });
    const before = a.changes(pid).length;
    writeFileSync(join(project.dir, "after-unwatch.txt"), "x");
    await b.waitChange(pid, "after-unwatch.txt");
    await a.barrier();
    expect(a.changes(pid).length).toBe(before);

    // Closing the last watcher's socket ends the runner watch; a new socket can watch again.
    await b.close();
    const c = await socket();
    await c.ok("watch", { project_id: pid });
    writeFileSync(join(project.dir, "again.txt"), "x");
    await c.waitChange(pid, "again.txt");
  });
});

describe("downloads", () => {
  test("a file streams with its name and size", async () => {
    writeFileSync(join(project.dir, 'réport "v1".txt'), "hello download\n");
    const path = encodeURIComponent('réport "v1".txt');
    const res = await fetch(`${t.url}/api/projects/${project.id}/files/download?path=${path}`, {
      headers: { cookie: `octo_session=${alice.cookie}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("15");
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const disposition = res.headers.get("content-disposition") ?? "";
    expect(disposition).toStartWith("attachment;");
    expect(disposition).toContain("filename*=UTF-8''r%C3%A9port%20%22v1%22.txt");
    expect(await res.text()).toBe("hello download\n");
  });

  test("a folder streams as a zip that unzips to the same files", async () => {
    const s = await socket();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, "z");
    await s.ok("write", { project_id: project.id, path: "pack/a.txt", content: "A\n", create_parents: true });
    await s.ok("write", {
      project_id: project.id,
      path: "pack/sub/b.txt",
      content: "B\n",
      create_parents: true,
    });
    writeFileSync(join(project.dir, "pack/big.bin"), big);
    const res = await fetch(`${t.url}/api/projects/${project.id}/files/download?path=pack`, {
      headers: { cookie: `octo_session=${alice.cookie}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toContain('filename="pack.zip"');
    const out = mkdtempSync(join(tmpdir(), "octo-unzip-"));
    writeFileSync(join(out, "pack.zip"), new Uint8Array(await res.arrayBuffer()));
    const unzip = Bun.spawnSync(["unzip", "-q", "pack.zip", "-d", "x"], { cwd: out });
    expect(unzip.exitCode).toBe(0);
    const root = join(out, "x");
    const base = existsSync(join(root, "pack")) ? join(root, "pack") : root;
    expect(readFileSync(join(base, "a.txt"), "utf8")).toBe("A\n");
    expect(readFileSync(join(base, "sub/b.txt"), "utf8")).toBe("B\n");
    expect(Buffer.compare(readFileSync(join(base, "big.bin")), big)).toBe(0);
    rmSync(out, { recursive: true, force: true });
  });

  test("refused: another user's project, bad paths, missing files, no session", async () => {
    const get = (client: Client | null, projectId: string, path: string) =>
      fetch(`${t.url}/api/projects/${projectId}/files/download?path=${encodeURIComponent(path)}`, {
        headers: client ? { cookie: `octo_session=${client.cookie}` } : {},
      }).then(async (r) => ({
        status: r.status,
        code: ((await r.json()) as { error: { code: string } }).error.code,
      }));
    expect(await get(bob, project.id, "AGENTS.md")).toEqual({ status: 404, code: "not_found" });
    expect(await get(alice, project.id, "../x")).toEqual({ status: 422, code: "validation_failed" });
    expect(await get(alice, project.id, "a\u0000b")).toEqual({ status: 422, code: "validation_failed" });
    expect(await get(alice, project.id, "nope.txt")).toEqual({ status: 404, code: "not_found" });
    expect(await get(null, project.id, "AGENTS.md")).toEqual({ status: 401, code: "unauthorized" });
  });
});

describe("uploads", () => {
  test("several files in one multipart body, one over 1 MiB, into a folder", async () => {
    const big = new Uint8Array(2 * 1024 * 1024 + 12345).map((_, i) => (i * 31 + 7) % 251);
    const r = await upload(
      alice,
      project.id,
      uploadForm({ "one.txt": "first\n", "deep/two.txt": "second\n", "big.bin": big }),
      "?path=inbox",
    );
    expect(r.status).toBe(200);
    const files = r.body.files as { path: string; size: number; etag: string }[];
    expect(files.map((f) => [f.path, f.size])).toEqual([
      ["inbox/one.txt", 6],
      ["inbox/deep/two.txt", 7],
      ["inbox/big.bin", big.length],
    ]);
    expect(readFileSync(join(project.dir, "inbox/one.txt"), "utf8")).toBe("first\n");
    expect(readFileSync(join(project.dir, "inbox/deep/two.txt"), "utf8")).toBe("second\n");
    expect(Buffer.compare(readFileSync(join(project.dir, "inbox/big.bin")), Buffer.from(big))).toBe(0);

    // The same name again: refused unless overwrite=1.
    const again = await upload(alice, project.id, uploadForm({ "one.txt": "changed\n" }), "?path=inbox");
    expect(again.status).toBe(409);
    expect(readFileSync(join(project.dir, "inbox/one.txt"), "utf8")).toBe("first\n");
    const overwrite = await upload(
      alice,
      project.id,
      uploadForm({ "one.txt": "changed\n" }),
      "?path=inbox&overwrite=1",
    );
    expect(overwrite.status).toBe(200);
    expect(readFileSync(join(project.dir, "inbox/one.txt"), "utf8")).toBe("changed\n");
  });

  test("bad uploads are refused and store nothing", async () => {
    const cases: { what: string; status: number; code: string; send: () => Promise<Response> }[] = [
      {
        what: "a .. filename",
        status: 422,
        code: "validation_failed",
        send: () => rawUpload(uploadForm({ "../escape.txt": "x" })),
      },
      {
        what: "a NUL in the filename",
        status: 422,
        code: "validation_failed",
        send: () => rawUpload(uploadForm({ "a\u0000b.txt": "x" })),
      },
      {
        what: "a .. folder",
        status: 422,
        code: "validation_failed",
        send: () => rawUpload(uploadForm({ "ok.txt": "x" }), "?path=../up"),
      },
      {
        what: "not multipart",
        status: 400,
        code: "bad_request",
        send: () => rawUpload("just text", "", { "content-type": "text/plain" }),
      },
      {
        what: "a truncated multipart body",
        status: 400,
        code: "bad_request",
        send: () =>
          rawUpload(
            '--B\r\nContent-Disposition: form-data; name="f"; filename="cut.txt"\r\n\r\npartial',
            "",
            {
              "content-type": "multipart/form-data; boundary=B",
            },
          ),
      },
      {
        what: "no files",
        status: 400,
        code: "bad_request",
        send: () => {
          const form = new FormData();
          form.append("note", "only a field");
          return rawUpload(form);
        },
      },
      {
        what: "another user's project",
        status: 404,
        code: "not_found",
        send: () => rawUpload(uploadForm({ "x.txt": "x" }), "", {}, bob),
      },
      {
        what: "a foreign Origin",
        status: 403,
        code: "origin_not_allowed",
        send: () => rawUpload(uploadForm({ "x.txt": "x" }), "", { origin: "https://evil.example" }),
      },
    ];
    for (const c of cases) {
      const res = await c.send();
      const body = (await res.json()) as { error?: { code: string } };
      expect({ what: c.what, status: res.status, code: body.error?.code }).toEqual({
        what: c.what,
        status: c.status,
        code: c.code,
      });
    }
    for (const name of ["escape.txt", "cut.txt", "x.txt", "up"]) {
      expect(existsSync(join(project.dir, name))).toBe(false);
    }
    expect(existsSync(join(t.server.ctx.config.paths.workspaceDir, "escape.txt"))).toBe(false);
  });

  test("a body over the upload limit is refused with 413", async () => {
    const limit = t.server.ctx.config.server.max_body_bytes;
    expect(limit).toBeGreaterThan(0);
    const boundary = "LimitB";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="huge.bin"\r\n\r\n`;
    const piece = new Uint8Array(1 << 20);
    let sent = 0;
    const max = 40 * 1024 * 1024; // beyond the server's 32 MiB upload limit
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent === 0) c.enqueue(new TextEncoder().encode(head));
        if (sent >= max) return c.close();
        sent += piece.length;
        c.enqueue(piece);
      },
    });
    const res = await rawUpload(body, "", { "content-type": `multipart/form-data; boundary=${boundary}` });
    const text = await res.text();
    expect(res.status).toBe(413);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(existsSync(join(project.dir, "huge.bin"))).toBe(false);

    // A declared Content-Length over the limit is refused before anything is read.
    const declared = await rawUpload(new Uint8Array(33 * 1024 * 1024), "", {
      "content-type": `multipart/form-data; boundary=${boundary}`,
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });
});

function rawUpload(
  body: BodyInit,
  query = "",
  headers: Record<string, string> = {},
  client: Client = alice,
): Promise<Response> {
  return fetch(`${t.url}/api/projects/${project.id}/files/upload${query}`, {
    method: "POST",
    headers: { origin: t.url, cookie: `octo_session=${client.cookie}`, ...headers },
    body,
  });
}
