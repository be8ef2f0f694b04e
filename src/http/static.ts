import { existsSync } from "node:fs";
import { join, normalize } from "node:path";
import { Elysia } from "elysia";
import { sourceRoot } from "../paths.ts";
import type { ServerContext } from "../server/context.ts";

/**
 * Serves the built UI with an SPA fallback: any non-API GET that is not a file gets index.html.
 * (Placeholder serving from ui/dist on disk; the build step replaces the source with embedded assets.)
 */
export function staticUi(_ctx: ServerContext) {
  const root = join(sourceRoot(), "ui", "dist");
  return new Elysia().get("/*", ({ params }) => {
    const rel = normalize(`/${params["*"] ?? ""}`);
    const file = join(root, rel);
    if (rel !== "/" && existsSync(file)) return new Response(Bun.file(file));
    const index = join(root, "index.html");
    if (existsSync(index)) return new Response(Bun.file(index), { headers: { "content-type": "text/html" } });
    return new Response("octo UI not built: run `bun run build`", { status: 503 });
  });
}
