import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/**
 * The file ops run as a real unprivileged Linux user (as octo-runner does): what it creates is
 * owned by that user with the intended modes, and files of other users stay unreadable to it.
 */

const USER = "octo_fs_test";
const isRoot = process.getuid?.() === 0;
let uid = 0;
let gid = 0;
let base = "";

function removeUser() {
  try {
    execFileSync("userdel", [USER], { stdio: "ignore" });
  } catch {
    // not there
  }
}

beforeAll(() => {
  if (!isRoot) return;
  removeUser();
  execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER]);
  uid = Number(execFileSync("id", ["-u", USER], { encoding: "utf8" }).trim());
  gid = Number(execFileSync("id", ["-g", USER], { encoding: "utf8" }).trim());
  base = mkdtempSync("/tmp/octo-fs-user-");
  chmodSync(base, 0o755);
});

afterAll(() => {
  if (!isRoot) return;
  rmSync(base, { recursive: true, force: true });
  removeUser();
});

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean) {
  const decoder = new TextDecoder();
  let text = "";
  while (!done(text)) {
    const { value, done: end } = await reader.read();
    if (end) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

test.skipIf(!isRoot)("as the user: owned files with private modes; other users' files refused", async () => {
  const home = join(base, "home");
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, uid, gid);
  const root = join(home, "octo");
  const foreignRoot = join(base, "foreign");
  mkdirSync(join(foreignRoot, "theirs"), { recursive: true, mode: 0o755 });
  chmodSync(join(foreignRoot, "theirs"), 0o700);
  writeFileSync(join(foreignRoot, "theirs", "secret.txt"), "root's", { mode: 0o600 });

  const proc = Bun.spawn(
    [process.execPath, join(import.meta.dir, "fixtures", "as-user.ts"), root, foreignRoot],
    {
      uid,
      gid,
      cwd: home,
      env: { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin", TMPDIR: home },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const reader = proc.stdout.getReader();
  const first = await readUntil(reader, (t) => t.includes("ready\n"));
  expect(first).toContain("ready\n");

  const project = join(root, "demo");
  writeFileSync(join(project, "root-only.txt"), "not yours", { mode: 0o600 });
  mkdirSync(join(project, "root-dir"), { mode: 0o700 });
  symlinkSync("root-dir", join(project, "link-dir"));
  symlinkSync("root-only.txt", join(project, "link-file"));
  proc.stdin.write("go\n");
  await proc.stdin.end();
  const rest = await readUntil(reader, (t) => t.endsWith("}\n"));
  const code = await proc.exited;
  if (code !== 0) throw new Error(`as-user script failed: ${await new Response(proc.stderr).text()}`);
  const out = JSON.parse(rest.trim().split("\n").pop() as string);

  expect(out.uid).toBe(uid);
  expect(out.create).toEqual({ ok: true, value: { slug: "demo", files: 2 } });
  expect(out.write.ok).toBe(true);
  expect(out.upload.ok).toBe(true);
  const owned = (path: string, mode: number) => {
    const st = statSync(path);
    expect([path, st.uid, st.gid, st.mode & 0o777]).toEqual([path, uid, gid, mode]);
  };
  owned(root, 0o700);
  owned(project, 0o700);
  owned(join(project, ".octo"), 0o700);
  owned(join(project, "AGENTS.md"), 0o644);
  owned(join(project, ".octo/project.toml"), 0o644);
  owned(join(project, "notes/n.md"), 0o644);
  owned(join(project, "up.bin"), 0o644);

  expect(out.readRootOnly.error?.code).toBe("forbidden");
  expect(out.listRootOnlyDir.error?.code).toBe("forbidden");
  expect(out.overwriteRootOnly.error?.code).toBe("forbidden");
  for (const denied of [out.listLinkToRootDir, out.readLinkToRootOnly]) {
    expect(denied.error?.code).toBe("forbidden");
    expect(denied.error?.message).toContain("permission denied");
  }
  expect(out.readForeign.error?.code).toBe("forbidden");
  expect(out.listForeign.error?.code).toBe("forbidden");
});
