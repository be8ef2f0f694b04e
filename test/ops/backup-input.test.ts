import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import {
  appendFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { runCli } from "../cli/run.ts";
import { tempHome } from "../http/harness.ts";

// CLI subprocesses from source, offline (no server): ~0.3–1 s each on a busy machine.
setDefaultTimeout(60_000);

const source = tempHome();
const dataDir = join(source.home, ".local", "share", "octo");
const backup = join(source.home, "backup");
const fresh = () => {
  const t = tempHome();
  homes.push(t.home);
  return t;
};
const homes: string[] = [source.home];

beforeAll(async () => {
  const added = await runCli(["user", "add", "alice", "--password-stdin"], source.env, {
    stdin: "alice-password-1\n",
  });
  expect(added.code).toBe(0);
});
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

test("an offline backup leaves the data dir as it was (no -wal or -shm left behind)", async () => {
  const before = readdirSync(dataDir).sort();
  const r = await runCli(["backup", backup], source.env);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(readdirSync(dataDir).sort()).toEqual(before);
  // No server has run: there is no JWT secret yet, and no config file.
  expect(readdirSync(backup).sort()).toEqual(["manifest.json", "octo.db"]);
});

test("usage errors exit 2; a non-empty target and a missing database are refused with their codes", async () => {
  expect((await runCli(["backup"], source.env)).code).toBe(2);
  expect((await runCli(["restore"], source.env)).code).toBe(2);
  expect((await runCli(["backup", "--help"], source.env)).stdout).toContain("usage: octo backup DIR");
  const again = await runCli(["backup", backup], source.env);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("[not_empty]");
  const empty = fresh();
  const none = await runCli(["backup", join(empty.home, "b")], empty.env);
  expect(none.code).toBe(1);
  expect(none.stderr).toContain("[not_found]");
});

test("restore checks the backup before writing: not a backup, a damaged file, an unsafe path", async () => {
  const target = fresh();
  const targetData = join(target.home, ".local", "share", "octo");
  const notBackup = await runCli(["restore", target.home], target.env);
  expect(notBackup.code).toBe(1);
  expect(notBackup.stderr).toContain("is not an octo backup (no manifest.json) [bad_request]");

  const damaged = join(source.home, "damaged");
  cpSync(backup, damaged, { recursive: true });
  appendFileSync(join(damaged, "octo.db"), "x");
  const r = await runCli(["restore", damaged], target.env);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("octo.db does not match its checksum [bad_request]");
  expect(existsSync(join(targetData, "octo.db"))).toBe(false);

  const unsafe = join(source.home, "unsafe");
  cpSync(backup, unsafe, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(unsafe, "manifest.json"), "utf8"));
  manifest.files[0].path = "../../etc/passwd";
  writeFileSync(join(unsafe, "manifest.json"), JSON.stringify(manifest));
  const u = await runCli(["restore", unsafe], target.env);
  expect(u.code).toBe(1);
  expect(u.stderr).toContain("[validation_failed]");
  expect(existsSync(join(targetData, "octo.db"))).toBe(false);

  // The real one restores, and the account signs in offline through the restored database.
  const ok = await runCli(["restore", backup], target.env);
  expect(ok.code).toBe(0);
  const list = await runCli(["user", "list", "--json"], target.env);
  expect(JSON.parse(list.stdout).users.map((u: { username: string }) => u.username)).toContain("alice");
});
