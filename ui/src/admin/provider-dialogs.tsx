import { createSignal, For, Show } from "solid-js";
import type { ModelInfo, Provider, ProviderProbeResponse, UpstreamModel } from "../../../src/protocol/llm.ts";
import { Field } from "../components/Field.tsx";
import { Modal } from "../components/Modal.tsx";
import { Notice } from "../components/Notice.tsx";
import {
  type FormField,
  fieldError,
  type KeyChoice,
  KIND_LABELS,
  modelBody,
  modelForm,
  modelIdsFromText,
  newProviderBody,
  probeBody,
  providerPatch,
  toggleModelId,
} from "./provider-forms.ts";
import * as providers from "./providers-api.ts";

const text = (f: FormData, name: string) => String(f.get(name) ?? "");

const KEY_INPUT: Record<KeyChoice, { label: string; hint: string } | null> = {
  stored: { label: "API key", hint: "Kept on the server and never shown again, not even to admins." },
  env: { label: "Variable name", hint: "An environment variable of the octo server, e.g. OPENAI_API_KEY." },
  file: { label: "Key file", hint: "An absolute path on the server, readable by octo." },
  none: null,
};

/** Add a provider ("new") or edit one; a stored key is write-only, so editing leaves it blank. */
export function ProviderDialog(props: {
  target: Provider | "new" | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const editing = () => (props.target && props.target !== "new" ? props.target : null);
  const [choice, setChoice] = createSignal<KeyChoice>("stored");
  const [error, setError] = createSignal<{ field: FormField | null; text: string } | null>(null);
  const errorFor = (field: FormField) => (error()?.field === field ? error()?.text : null);
  const [busy, setBusy] = createSignal(false);
  const [probe, setProbe] = createSignal<ProviderProbeResponse | null>(null);
  const [probing, setProbing] = createSignal(false);
  const [modelsText, setModelsText] = createSignal("");
  let formEl: HTMLFormElement | undefined;
  const reset = () => {
    setChoice(editing()?.key.source ?? "stored");
    setError(null);
    setProbe(null);
    setModelsText("");
  };

  /** Test connection: a real request to the provider (its model list) with the form as it stands. */
  const testConnection = async () => {
    if (!formEl) return;
    const f = new FormData(formEl);
    const form = {
      kind: text(f, "kind"),
      base_url: text(f, "base_url"),
      key_choice: choice(),
      key_value: text(f, "key_value"),
    };
    setProbing(true);
    setProbe(null);
    const res = await providers.testProvider(probeBody(form, editing()?.name));
    setProbing(false);
    if (!res.ok) return setError(fieldError(res.error.message));
    setError(null);
    setProbe(res.value);
  };

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const form = {
      kind: text(f, "kind"),
      base_url: text(f, "base_url"),
      key_choice: choice(),
      key_value: text(f, "key_value"),
    };
    const current = editing();
    let res: Awaited<ReturnType<typeof providers.createProvider>>;
    setBusy(true);
    if (current) {
      const patch = providerPatch(current, form);
      if (!patch.ok) {
        setBusy(false);
        return setError({ field: "key_value", text: patch.error });
      }
      res = await providers.updateProvider(current.name, patch.value);
    } else {
      res = await providers.createProvider(
        newProviderBody({ ...form, name: text(f, "name"), models: modelsText() }),
      );
    }
    setBusy(false);
    if (!res.ok) return setError(fieldError(res.error.message));
    props.onSaved();
    props.onClose();
  };

  const keyHint = () => {
    const input = KEY_INPUT[choice()];
    const current = editing();
    if (input && choice() === "stored" && current?.key.source === "stored")
      return "A key is stored. Leave this empty to keep it, or enter a new one to replace it.";
    return input?.hint;
  };

  return (
    <Modal
      open={props.target !== null}
      onOpenChange={(open) => !open && props.onClose()}
      title={editing() ? `Edit ${editing()?.name}` : "New provider"}
    >
      {/* The form mounts on each opening, so it starts from the provider as it is now. */}
      <form
        onSubmit={submit}
        ref={(el) => {
          formEl = el;
          reset();
        }}
      >
        <Show when={!editing()}>
          <Field
            label="Name"
            hint="Lowercase letters, digits, _ or -. Models are picked as name/model."
            error={errorFor("name")}
          >
            {(a) => (
              <input
                name="name"
                autocomplete="off"
                autocapitalize="none"
                spellcheck={false}
                required
                {...a}
              />
            )}
          </Field>
        </Show>
        <label class="field">
          <span>API</span>
          <select name="kind" value={editing()?.kind ?? "openai"}>
            <option value="openai">{KIND_LABELS.openai} (chat completions)</option>
            <option value="anthropic">{KIND_LABELS.anthropic} (messages)</option>
          </select>
        </label>
        <Field label="Base URL" hint="For example https://api.openai.com/v1" error={errorFor("base_url")}>
          {(a) => (
            <input
              name="base_url"
              inputmode="url"
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              required
              value={editing()?.base_url ?? ""}
              {...a}
            />
          )}
        </Field>
        <label class="field">
          <span>Key from</span>
          <select
            name="key_choice"
            value={choice()}
            onChange={(e) => setChoice(e.currentTarget.value as KeyChoice)}
          >
            <option value="stored">A key stored on the server</option>
            <option value="env">An environment variable</option>
            <option value="file">A file on the server</option>
            <option value="none">No key (set it later)</option>
          </select>
        </label>
        <Show when={KEY_INPUT[choice()]} keyed>
          {(input) => (
            <Field label={input.label} hint={keyHint()} error={errorFor("key_value")}>
              {(a) => (
                <input
                  name="key_value"
                  type={choice() === "stored" ? "password" : "text"}
                  autocomplete={choice() === "stored" ? "new-password" : "off"}
                  spellcheck={false}
                  value={
                    choice() === editing()?.key.source && choice() !== "stored"
                      ? (editing()?.key.from ?? "")
                      : ""
                  }
                  {...a}
                />
              )}
            </Field>
          )}
        </Show>
        <Show when={!editing()}>
          <Field
            label="Models"
            hint="One model id per line, as the provider names them. You can add more later."
            error={errorFor("models")}
          >
            {(a) => (
              <textarea
                name="models"
                rows={3}
                spellcheck={false}
                autocapitalize="none"
                value={modelsText()}
                onInput={(e) => setModelsText(e.currentTarget.value)}
                {...a}
              />
            )}
          </Field>
        </Show>
        <div class="row probe-actions">
          <button type="button" class="btn small" disabled={probing()} onClick={testConnection}>
            {probing() ? "Testing…" : "Test connection"}
          </button>
          <Show when={!editing()}>
            <button type="button" class="btn small ghost" disabled={probing()} onClick={testConnection}>
              List models
            </button>
          </Show>
        </div>
        <Show when={probe()} keyed>
          {(p) => (
            <Notice kind={p.ok ? "ok" : "error"}>
              <span data-probe={p.ok ? "ok" : "failed"}>{p.message}</span>
            </Notice>
          )}
        </Show>
        <Show when={!editing() && (probe()?.models.length ?? 0) > 0}>
          <fieldset class="listed-models">
            <legend>Models the provider offers: tick the ones people may use</legend>
            <For each={probe()?.models ?? []}>
              {(m) => (
                <label class="row small">
                  <input
                    type="checkbox"
                    style={{ width: "auto" }}
                    checked={modelIdsFromText(modelsText()).includes(m.id)}
                    onChange={(e) =>
                      setModelsText(toggleModelId(modelsText(), m.id, e.currentTarget.checked))
                    }
                  />
                  <span class="mono">{m.id}</span>
                  <Show when={m.name !== m.id}>
                    <span class="muted">{m.name}</span>
                  </Show>
                </label>
              )}
            </For>
          </fieldset>
        </Show>
        <Notice kind="error" when={error() && !error()?.field}>
          {error()?.text}
        </Notice>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={busy()}>
            {editing() ? "Save" : "Add provider"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Add a model to a provider, or change one (PUT replaces it whole). */
export function ModelDialog(props: {
  target: { provider: string; model?: ModelInfo } | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [error, setError] = createSignal<string | null>(null);
  const [listed, setListed] = createSignal<UpstreamModel[] | null>(null);
  const initial = () => modelForm(props.target?.model);
  const listModels = async () => {
    const target = props.target;
    if (!target) return;
    const res = await providers.upstreamModels(target.provider);
    if (!res.ok) return setError(res.error.message);
    setError(null);
    setListed(res.value.models);
  };
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const target = props.target;
    if (!target) return;
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body = modelBody({
      id: target.model?.id ?? text(f, "id"),
      name: text(f, "name"),
      context_window: text(f, "context_window"),
      max_tokens: text(f, "max_tokens"),
      input_price: text(f, "input_price"),
      output_price: text(f, "output_price"),
      reasoning: f.get("reasoning") === "on",
      images: f.get("images") === "on",
    });
    if (!body.ok) return setError(body.error);
    const res = await providers.putModel(target.provider, body.value);
    if (!res.ok) return setError(res.error.message);
    props.onSaved();
    props.onClose();
  };
  const num = (name: string, label: string, value: string, hint?: string) => (
    <Field label={label} hint={hint}>
      {(a) => <input name={name} inputmode="decimal" autocomplete="off" value={value} {...a} />}
    </Field>
  );
  return (
    <Modal
      open={props.target !== null}
      onOpenChange={(open) => !open && props.onClose()}
      title={
        props.target?.model
          ? `Edit ${props.target.model.id}`
          : `Add a model to ${props.target?.provider ?? ""}`
      }
    >
      <form
        onSubmit={submit}
        ref={() => {
          setError(null);
          setListed(null);
        }}
      >
        <Show when={!props.target?.model}>
          <Field
            label="Model id"
            hint={
              listed()
                ? `Pick one of the ${listed()?.length} models the provider lists, or type an id.`
                : "Exactly as the provider names it, e.g. gpt-4.1 or vendor/model."
            }
          >
            {(a) => (
              <input
                name="id"
                autocomplete="off"
                autocapitalize="none"
                spellcheck={false}
                required
                list="upstream-models"
                {...a}
              />
            )}
          </Field>
          <datalist id="upstream-models">
            <For each={listed() ?? []}>{(m) => <option value={m.id}>{m.name}</option>}</For>
          </datalist>
          <button type="button" class="btn small ghost" onClick={listModels}>
            List the provider's models
          </button>
        </Show>
        <Field label="Display name" hint="Optional; the id is shown when empty.">
          {(a) => <input name="name" autocomplete="off" value={initial().name} {...a} />}
        </Field>
        <div class="grid-2 tight">
          {num("context_window", "Context window", initial().context_window, "Tokens; 128,000 if empty.")}
          {num("max_tokens", "Max output tokens", initial().max_tokens, "16,384 if empty.")}
          {num("input_price", "Input price", initial().input_price, "USD per 1M tokens; blank: unknown.")}
          {num("output_price", "Output price", initial().output_price, "USD per 1M tokens; blank: unknown.")}
        </div>
        <label class="row">
          <input type="checkbox" name="reasoning" checked={initial().reasoning} style={{ width: "auto" }} />
          Thinks (reasoning model)
        </label>
        <label class="row">
          <input type="checkbox" name="images" checked={initial().images} style={{ width: "auto" }} />
          Reads images
        </label>
        <Notice kind="error" when={error()}>
          {error()}
        </Notice>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary">
            {props.target?.model ? "Save model" : "Add model"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
