import { createResource } from "solid-js";
import * as v from "valibot";
import { TranscriptionInfo, TranscriptionResult } from "../../../src/protocol/transcription.ts";
import { api } from "../api/http.ts";

/** Voice input: is a transcription model set up (asked once per tab), and speech → text for a project. */

let available: (() => boolean | undefined) | null = null;

export function voiceAvailable(): boolean {
  if (!available) {
    const [info] = createResource(async () => {
      const r = await api("GET", "/api/transcription", TranscriptionInfo);
      return r.ok && r.value.available;
    });
    available = info;
  }
  return available() === true;
}

export async function transcribe(
  projectId: string,
  audio: Blob,
): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
  const form = new FormData();
  form.set("file", audio, audio.type.includes("mp4") ? "speech.m4a" : "speech.webm");
  let res: Response;
  try {
    res = await fetch(`/api/projects/${encodeURIComponent(projectId)}/transcribe`, {
      method: "POST",
      body: form,
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, message: "The server could not be reached." };
  }
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const message = (body as { error?: { message?: string } } | null)?.error?.message;
    return { ok: false, message: message ?? `Transcription failed (${res.status}).` };
  }
  const parsed = v.safeParse(TranscriptionResult, body);
  return parsed.success
    ? { ok: true, text: parsed.output.text }
    : { ok: false, message: "Unexpected answer from the server." };
}
