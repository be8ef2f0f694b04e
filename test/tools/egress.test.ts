import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findPiModules } from "../../runner/kinds/agent-launch.ts";
import { ensureToolKit } from "../../runner/tools/kit.ts";
import { startSite } from "./fixtures.ts";

/**
 * `octo-tool fetch` in `proxy` network mode, in a real octo-sandbox: the request goes through the
 * sandbox's egress proxy, so the allow-list decides and the egress log records it.
 */
const SANDBOX = [process.execPath, join(import.meta.dir, "../../runner/sandbox/main.ts")];
let root: string;
let site: ReturnType<typeof startSite>;
let port: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "octo-tool-egress-"));
  mkdirSync(join(root, "ws", "p", ".octo"), { recursive: true });
  mkdirSync(join(root, "profiles"));
  site = startSite();
  port = new URL(site.url).port;
  // Loopback stands in for the internet here, so private addresses and the site's port are allowed.
  writeFileSync(
    join(root, "profiles", "allowlist.toml"),
    `[filesystem]\nread_only = ["/usr", "/bin", "/lib", "/lib64", "/etc/ssl"]\n[network]\nmode = "proxy"\nallow = ["otters.test"]\nblock_private = false\nallow_ports = [${port}]\n`,
  );
});
afterAll(() => {
  site?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function toolInSandbox(args: string[]) {
  const kit = ensureToolKit("/opt/octo/bin/bun", { HOME: join(root, "home") });
  const binds = [
    ...kit.readOnly,
    { src: process.execPath, dst: "/opt/octo/bin/bun" },
    { src: findPiModules() as string, dst: "/opt/octo/node_modules" },
  ];
  const proc = Bun.spawn(
    [
      ...SANDBOX,
      "run",
      "--profile",
      "allowlist",
      "--project",
      join(root, "ws", "p"),
      "--workspace-root",
      join(root, "ws"),
      "--egress-log",
      join(root, "egress.jsonl"),
      ...binds.flatMap((b) => ["--ro", `${b.src}=${b.dst}`]),
      "--",
      "/opt/octo/tool/bin/octo-tool",
      ...args,
    ],
    {
      env: {
        PATH: "/usr/bin:/bin",
        HOME: root,
        OCTO_PROFILES_DIR: join(root, "profiles"),
        OCTO_EGRESS_HOSTS: "otters.test=127.0.0.1,elsewhere.test=127.0.0.1",
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

test("an allow-listed host is fetched through the egress proxy, and logged", async () => {
  const r = await toolInSandbox(["fetch", `http://otters.test:${port}/article`]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`URL: http://otters.test:${port}/article`);
  expect(r.stdout).toContain("ARTICLE-MARKER");
  const log = readFileSync(join(root, "egress.jsonl"), "utf8");
  expect(log).toContain('"otters.test"');
});

test("a host off the allow-list is refused with one line naming the policy", async () => {
  const r = await toolInSandbox(["fetch", `http://elsewhere.test:${port}/article`]);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^octo-tool: fetch_failed: .*network policy: host not allow-listed$/m);
});

test("an HTTPS host off the allow-list fails at the proxy's CONNECT, with one line", async () => {
  const r = await toolInSandbox(["fetch", `https://elsewhere.test:${port}/article`]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^octo-tool: fetch_failed: cannot fetch https:\/\/elsewhere\.test.*allow-list/);
  expect(readFileSync(join(root, "egress.jsonl"), "utf8")).toContain("host not allow-listed");
});
