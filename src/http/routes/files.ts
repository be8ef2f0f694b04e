import { Elysia } from "elysia";
import type { FileAccess, FilesNeed } from "../../files/access.ts";
import { openDownload } from "../../files/download.ts";
import { DownloadQuerySchema, UploadQuerySchema } from "../../protocol/files.ts";
import { type AuthedUser, accountOf, authGuard } from "../auth.ts";
import { backstopBodyLimit } from "../body-limit.ts";
import type { HttpContext } from "../context.ts";
import { downloadHeaders } from "../download.ts";
import { unwrap } from "../errors.ts";
import { uploadFromRequest } from "../upload.ts";

/**
 * The largest upload body: half of what Bun accepts as a request body at all (`backstopBodyLimit`,
 * 64 MiB by default). Bun counts bytes as they arrive, ahead of what we have consumed; the margin
 * makes sure our clear 413 comes first.
 */
export const uploadLimit = (ctx: HttpContext): number =>
  Math.floor(backstopBodyLimit(ctx.config.server.max_body_bytes) / 2);

/**
 * Bulk file bytes over HTTP (small ops travel on the mux `files` channel):
 * `GET /api/projects/:id/files/download?path=` streams a file, or a folder as a zip;
 * `POST /api/projects/:id/files/upload?path=&overwrite=0|1` takes a multipart body of files.
 * Both are authenticated and owner-checked; the guard checks Origin for a cookie-authenticated POST.
 * Mounted before the JSON body limit (`bodyLimit`), whose global parser would otherwise buffer the
 * upload: the handler reads its body as a stream under `uploadLimit`.
 */
export function fileRoutes(ctx: HttpContext, access: FileAccess = ctx.services.files) {
  const open = async (auth: AuthedUser, projectId: string, need: FilesNeed) => {
    const user = accountOf(auth);
    return unwrap(await access.open({ id: user.id, username: user.username }, projectId, need));
  };
  return new Elysia({ prefix: "/api/projects/:id/files" })
    .use(authGuard(ctx))
    .get(
      "/download",
      async ({ auth, params, query, set }) => {
        const files = await open(auth, params.id, "read");
        const download = unwrap(await openDownload(files, query.path));
        return new Response(download.body, {
          headers: { ...headersOf(set.headers), ...downloadHeaders(download) },
        });
      },
      { query: DownloadQuerySchema },
    )
    .post(
      "/upload",
      async ({ auth, params, query, request }) => {
        const files = await open(auth, params.id, "write");
        const length = request.headers.get("content-length");
        const stored = unwrap(
          await uploadFromRequest(files, {
            folder: query.path,
            overwrite: query.overwrite === "1",
            contentType: request.headers.get("content-type"),
            contentLength: length === null ? null : Number(length),
            body: request.body,
            maxBytes: uploadLimit(ctx),
          }),
        );
        ctx.log.info("files uploaded", { project: params.id, files: stored.length });
        if (files.member) {
          const user = accountOf(auth);
          for (const f of stored) access.record?.(user, params.id, "upload", f.path);
        }
        return { files: stored };
      },
      // The body is read as a stream by the handler, never parsed or buffered by the framework.
      { query: UploadQuerySchema, parse: "none" },
    );
}

const headersOf = (h: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter(([, v]) => typeof v === "string")) as Record<string, string>;
