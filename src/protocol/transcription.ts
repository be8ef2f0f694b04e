import * as v from "valibot";

/**
 * Voice input: speech to text through the LLM gateway with the model an admin picks.
 *   GET  /api/transcription                       → TranscriptionInfo (any signed-in user)
 *   POST /api/projects/:id/transcribe             multipart `file` (audio) → TranscriptionResult
 *   PUT  /api/admin/transcription-model           TranscriptionModelBody → TranscriptionInfo
 */

/** Audio a composer may send: OpenAI takes up to 25 MB; a few minutes of speech is far less. */
export const MAX_AUDIO_BYTES = 10 * 1024 * 1024;

export const TranscriptionModelBody = v.strictObject({
  model: v.nullable(v.pipe(v.string(), v.minLength(3), v.maxLength(240))),
});

export const TranscriptionInfo = v.object({
  available: v.boolean(),
  /** "provider/model"; only admins are told which. */
  model: v.optional(v.nullable(v.string())),
});
export type TranscriptionInfo = v.InferOutput<typeof TranscriptionInfo>;

export const TranscriptionResult = v.object({ text: v.string() });
export type TranscriptionResult = v.InferOutput<typeof TranscriptionResult>;
