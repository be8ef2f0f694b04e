import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

const uiRoot = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * The web UI. Built into ui/dist, which the server serves from disk (source runs) or embeds (compiled).
 * The manifest lets bench/ui.ts measure what each route loads first.
 */
export default defineConfig(({ command }) => ({
  root: uiRoot,
  plugins: [solid()],
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
