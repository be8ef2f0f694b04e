import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";

const uiRoot = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * The offline app shell's file list (/precache.json, read by public/sw.js at install): every file
 * of the bundle itself — scripts, styles, fonts — never anything of the API.
 */
const precacheList = (): Plugin => ({
  name: "octo-precache-list",
  apply: "build",
  generateBundle(_, bundle) {
    const files = Object.keys(bundle)
      .filter((f) => f.startsWith("assets/"))
      .sort()
      .map((f) => `/${f}`);
    // Files of ui/public the shell itself loads.
    files.push("/theme.js", "/manifest.webmanifest", "/icons/icon-192.png", "/icons/badge-96.png");
    this.emitFile({ type: "asset", fileName: "precache.json", source: JSON.stringify(files) });
  },
});

/**
 * The web UI. Built into ui/dist, which the server serves from disk (source runs) or embeds (compiled).
 * The manifest lets bench/ui.ts measure what each route loads first.
 */
export default defineConfig(({ command }) => ({
  root: uiRoot,
  plugins: [solid(), precacheList()],
  // A build is always a production build, even when started under NODE_ENV=test (bun test), which
  // would otherwise resolve Solid's "development" export and ship its dev runtime.
  resolve: command === "build" ? { conditions: ["module", "browser", "production"] } : {},
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    target: "es2022",
    sourcemap: false,
  },
  server: {
    // The UI imports the shared wire contracts from src/protocol/.
    fs: { allow: [repoRoot] },
    proxy: { "/api": { target: "http://127.0.0.1:8080", ws: true } },
  },
}));
