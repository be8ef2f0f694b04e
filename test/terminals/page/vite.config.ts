import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

/** Builds the stand-alone terminal test page (its out dir comes from the command line). */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [solid()],
  logLevel: "warn",
  build: { emptyOutDir: true, target: "es2022", manifest: true },
});
