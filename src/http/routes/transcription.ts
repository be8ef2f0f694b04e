import { Elysia } from "elysia";
import { setTranscriptionModel, transcribe, transcriptionModel } from "../../llm/transcription.ts";
import { fail } from "../../protocol/errors.ts";
import { MAX_AUDIO_BYTES, TranscriptionModelBody } from "../../protocol/transcription.ts";
import { accountOf, authGuard } from "../auth.ts";
import type { HttpContext } from "../context.ts";
import { unwrap } from "../errors.ts";

/** Room for the multipart framing around the audio. */
const MAX_BODY = MAX_AUDIO_BYTES + 64 * 1024;

/**
 * Voice input. `POST /api/projects/:id/transcribe` takes the composer's recording (multipart `file`)
 * and answers its text, which the composer shows for editing (it is never sent by itself).
 * Mounted before the JSON body limit: the handler reads the audio itself, up to MAX_AUDIO_BYTES.
 */
export function transcriptionRoutes(ctx: HttpContext) {
  const { llm, projects } = ctx.services;
  return new Elysia()
    .use(authGuard(ctx))
    .get("/api/transcription", ({ auth }) => {
      const model = transcriptionModel(llm.providerDeps);
      return auth.user?.role === "admin"
        ? { available: model !== null, model }
        : { available: model !== null };
    })
    .post(
      "/api/projects/:id/transcribe",
      async ({ auth, params, request }) => {
        const me = accountOf(auth);
        unwrap(projects.get({ id: me.id, username: me.username }, params.id));
        const body = unwrap(await readLimited(request, MAX_BODY));
        let form: FormData;
        try {
          form = await new Response(body, {
            headers: { "content-type": request.headers.get("content-type") ?? "" },
          }).formData();
        } catch {
          return unwrap(fail("bad_request", "send the recording as multipart/form-data with a `file` field"));
        }
        const audio = form.get("file");
        if (!(audio instanceof Blob))
          return unwrap(fail("bad_request", "no `file` field with the recording"));
        const text = unwrap(
          await transcribe(llm, { user: { id: me.id, username: me.username }, projectId: params.id, audio }),
        );
        ctx.log.info("speech transcribed", { user: me.id, project: params.id, bytes: audio.size });
        return text;
      },
      { parse: "none" },
    );
}

/** Admin: which model turns speech into text (null: voice input off). */
export function transcriptionAdminRoutes(ctx: HttpContext) {
  return new Elysia().use(authGuard(ctx, { role: "admin" })).put(
    "/api/admin/transcription-model",
    ({ auth, body }) => {
      const model = unwrap(setTranscriptionModel(ctx.services.llm.providerDeps, body.model));
      ctx.log.info("transcription model set", { by: auth.user?.id ?? "admin-socket", model });
      return { available: model !== null, model };
    },
    { body: TranscriptionModelBody },
  );
}

async function readLimited(request: Request, max: number) {
  const tooLarge = fail("payload_too_large", `recordings are limited to ${MAX_AUDIO_BYTES >> 20} MB`);
  if (Number(request.headers.get("content-length") ?? "0") > max) return tooLarge;
  if (!request.body) return fail("bad_request", "no recording sent");
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    total += next.value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return tooLarge;
    }
    chunks.push(next.value);
  }
  return { ok: true as const, value: new Uint8Array(Buffer.concat(chunks)) };
}
