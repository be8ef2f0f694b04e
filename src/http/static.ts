import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Elysia } from "elysia";
import { isCompiled, sourceRoot } from "../shared/paths.ts";
import type { HttpContext } from "./context.ts";
import { errorResponse } from "./errors.ts";
import { UI_SECURITY_HEADERS } from "./security-headers.ts";

/**
 * Serves the built UI: known files by exact path, index.html for client routes (SPA fallback).
 *
 * Compiled, the UI is embedded with `bun build --compile --asset …/web` and lives under
 * `/$bunfs/root/web`; from source it is read from `ui/dist` on disk. Only files listed at start-up
 * are ever served, so no request path is joined onto the filesystem (no traversal to guard).
 * Why not @elysiajs/static: see docs/decisions/0002-static-ui.md.
 */

const INDEX = "/index.html";
/** Vite puts content-hashed files under /assets/: their bytes never change under a name. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** index.html and unhashed files (favicon, robots.txt) must be revalidated so a new build shows up. */
const REVALIDATE = "no-cache";

/** build.ts embeds ui/dist as `web` (see UI_EMBED there). */
export const uiDir = (): string => (isCompiled() ? "/$bunfs/root/web" : join(sourceRoot(), "ui", "dist"));

interface UiFile {
  path: string;
  cacheControl: string;
  etag?: string;
}

/** URL path → file, for every file in the UI build. Empty when the UI was not built. */
export function listUiFiles(root: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true }) as string[];
  } catch {
    return files;
  }
  for (const name of names) {
    const url = `/${name.split("\\").join("/")}`;
    // Build metadata such as .vite/manifest.json is not part of the site.
    if (url.includes("/.")) continue;
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    files.set(url, { path, cacheControl: url.startsWith("/assets/") ? IMMUTABLE : REVALIDATE });
  }
  return files;
}

/** A client route is an extensionless path: `/projects/x`. A missing `/x.js` is a 404, not HTML. */
const looksLikeClientRoute = (pathname: string): boolean => !/\.[A-Za-z0-9]+$/.test(pathname);

function decodePath(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

async function respond(file: UiFile, request: Request): Promise<Response> {
  const body = Bun.file(file.path);
  if (file.cacheControl === REVALIDATE && !file.etag) {
    file.etag = `"${Bun.hash(await body.arrayBuffer()).toString(36)}"`;
  }
  const headers: Record<string, string> = {
    ...UI_SECURITY_HEADERS,
    "content-type": body.type,
    "cache-control": file.cacheControl,
  };
  if (file.etag) {
    headers.etag = file.etag;
    if (request.headers.get("if-none-match") === file.etag)
      return new Response(null, { status: 304, headers });
  }
  return new Response(request.method === "HEAD" ? null : body, { headers });
}

export function staticUi(ctx: HttpContext, root = uiDir()) {
  const files = listUiFiles(root);
  if (!files.has(INDEX)) ctx.log.warn("web UI not built: serving API only", { dir: root });

  const serve = ({ request }: { request: Request }) => {
    const pathname = decodePath(new URL(request.url).pathname);
    if (pathname === undefined) return errorResponse("bad_request", "malformed percent-encoding in the path");
    // GET routes win over `.all("/api/*")` in Elysia's router, so unknown API paths are answered here too.
    if (pathname === "/api" || pathname.startsWith("/api/"))
      return errorResponse("not_found", "no such API route");
    const file = files.get(pathname === "/" ? INDEX : pathname);
    if (file) return respond(file, request);
    const index = files.get(INDEX);
    if (!index)
      return new Response("octo web UI not built: run `bun run build`\n", {
        status: 503,
        headers: UI_SECURITY_HEADERS,
      });
    if (looksLikeClientRoute(pathname)) return respond(index, request);
    return new Response("not found\n", {
      status: 404,
      headers: { ...UI_SECURITY_HEADERS, "content-type": "text/plain" },
    });
  };
  return new Elysia().get("/*", serve).head("/*", serve);
}
