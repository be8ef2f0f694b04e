import { CANVAS_CHUNK_BYTES, CanvasToolArgs } from "../protocol/canvas.ts";
import { decode } from "../protocol/decode.ts";
import { fail, ok } from "../protocol/errors.ts";
import type { ToolArea, ToolContext } from "../tools/dispatcher.ts";
import type { CanvasActor, CanvasScope, CanvasService } from "./service.ts";

const scopeOf = (ctx: ToolContext): CanvasScope => ({ userId: ctx.user.id, projectId: ctx.projectId });
const actorOf = (ctx: ToolContext): CanvasActor => ({
  kind: "session",
  userId: ctx.user.id,
  sessionId: ctx.sessionId,
});

const fromBase64 = (data: string) => new Uint8Array(Buffer.from(data, "base64"));

/**
 * `octo-tool canvas …` → the area `canvas`: the session's project and user come from its token, so
 * a session reaches only its own project's canvas. A file bigger than one tool line travels as a
 * chunked upload (`begin`, `chunk`…, then `publish {upload}`).
 */
export function canvasArea(canvas: CanvasService): ToolArea {
  return {
    async begin(args, ctx) {
      const a = decode(CanvasToolArgs.begin, args, "canvas begin");
      if (!a.ok) return a;
      const id = canvas.uploads.begin(ctx.sessionId, a.value.size);
      return id.ok ? ok({ upload: id.value, chunk_bytes: CANVAS_CHUNK_BYTES }) : id;
    },
    async chunk(args, ctx) {
      const a = decode(CanvasToolArgs.chunk, args, "canvas chunk");
      if (!a.ok) return a;
      return canvas.uploads.chunk(ctx.sessionId, a.value.upload, a.value.offset, fromBase64(a.value.data));
    },
    async publish(args, ctx) {
      const a = decode(CanvasToolArgs.publish, args, "canvas publish");
      if (!a.ok) return a;
      const { upload, content } = a.value;
      if ((upload === undefined) === (content === undefined))
        return fail("validation_failed", "canvas publish: send either content or an upload");
      const bytes =
        upload !== undefined ? canvas.uploads.take(ctx.sessionId, upload) : ok(fromBase64(content ?? ""));
      if (!bytes.ok) return bytes;
      return canvas.publish(scopeOf(ctx), actorOf(ctx), {
        path: a.value.path,
        title: a.value.title,
        kind: a.value.kind,
        bytes: bytes.value,
      });
    },
    async list(args, ctx) {
      const a = decode(CanvasToolArgs.list, args, "canvas list");
      if (!a.ok) return a;
      return ok({ artifacts: canvas.list(scopeOf(ctx)) });
    },
    async show(args, ctx) {
      const a = decode(CanvasToolArgs.show, args, "canvas show");
      if (!a.ok) return a;
      return canvas.get(scopeOf(ctx), a.value.id);
    },
  };
}
