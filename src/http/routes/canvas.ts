import { Elysia } from "elysia";
import { withFrameScript } from "../../canvas/frame-script.ts";
import type { CanvasActor, CanvasScope } from "../../canvas/service.ts";
import { CanvasRevisionParam, CanvasUploadQuery, MAX_CANVAS_BYTES } from "../../protocol/canvas.ts";
import { decode } from "../../protocol/decode.ts";
import { OctoError } from "../../protocol/errors.ts";
import { type AuthedUser, authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";
import { ownerOf } from "./projects.ts";

/**
 * What an artifact's bytes are served with. HTML runs in the Canvas tab's
 * `<iframe sandbox="allow-scripts">` loaded from this route; the same policy travels as a header so
 * that it holds even when the URL is opened on its own: `sandbox` gives the document an opaque
 * origin (no cookies, no storage, no same-origin reads), and `default-src 'none'` with no
 * `connect-src` leaves it no network at all — only its own inline script and style, and images from
 * `data:`/`blob:`. `frame-ancestors 'self'` lets only octo's own pages frame it (decision 0018).
 */
export const ARTIFACT_CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "img-src data: blob:",
  "font-src data:",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "sandbox allow-scripts",
].join("; ");

/**
 * The project's canvas for the Canvas tab: list, detail with revisions, bytes, delete, and a
 * person's upload (`POST …/canvas/upload?name=&title=`, the body is the file). Every call is checked
 * against the caller's own projects: another user's project or artifact is `not_found`.
 * Mounted before the JSON body limit, whose parser would otherwise buffer the upload.
 */
export function canvasRoutes(ctx: HttpContext) {
  const { canvas, projects } = ctx.services;
  const scopeOf = (auth: AuthedUser, projectId: string): { scope: CanvasScope; actor: CanvasActor } => {
    const owner = ownerOf(auth);
    unwrap(projects.get(owner, projectId));
    return { scope: { userId: owner.id, projectId }, actor: { kind: "person", userId: owner.id } };
  };
  return new Elysia({ prefix: "/api/projects/:id/canvas" })
    .use(authGuard(ctx))
    .get("", ({ auth, params }) => ({ artifacts: canvas.list(scopeOf(auth, params.id).scope) }))
    .post(
      "/upload",
      async ({ auth, params, query, request }) => {
        const { scope, actor } = scopeOf(auth, params.id);
        const q = unwrap(decode(CanvasUploadQuery, query, "canvas upload"));
        const bytes = await readBody(request, MAX_CANVAS_BYTES);
        return unwrap(canvas.publish(scope, actor, { path: q.name, title: q.title, kind: q.kind, bytes }));
      },
      { parse: "none" },
    )
    .get("/:artifactId", ({ auth, params }) =>
      unwrap(canvas.get(scopeOf(auth, params.id).scope, params.artifactId)),
    )
    .get("/:artifactId/revisions/:revision/content", ({ auth, params }) => {
      const { scope } = scopeOf(auth, params.id);
      const rev = Number(unwrap(decode(CanvasRevisionParam, params.revision, "revision")));
      const got = unwrap(canvas.content(scope, params.artifactId, rev));
      const text = got.revision.kind !== "image";
      // HTML carries the script that lets the Canvas tab ask it for a picture of itself (0031).
      const bytes = got.revision.kind === "html" ? withFrameScript(got.bytes) : got.bytes;
      return new Response(Buffer.from(bytes), {
        headers: {
          "content-type": text ? `${got.revision.mime}; charset=utf-8` : got.revision.mime,
          "content-security-policy": ARTIFACT_CSP,
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
          "cross-origin-resource-policy": "same-origin",
          // Revisions never change: the browser may keep them (privately).
          "cache-control": "private, max-age=31536000, immutable",
        },
      });
    })
    .delete("/:artifactId", ({ auth, params }) => {
      unwrap(canvas.remove(scopeOf(auth, params.id).scope, params.artifactId));
      return { ok: true };
    });
}

/** The request body, refused (413, before it is all read) when over `max` bytes. */
async function readBody(request: Request, max: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  const tooBig = () =>
    new OctoError("payload_too_large", `the artifact is larger than the canvas's limit of ${max} bytes`);
  if (declared > max) throw tooBig();
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
