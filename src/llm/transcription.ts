import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import { MAX_AUDIO_BYTES } from "../protocol/transcription.ts";
import { serverSettingsRepo } from "../storage/server-settings.ts";
import { type ProviderDeps, resolveModel } from "./providers.ts";
import type { LlmService } from "./service.ts";

/**
 * Voice input: the composer's recording becomes text through the LLM gateway's OpenAI-compatible
 * `/audio/transcriptions` route, with the model an admin picked. The provider key stays in the
 * gateway; the call is metered like every other (a usage row for the user and project).
 */

export const TRANSCRIPTION_MODEL_KEY = "llm.transcription_model";

/** The admin's transcription model, while it still exists on an OpenAI-compatible provider. */
export function transcriptionModel(deps: ProviderDeps): string | null {
  const ref = serverSettingsRepo(deps.db).get(TRANSCRIPTION_MODEL_KEY);
  if (!ref) return null;
  const found = resolveModel(deps, ref);
  return found.ok && found.value.provider.kind === "openai" ? ref : null;
}

export function setTranscriptionModel(
  deps: ProviderDeps,
  model: string | null,
  now = Date.now(),
): Result<string | null> {
  const settings = serverSettingsRepo(deps.db);
  if (model === null) {
    settings.delete(TRANSCRIPTION_MODEL_KEY);
    return ok(null);
  }
  const found = resolveModel(deps, model);
  if (!found.ok) return fail("validation_failed", `${found.error.message}; add it to a provider first`);
  if (found.value.provider.kind !== "openai")
    return fail(
      "validation_failed",
      "transcription needs an OpenAI-compatible provider (/audio/transcriptions)",
    );
  settings.set(TRANSCRIPTION_MODEL_KEY, model, now);
  return ok(model);
}

export interface TranscribeInput {
  user: { id: string; username: string };
  projectId: string;
  audio: Blob;
}

/** Sends the audio through the user's gateway socket with a one-call token, revoked afterwards. */
export async function transcribe(llm: LlmService, input: TranscribeInput): Promise<Result<{ text: string }>> {
  const ref = transcriptionModel(llm.providerDeps);
  if (!ref) return fail("not_found", "voice input is not set up: an admin picks a transcription model");
  if (input.audio.size === 0) return fail("bad_request", "the recording is empty");
  if (input.audio.size > MAX_AUDIO_BYTES)
    return fail("payload_too_large", `recordings are limited to ${MAX_AUDIO_BYTES >> 20} MB`);
  const socket = await llm.gateway.ensureUser(input.user.id, input.user.username);
  if (!socket.ok) return socket;
  const slash = ref.indexOf("/");
  // A call of its own (not a conversation's): its token revokes no agent's, and its usage row says so.
  const callId = `voice_${newId("evt").slice(4)}`;
  const token = llm.tokens.issue({ userId: input.user.id, projectId: input.projectId, sessionId: callId });
  try {
    const form = new FormData();
    form.set("model", ref.slice(slash + 1));
    form.set("response_format", "json");
    // Its own type kept: sent as a bare Blob, the name's extension would decide (`video/webm`).
    const type = input.audio.type || "audio/webm";
    form.set("file", new File([input.audio], fileName(type), { type }));
    const res = await fetch(`http://llm-gateway/p/${ref.slice(0, slash)}/v1/audio/transcriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
      unix: socket.value,
      signal: AbortSignal.timeout(120_000),
    } as RequestInit);
    const body = (await res.json().catch(() => null)) as {
      text?: unknown;
      error?: { message?: string };
    } | null;
    if (!res.ok) {
      const why = body?.error?.message ?? `status ${res.status}`;
      return fail("upstream_failed", `transcription failed: ${why}`);
    }
    if (typeof body?.text !== "string") return fail("upstream_failed", "the transcription had no text");
    return ok({ text: body.text.trim() });
  } catch (e) {
    return fail("upstream_failed", `transcription failed: ${(e as Error).message}`);
  } finally {
    llm.tokens.revokeSession(callId);
  }
}

const fileName = (type: string): string => {
  const ext = /ogg/.test(type)
    ? "ogg"
    : /mp4|m4a|aac/.test(type)
      ? "m4a"
      : /wav/.test(type)
        ? "wav"
        : /mpeg|mp3/.test(type)
          ? "mp3"
          : "webm";
  return `speech.${ext}`;
};
