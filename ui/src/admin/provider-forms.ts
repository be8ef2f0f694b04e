import type {
  ModelBody,
  ModelInfo,
  Provider,
  ProviderBody,
  ProviderKind,
  ProviderPatch,
  ProviderProbeBody,
} from "../../../src/protocol/llm.ts";

/**
 * The admin "Models" screen's form logic: form fields in, request bodies out. The server decodes every
 * body with the shared schema and its message is what the admin sees, so this only shapes, it does not
 * re-validate (except what only the form can know, like "a stored key needs a key").
 */

export const KIND_LABELS: Record<ProviderKind, string> = {
  openai: "OpenAI-compatible",
  anthropic: "Anthropic",
};

/** Where the server reads the provider's key; "stored" keeps it in the server's database (write-only). */
export type KeyChoice = "stored" | "env" | "file" | "none";

export interface ProviderForm {
  kind: string;
  base_url: string;
  key_choice: string;
  /** The key itself (stored), the variable name (env) or the file path (file). */
  key_value: string;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const kindOf = (s: string): ProviderKind => (s === "anthropic" ? "anthropic" : "openai");
const choiceOf = (s: string): KeyChoice => (s === "env" || s === "file" || s === "none" ? s : "stored");

/** One model id per line (blank lines and surrounding spaces ignored, duplicates dropped). */
export function modelIdsFromText(text: string): string[] {
  return [
    ...new Set(
      text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
}

export function newProviderBody(form: ProviderForm & { name: string; models: string }): ProviderBody {
  const value = form.key_value.trim();
  const choice = choiceOf(form.key_choice);
  return {
    name: form.name.trim(),
    kind: kindOf(form.kind),
    base_url: form.base_url.trim(),
    ...(value && choice === "stored" ? { api_key: value } : {}),
    ...(value && choice === "env" ? { api_key_env: value } : {}),
    ...(value && choice === "file" ? { api_key_file: value } : {}),
    models: modelIdsFromText(form.models).map((id) => ({ id })),
  };
}

/**
 * Only what changed. A blank key field keeps a stored key as it is (the key is never shown, so the
 * form cannot hold it); choosing "none" clears every key source.
 */
export function providerPatch(current: Provider, form: ProviderForm): Parsed<ProviderPatch> {
  const patch: ProviderPatch = {};
  const kind = kindOf(form.kind);
  if (kind !== current.kind) patch.kind = kind;
  const url = form.base_url.trim();
  if (url !== current.base_url) patch.base_url = url;
  const choice = choiceOf(form.key_choice);
  const value = form.key_value.trim();
  if (choice === "none") {
    if (current.key.source !== "none")
      Object.assign(patch, { api_key: null, api_key_env: null, api_key_file: null });
  } else if (value) {
    const field = choice === "stored" ? "api_key" : choice === "env" ? "api_key_env" : "api_key_file";
    if (choice === "stored" || value !== current.key.from) patch[field] = value;
  } else if (choice !== current.key.source) {
    return {
      ok: false,
      error:
        choice === "stored"
          ? "Enter the key to store."
          : choice === "env"
            ? "Enter the environment variable's name."
            : "Enter the key file's path.",
    };
  }
  return { ok: true, value: patch };
}

export interface ModelForm {
  id: string;
  name: string;
  context_window: string;
  max_tokens: string;
  input_price: string;
  output_price: string;
  reasoning: boolean;
  images: boolean;
}

const FIELD_NAMES = {
  context_window: "Context window",
  max_tokens: "Max output tokens",
  input_price: "Input price",
  output_price: "Output price",
} as const;

/** Blank numbers are left out, so the server's defaults apply. */
export function modelBody(form: ModelForm): Parsed<ModelBody> {
  const body: ModelBody = { id: form.id.trim(), reasoning: form.reasoning, images: form.images };
  const name = form.name.trim();
  if (name) body.name = name;
  for (const key of Object.keys(FIELD_NAMES) as (keyof typeof FIELD_NAMES)[]) {
    const raw = form[key].trim().replaceAll(",", "").replaceAll("_", "");
    if (!raw) continue;
    const n = Number(raw);
    if (!Number.isFinite(n)) return { ok: false, error: `${FIELD_NAMES[key]}: a number.` };
    body[key] = n;
  }
  return { ok: true, value: body };
}

export function modelForm(m?: ModelInfo): ModelForm {
  return {
    id: m?.id ?? "",
    name: m && m.name !== m.id ? m.name : "",
    context_window: m ? String(m.context_window) : "",
    max_tokens: m ? String(m.max_tokens) : "",
    input_price: m?.input_price != null ? String(m.input_price) : "",
    output_price: m?.output_price != null ? String(m.output_price) : "",
    reasoning: m?.reasoning ?? false,
    images: m?.images ?? false,
  };
}

/** How the list describes the key: where it comes from and whether it can be read — never the key. */
export function keySummary(key: Provider["key"]): { text: string; ok: boolean } {
  const where =
    key.source === "stored"
      ? "Key stored on the server"
      : key.source === "env"
        ? `Key from $${key.from}`
        : key.source === "file"
          ? `Key from ${key.from}`
          : "No key";
  const suffix = key.source !== "none" && !key.configured ? " (not readable)" : "";
  return { text: where + suffix, ok: key.configured };
}

/** "128k tokens · $3 / $15 per 1M" */
export function modelFacts(m: ModelInfo): string {
  const ctx = m.context_window >= 1000 ? `${Math.round(m.context_window / 1000)}k` : String(m.context_window);
  const facts = [`${ctx} context`];
  if (m.input_price === null || m.output_price === null) facts.push("price unknown");
  else facts.push(`$${m.input_price} / $${m.output_price} per 1M`);
  if (m.reasoning) facts.push("reasoning");
  if (m.images) facts.push("images");
  return facts.join(" · ");
}

export type FormField = "name" | "base_url" | "key_value" | "models" | "id";

/**
 * Puts the server's validation message beside the field it is about: "base_url: must be …" becomes
 * the Base URL field's error. Messages about no field (or one the form lacks) stay general.
 */
export function fieldError(message: string): { field: FormField | null; text: string } {
  const m = /^([a-z_]+)(?:\.[\w.]+)?: (.+)$/s.exec(message);
  const path = m?.[1];
  const field: FormField | null =
    path === "name" || path === "base_url" || path === "models" || path === "id"
      ? path
      : path === "api_key" || path === "api_key_env" || path === "api_key_file"
        ? "key_value"
        : null;
  return field && m?.[2] ? { field, text: m[2] } : { field: null, text: message };
}

/** What "Test connection" sends: the form as it stands, over the saved provider when editing. */
export function probeBody(form: ProviderForm, savedName?: string): ProviderProbeBody {
  const value = form.key_value.trim();
  const choice = choiceOf(form.key_choice);
  return {
    ...(savedName ? { name: savedName } : {}),
    kind: kindOf(form.kind),
    base_url: form.base_url.trim(),
    ...(value && choice === "stored" ? { api_key: value } : {}),
    ...(value && choice === "env" ? { api_key_env: value } : {}),
    ...(value && choice === "file" ? { api_key_file: value } : {}),
  };
}

/** Ticks or unticks one model id in the "one id per line" text. */
export function toggleModelId(text: string, id: string, on: boolean): string {
  const ids = modelIdsFromText(text).filter((m) => m !== id);
  return (on ? [...ids, id] : ids).join("\n");
}
