#!/usr/bin/env bun
/**
 * `bun bench/ui.ts [--build]`: initial JavaScript per route of the built web UI, gzip'd, read from
 * Vite's manifest (ui/dist/.vite/manifest.json). "Initial" = the entry chunk, its static imports and,
 * for a signed-in route, the lazy chunks that route needs before it can show anything.
 * Target (issue 5): sign-in and chat ≤ 150 KB gzip. Prints numbers; asserts nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "ui", "dist");
const MANIFEST = join(DIST, ".vite", "manifest.json");

interface Chunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
type Manifest = Record<string, Chunk>;

/** Routes and the lazy modules each one loads before first paint (see ui/src/main.tsx). */
const ROUTES: Record<string, string[]> = {
  "sign-in (/login)": [],
  "projects (/projects)": ["src/shell/Shell.tsx", "src/projects/Projects.tsx"],
  "chat (/projects/:id/chat)": ["src/shell/Shell.tsx", "src/projects/ProjectView.tsx"],
  "admin (/admin/invites)": ["src/shell/Shell.tsx", "src/admin/Invites.tsx"],
};

if (process.argv.includes("--build") || !existsSync(MANIFEST)) {
  const vite = join(ROOT, "node_modules", "vite", "bin", "vite.js");
  const p = Bun.spawnSync([process.execPath, vite, "build", "--config", "ui/vite.config.ts"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production" },
    stdout: "ignore",
    stderr: "pipe",
  });
  if (p.exitCode !== 0) {
    process.stderr.write(p.stderr);
    process.exit(p.exitCode ?? 1);
  }
}

const manifest = JSON.parse(readFileSync(MANIFEST, "utf8")) as Manifest;
const entryKey = Object.keys(manifest).find((k) => manifest[k]?.isEntry);
if (!entryKey) throw new Error("no entry chunk in the Vite manifest");

/** A chunk and everything it imports statically (what the browser must fetch before running it). */
function closure(keys: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`${key} is not in the manifest (renamed? update bench/ui.ts)`);
    seen.add(key);
    for (const i of chunk.imports ?? []) visit(i);
  };
  for (const k of keys) visit(k);
  return seen;
}

const gz = (file: string) => gzipSync(readFileSync(join(DIST, file))).length;
const raw = (file: string) => readFileSync(join(DIST, file)).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

console.log("initial assets per route (gzip level 6; raw in brackets)\n");
for (const [route, lazy] of Object.entries(ROUTES)) {
  const keys = closure([entryKey, ...lazy]);
  const js = [...keys].map((k) => manifest[k]?.file ?? "");
  const css = [...new Set([...keys].flatMap((k) => manifest[k]?.css ?? []))];
  const jsGz = js.reduce((a, f) => a + gz(f), 0);
  const jsRaw = js.reduce((a, f) => a + raw(f), 0);
  const cssGz = css.reduce((a, f) => a + gz(f), 0);
  const target = route.startsWith("sign-in") || route.startsWith("chat") ? " (target ≤ 150 KB)" : "";
  console.log(
    `${route.padEnd(28)} JS ${kb(jsGz).padStart(9)} gzip [${kb(jsRaw)}] in ${js.length} files, CSS ${kb(cssGz)} gzip${target}`,
  );
}

const all = Object.values(manifest).filter((c) => c.file.endsWith(".js"));
const total = all.reduce((a, c) => a + gz(c.file), 0);
console.log(`\nall JS chunks: ${all.length} files, ${kb(total)} gzip`);
