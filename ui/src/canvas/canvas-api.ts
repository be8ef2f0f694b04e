import * as v from "valibot";
import {
  CanvasArtifactSchema,
  CanvasDetailAnswer,
  CanvasPublishAnswer,
} from "../../../src/protocol/canvas.ts";
import { type ApiResult, api } from "../api/http.ts";

export type { CanvasArtifact, CanvasKind, CanvasRevision } from "../../../src/protocol/canvas.ts";

const enc = encodeURIComponent;
const ErrorEnvelope = v.object({ error: v.object({ code: v.string(), message: v.string() }) });
const base = (projectId: string) => `/api/projects/${enc(projectId)}/canvas`;

export const listArtifacts = (projectId: string) =>
  api("GET", base(projectId), v.object({ artifacts: v.array(CanvasArtifactSchema) }));
export const getArtifact = (projectId: string, id: string) =>
  api("GET", `${base(projectId)}/${enc(id)}`, CanvasDetailAnswer);
export const deleteArtifact = (projectId: string, id: string) =>
  api("DELETE", `${base(projectId)}/${enc(id)}`, v.object({ ok: v.literal(true) }));

/** Where a revision's bytes are served (with the artifact CSP; HTML frames load it directly). */
export const contentUrl = (projectId: string, id: string, revision: number) =>
  `${base(projectId)}/${enc(id)}/revisions/${revision}/content`;

/** A person publishes a file: its bytes are the body; the same name again is a new revision. */
export async function uploadArtifact(
  projectId: string,
  file: File,
): Promise<ApiResult<v.InferOutput<typeof CanvasPublishAnswer>>> {
  let res: Response;
  try {
    res = await fetch(`${base(projectId)}/upload?name=${enc(file.name)}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/octet-stream" },
      body: file,
    });
  } catch {
    return { ok: false, error: { code: "network", message: "cannot reach the server", status: 0 } };
  }
  const json = await res.json().catch(() => undefined);
  if (!res.ok) {
    const env = v.safeParse(ErrorEnvelope, json);
    return {
      ok: false,
      error: env.success
        ? { code: env.output.error.code as never, message: env.output.error.message, status: res.status }
        : { code: "internal", message: `server answered ${res.status}`, status: res.status },
    };
  }
  const parsed = v.safeParse(CanvasPublishAnswer, json);
  return parsed.success
    ? { ok: true, value: parsed.output }
    : { ok: false, error: { code: "validation_failed", message: "unexpected answer", status: res.status } };
}

/** A revision's text (Markdown, Mermaid). */
export async function fetchText(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { credentials: "same-origin" });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}
