import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { createProject, PROVIDER_KEY, type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * Voice input through the real LLM gateway to the fixture LLM's `/v1/audio/transcriptions`: off
 * until an admin picks a model, the provider key never leaves the server, the call is metered, and
 * only the project's owner may send audio for it.
 */
setDefaultTimeout(120_000);

let w: SessionWorld;
let bob: Client;
let project: string;

beforeAll(async () => {
  w = await startWorld();
  // The admin adds the speech model as a provider of its own, like any other model.
  const made = await w.admin.post("/api/admin/providers", {
    name: "speech",
    kind: "openai",
    base_url: w.fx.openaiBaseUrl,
    api_key: PROVIDER_KEY,
    models: [{ id: "whisper-1" }],
  });
  if (made.status !== 200) throw new Error(JSON.stringify(made.body));
  project = await createProject(w.admin, "Voice");
  await addUser(w.admin, "bob", "bob-password-1");
  bob = new Client(w.t.url);
  await bob.login("bob", "bob-password-1");
});
afterAll(async () => {
  await w?.stop();
});

const audio = (bytes: number) => {
  const form = new FormData();
  form.set(
    "file",
    new Blob([new Uint8Array(bytes).fill(7)], { type: "audio/webm;codecs=opus" }),
    "speech.webm",
  );
  return form;
};
/** A browser's POST of a recording (fetch sets the multipart boundary). */
async function send(c: Client, projectId: string, body: FormData | string) {
  const headers: Record<string, string> = { origin: c.baseUrl };
  if (c.cookie) headers.cookie = `octo_session=${c.cookie}`;
  const res = await fetch(`${c.baseUrl}/api/projects/${projectId}/transcribe`, {
    method: "POST",
    headers,
    body,
  });
  const json = (await res.json()) as { text?: string; error?: { code: string } };
  return { status: res.status, body: json, code: json.error?.code };
}

describe("voice input", () => {
  test("off until an admin picks a transcription model", async () => {
    expect((await w.admin.get("/api/transcription")).body).toEqual({ available: false, model: null });
    expect((await bob.get("/api/transcription")).body).toEqual({ available: false });
    expect((await send(w.admin, project, audio(2000))).code).toBe("not_found");
    const missing = await w.admin.request("PUT", "/api/admin/transcription-model", {
      body: { model: "speech/nope" },
    });
    expect(missing.code).toBe("validation_failed");
    const notAdmin = await bob.request("PUT", "/api/admin/transcription-model", {
      body: { model: "speech/whisper-1" },
    });
    expect(notAdmin.status).toBe(403);
    const set = await w.admin.request("PUT", "/api/admin/transcription-model", {
      body: { model: "speech/whisper-1" },
    });
    expect(set.body).toEqual({ available: true, model: "speech/whisper-1" });
    expect((await bob.get("/api/transcription")).body).toEqual({ available: true });
  });

  test("speech becomes text through the gateway, with the provider key added there, and is metered", async () => {
    const before = (await w.admin.get<{ totals: { requests: number } }>(`/api/usage?project_id=${project}`))
      .body.totals.requests;
    w.fx.transcript = "Summarise yesterday's commits";
    const r = await send(w.admin, project, audio(24_000));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ text: "Summarise yesterday's commits" });
    const call = w.fx.transcriptions.at(-1);
    expect(call).toMatchObject({ model: "whisper-1", bytes: 24_000, apiKey: PROVIDER_KEY });
    const usage = await w.admin.get<{ totals: { requests: number; input_tokens: number } }>(
      `/api/usage?project_id=${project}`,
    );
    expect(usage.body.totals.requests).toBe(before + 1);
    expect(usage.body.totals.input_tokens).toBeGreaterThan(0);
  });

  test("bad input, someone else's project, and no sign-in are refused", async () => {
    expect((await send(bob, project, audio(100))).code).toBe("not_found");
    expect((await send(w.admin, project, "just text")).code).toBe("bad_request");
    expect((await send(w.admin, project, new FormData())).code).toBe("bad_request");
    expect((await send(w.admin, project, audio(0))).code).toBe("bad_request");
    expect((await send(w.admin, project, audio(10 * 1024 * 1024 + 1))).status).toBe(413);
    expect((await send(new Client(w.t.url), project, audio(100))).status).toBe(401);
    expect(w.fx.transcriptions.every((t) => t.bytes > 0 && t.bytes <= 24_000)).toBe(true);
  });
});
