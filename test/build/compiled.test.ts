import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { patchLines } from "../../build.ts";
import { bin, ensureBuilt, ROOT } from "./built.ts";
import { readLines, type Served, startServe, stopDetachedRunner } from "./process.ts";

/**
 * The compiled `octo`, copied ALONE into an empty directory (cwd there, HOME there, the source tree
 * out of reach), must serve the embedded UI and the API.
 */

let dir: string;
let served: Served;
/** A private runtime dir, so the single-user runner this server starts is ours alone. */
const env = () => ({ HOME: join(dir, "home"), XDG_RUNTIME_DIR: join(dir, "run"), PATH: "/usr/bin:/bin" });

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "octo-compiled-"));
  copyFileSync(bin("octo"), join(dir, "octo"));
  symlinkSync("octo", join(dir, "octoctl"));
  mkdirSync(join(dir, "home"));
  mkdirSync(join(dir, "run"), { mode: 0o700 });
  served = await startServe([join(dir, "octo"), "serve", "--port", "0", "--log-format", "json"], {
    cwd: dir,
    env: env(),
  });
}, 300_000);

afterAll(async () => {
  served?.proc.kill("SIGKILL");
  if (!dir) return;
  await stopDetachedRunner(join(dir, "run"));
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, init?: RequestInit) => fetch(`${served.url}${path}`, init);

describe("compiled octo alone in an empty directory", () => {
  test("the directory really holds nothing but the binary", () => {
    expect(readdirSync(dir).sort()).toEqual(["home", "octo", "octoctl", "run"]);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test("/ serves the embedded index.html, revalidated on every load", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const html = await res.text();
    expect(html.toLowerCase()).toContain("<!doctype html>");
    const etag = res.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await get("/", { headers: { "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
  });

  test("a client route falls back to index.html", async () => {
    const index = await (await get("/")).text();
    for (const route of ["/projects/x", "/settings", "/projects/x/sessions/ses_1"]) {
      const res = await get(route);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/html");
      expect(await res.text()).toBe(index);
    }
  });

  test("hashed assets have their content type and are cached forever", async () => {
    const index = await (await get("/")).text();
    const refs = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
    const js = refs.find((r) => r.endsWith(".js"));
    expect(js).toBeDefined();
    const res = await get(js as string);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/javascript");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await res.text()).length).toBeGreaterThan(0);
    const css = refs.find((r) => r.endsWith(".css"));
    if (css) expect((await get(css)).headers.get("content-type")).toStartWith("text/css");
  });

  test("a missing file is a 404, not the SPA page", async () => {
    const res = await get("/assets/does-not-exist-1234.js");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).not.toContain("html");
  });

  test("unknown /api/* paths are 404 JSON for every method", async () => {
    for (const [method, path] of [
      ["GET", "/api/nope"],
      ["POST", "/api/nope"],
      ["GET", "/api/"],
      ["DELETE", "/api/a/b/c"],
    ] as const) {
      const res = await get(path, { method });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("not_found");
    }
  });

  test("a malformed path is a 400, not a crash", async () => {
    const res = await get("/%E0%A4%A");
    expect(res.status).toBe(400);
    expect((await get("/api/health")).status).toBe(200);
  });

  test("/api/health answers with version and mode", async () => {
    const res = await get("/api/health");
    expect(res.status).toBe(200);
    const pkg = await Bun.file(join(ROOT, "package.json")).json();
    expect(await res.json()).toEqual({ status: "ok", version: pkg.version, mode: "single-user" });
  });

  test("--log-format json logs JSON lines only on stderr", () => {
    const logLines = served.stderr.lines.filter((l) => l.trim() !== "");
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      const entry = JSON.parse(line) as { ts: string; level: string; msg: string };
      expect(typeof entry.ts).toBe("string");
      expect(["debug", "info", "warn", "error"]).toContain(entry.level);
      expect(typeof entry.msg).toBe("string");
    }
  });

  test("SIGTERM shuts down cleanly with exit code 0", async () => {
    served.proc.kill("SIGTERM");
    expect(await served.proc.exited).toBe(0);
    await served.stderr.closed;
    const msgs = served.stderr.lines.filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toContain("shutting down");
    expect(msgs[msgs.length - 1]).toBe("octo stopped");
  });
});

describe("compiled octo, other invocations", () => {
  test("SIGINT also exits 0; text logs are human-readable; a .env in the cwd is ignored", async () => {
    const home = join(dir, "home-sigint");
    mkdirSync(home);
    // Were .env autoloaded (bun's default for compiled binaries), logs would turn to JSON.
    writeFileSync(join(dir, ".env"), "OCTO_LOG_FORMAT=json\nOCTO_LOG_LEVEL=error\n");
    const proc = Bun.spawn([join(dir, "octo"), "serve", "--port", "0"], {
      cwd: dir,
      env: { ...env(), HOME: home },
      stdout: "pipe",
      stderr: "pipe",
    });
    const stderr = readLines(proc.stderr);
    const listening = await stderr.waitFor((l) => l.includes("octo listening"));
    expect(() => JSON.parse(listening)).toThrow();
    expect(listening).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO +octo listening url=http:\/\/127\.0\.0\.1:\d+/);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
  });

  test("a bad --log-format is refused", async () => {
    const proc = Bun.spawn([join(dir, "octo"), "serve", "--log-format", "xml"], {
      cwd: dir,
      env: env(),
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await proc.exited).toBe(2);
    expect(await new Response(proc.stderr).text()).toContain("--log-format must be text or json");
  });

  test("invoked through a symlink named octoctl it runs the admin CLI, not the octo usage", async () => {
    const run = async (name: string) => {
      const proc = Bun.spawn([join(dir, name), "--help"], {
        cwd: dir,
        env: env(),
        stdout: "pipe",
        stderr: "pipe",
      });
      await proc.exited;
      return `${await new Response(proc.stdout).text()}${await new Response(proc.stderr).text()}`;
    };
    const asOcto = await run("octo");
    const asCtl = await run("octoctl");
    expect(asOcto).toContain("usage: octo <command>");
    expect(asCtl).not.toBe(asOcto);
    expect(asCtl).toContain("ctl");
  });
});

describe("the shipped pi", () => {
  test("carries octo's patch (deltas only), and its manifest names the patch so a reinstall replaces it", async () => {
    await ensureBuilt();
    const pi = join(ROOT, "dist", "lib", "octo", "pi");
    const rpc = join(
      pi,
      "node_modules",
      "@mariozechner",
      "pi-coding-agent",
      "dist",
      "modes",
      "rpc",
      "rpc-mode.js",
    );
    expect(readFileSync(rpc, "utf8")).toContain("output(octoDeltaOnly(event))");
    const manifest = readFileSync(join(pi, ".octo-manifest"), "utf8").split("\n");
    const patches = manifest.filter((l) => l.startsWith("patch "));
    expect(patches).toEqual(patchLines(ROOT));
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatch(/^patch @mariozechner\/pi-coding-agent@[\d.]+ [0-9a-f]{64}$/);
  });
});
