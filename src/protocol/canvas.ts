import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * The canvas: artifacts an agent (`octo-tool canvas publish FILE`) or a person (an upload in the
 * Canvas tab) shows in a project — Markdown, HTML, SVG, images and Mermaid diagrams. Publishing the
 * same source path again adds a revision to the same artifact. Content is stored by octo.
 */

/** The largest artifact octo stores (one revision's bytes). */
export const MAX_CANVAS_BYTES = 5 * 1024 * 1024;
/** Bytes of one upload chunk on the tool socket (base64 of it stays under the 256 KiB line). */
export const CANVAS_CHUNK_BYTES = 160 * 1024;

/**
 * Annotating an HTML artifact (decision 0031): the Canvas tab posts `{type, token}` to the
 * artifact's frame; a script octo injects into the served HTML draws the document and posts back
 * `{type, token, png}` (a PNG data URL of at most `SNAPSHOT_MAX_CHARS`) or `{type, token, error}`.
 */
export const CANVAS_SNAPSHOT_MESSAGE = "octo-canvas-snapshot";
export const SNAPSHOT_MAX_CHARS = 8_000_000;
/** A drawn page is cut off beyond this size (CSS pixels). */
export const SNAPSHOT_MAX_WIDTH = 2000;
export const SNAPSHOT_MAX_HEIGHT = 4000;

export const CANVAS_KINDS = ["markdown", "html", "svg", "image", "mermaid"] as const;
export type CanvasKind = (typeof CANVAS_KINDS)[number];
export const IMAGE_MIMES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;

const EXTENSIONS: Record<string, { kind: CanvasKind; mime: string }> = {
  md: { kind: "markdown", mime: "text/markdown" },
  markdown: { kind: "markdown", mime: "text/markdown" },
  html: { kind: "html", mime: "text/html" },
  htm: { kind: "html", mime: "text/html" },
  svg: { kind: "svg", mime: "image/svg+xml" },
  mmd: { kind: "mermaid", mime: "text/vnd.mermaid" },
  mermaid: { kind: "mermaid", mime: "text/vnd.mermaid" },
  png: { kind: "image", mime: "image/png" },
  jpg: { kind: "image", mime: "image/jpeg" },
  jpeg: { kind: "image", mime: "image/jpeg" },
  webp: { kind: "image", mime: "image/webp" },
  gif: { kind: "image", mime: "image/gif" },
};

const startsWith = (b: Uint8Array, bytes: readonly number[], at = 0) =>
  bytes.every((x, i) => b[at + i] === x);

/** The image type of raw bytes by their magic number, or null. */
export function sniffImage(b: Uint8Array): (typeof IMAGE_MIMES)[number] | null {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return "image/gif";
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8))
    return "image/webp";
  return null;
}

function textHead(b: Uint8Array): string | null {
  const head = b.subarray(0, 1024);
  try {
    return new TextDecoder("utf-8", { fatal: true })
      .decode(head.length === b.length ? head : head.subarray(0, Math.max(0, head.length - 4)))
      .trimStart()
      .toLowerCase();
  } catch {
    return null;
  }
}

export type Detected = { ok: true; kind: CanvasKind; mime: string } | { ok: false; message: string };

/**
 * An artifact's kind from its file name and content: an image must be one by its bytes (whatever
 * its name says), text kinds must be UTF-8; without a known extension the content decides.
 * `asked` (the publisher's `--kind`) wins over the extension, never over the bytes.
 */
export function detectKind(name: string, bytes: Uint8Array, asked?: CanvasKind): Detected {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? "";
  const byName = asked
    ? asked === "image"
      ? { kind: "image" as const, mime: "" }
      : Object.values(EXTENSIONS).find((e) => e.kind === asked)
    : EXTENSIONS[ext];
  const image = sniffImage(bytes);
  if (byName?.kind === "image" || (!byName && image)) {
    if (!image) return { ok: false, message: `${name} is not a PNG, JPEG, WebP or GIF image` };
    return { ok: true, kind: "image", mime: image };
  }
  if (image) return { ok: false, message: `${name} holds an image, not ${byName?.kind}` };
  const head = textHead(bytes);
  if (head === null) return { ok: false, message: `${name} is neither text (UTF-8) nor a known image type` };
  if (byName) {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return { ok: false, message: `${name} is not UTF-8 text` };
    }
    return { ok: true, kind: byName.kind, mime: byName.mime };
  }
  if (/^(<\?xml[^>]*>\s*)?<svg[\s>]/.test(head)) return { ok: true, kind: "svg", mime: "image/svg+xml" };
  if (/^(<!doctype html|<html[\s>])/.test(head)) return { ok: true, kind: "html", mime: "text/html" };
  return {
    ok: false,
    message: `cannot tell what ${name || "this file"} is: name it .md, .html, .svg, .mmd, .png, .jpg, .webp or .gif, or pass --kind`,
  };
}

// ── public shapes ──────────────────────────────────────────────────────────────────────────────

export const CanvasIdSchema = idSchema("cnv");
export const CanvasKindSchema = v.picklist(CANVAS_KINDS);

/** Who published: a person in the UI, or an agent session. */
export const PublisherSchema = v.variant("kind", [
  v.strictObject({ kind: v.literal("person"), user_id: idSchema("usr"), username: v.string() }),
  v.strictObject({ kind: v.literal("session"), session_id: idSchema("ses") }),
]);
export type Publisher = v.InferOutput<typeof PublisherSchema>;

export const CanvasRevisionSchema = v.strictObject({
  revision: v.number(),
  kind: CanvasKindSchema,
  mime: v.string(),
  title: v.string(),
  size: v.number(),
  sha256: v.string(),
  published_by: PublisherSchema,
  created_at: v.number(),
});
export type CanvasRevision = v.InferOutput<typeof CanvasRevisionSchema>;

export const CanvasArtifactSchema = v.strictObject({
  id: CanvasIdSchema,
  project_id: idSchema("prj"),
  /** The source file path it was published from (a person's upload: the file's name). */
  path: v.string(),
  title: v.string(),
  /** The current (newest) revision's kind and number. */
  kind: CanvasKindSchema,
  revision: v.number(),
  revisions: v.number(),
  size: v.number(),
  created_by: PublisherSchema,
  updated_by: PublisherSchema,
  created_at: v.number(),
  updated_at: v.number(),
});
export type CanvasArtifact = v.InferOutput<typeof CanvasArtifactSchema>;

export const CanvasListAnswer = v.strictObject({ artifacts: v.array(CanvasArtifactSchema) });
export const CanvasAnswer = v.strictObject({ artifact: CanvasArtifactSchema });
export const CanvasDetailAnswer = v.strictObject({
  artifact: CanvasArtifactSchema,
  revisions: v.array(CanvasRevisionSchema),
});

// ── publishing (shared by the tool area and the upload route) ─────────────────────────────────

const title = v.pipe(v.string(), v.trim(), v.minLength(1, "an empty title"), v.maxLength(200));
const path = v.pipe(v.string(), v.minLength(1, "an empty path"), v.maxLength(1024));
const revision = v.pipe(v.number(), v.integer(), v.minValue(1));

/** `POST /api/projects/:id/canvas/upload?name=&title=&kind=` (the body is the file's bytes). */
export const CanvasUploadQuery = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1, "a file name is needed"), v.maxLength(255)),
  title: v.optional(title),
  kind: v.optional(CanvasKindSchema),
});

export const CanvasRevisionParam = v.pipe(v.string(), v.regex(/^[1-9][0-9]{0,8}$/, "a revision number"));

// ── tool area `canvas` (octo-tool canvas …) ─────────────────────────────────────────────────────

/** base64 of at most `CANVAS_CHUNK_BYTES` bytes. */
const chunkData = v.pipe(v.string(), v.maxLength(Math.ceil(CANVAS_CHUNK_BYTES / 3) * 4));
const uploadId = v.pipe(v.string(), v.regex(/^upl_[0-9a-f]{24}$/, "an upload id"));

export const CanvasToolArgs = {
  /** Starts a chunked upload of `size` bytes (refused at once when too big). */
  begin: v.strictObject({ size: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  /** One chunk at `offset`; sending the same chunk twice is harmless. */
  chunk: v.strictObject({
    upload: uploadId,
    offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
    data: chunkData,
  }),
  /** Publishes the finished upload, or small `content` (base64) sent inline. */
  publish: v.strictObject({
    path,
    title: v.optional(title),
    kind: v.optional(CanvasKindSchema),
    upload: v.optional(uploadId),
    content: v.optional(chunkData),
  }),
  list: v.strictObject({}),
  show: v.strictObject({ id: CanvasIdSchema, revision: v.optional(revision) }),
};

export const CanvasBeginAnswer = v.strictObject({ upload: v.string(), chunk_bytes: v.number() });
export const CanvasPublishAnswer = v.strictObject({ artifact: CanvasArtifactSchema, created: v.boolean() });
