import { Elysia } from "elysia";
import { OctoError } from "../protocol/errors.ts";
import type { HttpContext } from "./context.ts";
import { errorResponse } from "./errors.ts";

/**
 * Request bodies are JSON and bounded by `server.max_body_bytes`: a declared Content-Length over the
 * limit is refused before anything is read, and a chunked body is read only up to the limit.
 * Bun's own `maxRequestBodySize` stays a far-off backstop so that our clear 413 JSON wins.
 */
export function bodyLimit(ctx: HttpContext) {
  const max = ctx.config.server.max_body_bytes;
  return new Elysia({ name: "octo-body-limit" })
    .onRequest(({ request }) => {
      if (STREAMED_BODY_ROUTE.test(new URL(request.url).pathname)) return;
      const declared = request.headers.get("content-length");
      if (declared !== null && Number(declared) > max) return tooLarge(max);
    })
    .onParse({ as: "global" }, async ({ request }) => {
      const text = await readBounded(request, max);
      if (text.trim() === "") return undefined;
      try {
        return JSON.parse(text);
      } catch {
        throw new OctoError("invalid_json", "request body is not valid JSON");
      }
    });
}

/** File uploads read their body as a stream, under their own limit (`src/http/routes/files.ts`). */
const STREAMED_BODY_ROUTE = /^\/api\/projects\/[^/]+\/files\/upload$/;

/** Bun's hard limit: generous, because bodies are bounded above while they are read. */
export const backstopBodyLimit = (maxBodyBytes: number): number => Math.max(maxBodyBytes * 16, 64 << 20);

const tooLarge = (max: number) =>
  errorResponse("payload_too_large", `request body is larger than the limit of ${max} bytes`);

async function readBounded(request: Request, max: number): Promise<string> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new OctoError("payload_too_large", `request body is larger than the limit of ${max} bytes`);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new OctoError("invalid_json", "request body is not valid UTF-8 JSON");
  }
}
