import Pencil from "lucide-solid/icons/pencil";
import Plus from "lucide-solid/icons/plus";
import Trash2 from "lucide-solid/icons/trash";
import { createResource, createSignal, For, Show } from "solid-js";
import type { ModelInfo, ModelsResponse, Provider } from "../../../src/protocol/llm.ts";
import type { ApiResult } from "../api/http.ts";
import { listModels } from "../api/models-api.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { Notice } from "../components/Notice.tsx";
import { confirmed } from "../components/ResourceList.tsx";
import { usePageTitle } from "../shell/page-title.ts";
import { onShortcut } from "../shell/shortcuts.ts";
import { AdminNav } from "./AdminNav.tsx";
import { EmbeddingModelPicker } from "./EmbeddingModel.tsx";
import { ModelDialog, ProviderDialog } from "./provider-dialogs.tsx";
import { KIND_LABELS, keySummary, modelFacts } from "./provider-forms.ts";
import * as providers from "./providers-api.ts";
import { TranscriptionPicker } from "./TranscriptionPicker.tsx";
import "./providers.css";

/**
 * Admin → Models: the LLM providers agents reach through the server's proxy, and the models each
 * offers. Keys are write-only: the list says where a key comes from and whether it can be read.
 * Providers from config.toml are shown read-only (the server refuses changes to them).
 */
export default function Providers() {
  usePageTitle(() => "Models");
  const [list, { refetch }] = createResource(providers.listProviders);
  const [picker, { refetch: refetchPicker }] = createResource(listModels);
  const [editing, setEditing] = createSignal<Provider | "new" | null>(null);
  const [modelTarget, setModelTarget] = createSignal<{ provider: string; model?: ModelInfo } | null>(null);
  const changed = () => {
    void refetch();
    void refetchPicker();
  };
  onShortcut("new", () => setEditing("new"));
  const defaultModel = () => {
    const r = picker();
    return r?.ok ? r.value.default_model : "";
  };

  return (
    <>
      <div class="page-head">
        <h1>Admin</h1>
        <span class="spacer" />
        <button type="button" class="btn primary" onClick={() => setEditing("new")} title="New provider (n)">
          <Plus size={16} aria-hidden="true" /> New provider
        </button>
      </div>
      <AdminNav />
      <DefaultModelPicker picker={picker()} onChanged={() => void refetchPicker()} />
      <TranscriptionPicker picker={picker()} />
      <Loaded result={list()}>
        {(r) => (
          <Show
            when={r().providers.length > 0}
            fallback={
              <div class="empty">
                <p>No LLM provider yet. Add one so agents can work: an OpenAI-compatible or Anthropic API.</p>
              </div>
            }
          >
            <ul class="list providers" aria-label="Providers">
              <For each={r().providers}>
                {(p) => (
                  <ProviderRow
                    provider={p}
                    defaultModel={defaultModel()}
                    onEdit={() => setEditing(p)}
                    onAddModel={() => setModelTarget({ provider: p.name })}
                    onEditModel={(m) => setModelTarget({ provider: p.name, model: m })}
                    onChanged={changed}
                  />
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loaded>
      <Show when={list()?.ok ? list() : null}>
        {(r) => (
          <EmbeddingModelPicker
            providers={r().ok ? (r() as { ok: true; value: { providers: Provider[] } }).value.providers : []}
          />
        )}
      </Show>
      <ProviderDialog target={editing()} onClose={() => setEditing(null)} onSaved={changed} />
      <ModelDialog target={modelTarget()} onClose={() => setModelTarget(null)} onSaved={changed} />
    </>
  );
}

/** The server-wide default for new conversations; a project's own choice (its Settings) wins. */
function DefaultModelPicker(props: { picker: ApiResult<ModelsResponse> | undefined; onChanged: () => void }) {
  const [error, setError] = createSignal<string | null>(null);
  const data = () => (props.picker?.ok ? props.picker.value : null);
  const choose = async (model: string) => {
    setError(null);
    const res = await providers.setDefaultModel(model);
    if (!res.ok) return setError(res.error.message);
    props.onChanged();
  };
  return (
    <div class="default-model">
      <Show
        when={(data()?.models.length ?? 0) > 0}
        fallback={<p class="muted small">No model yet: add a provider and its models so agents can start.</p>}
      >
        <label class="field">
          <span>Default model for new conversations</span>
          <select onChange={(e) => void choose(e.currentTarget.value)}>
            <For each={data()?.models ?? []}>
              {(m) => (
                <option value={m.id} selected={m.id === data()?.default_model}>
                  {m.provider} / {m.name}
                  {m.available ? "" : " (no key)"}
                </option>
              )}
            </For>
          </select>
        </label>
        <p class="muted small">A project can pick its own model in its Settings.</p>
      </Show>
      <Notice kind="error" when={error()}>
        {error()}
      </Notice>
    </div>
  );
}

function ProviderRow(props: {
  provider: Provider;
  defaultModel: string;
  onEdit: () => void;
  onAddModel: () => void;
  onEditModel: (m: ModelInfo) => void;
  onChanged: () => void;
}) {
  const p = () => props.provider;
  const key = () => keySummary(p().key);
  const managed = () => p().source === "admin";
  return (
    <li class="list-item provider" data-provider={p().name}>
      <div class="grow">
        <div class="title">
          {p().name} <span class="badge accent">{KIND_LABELS[p().kind]}</span>{" "}
          <Show when={!managed()}>
            <span class="badge" title="Defined in the config file; change it there and restart octo">
              config file
            </span>
          </Show>
        </div>
        <div class="mono small muted provider-url" data-field="base_url">
          {p().base_url}
        </div>
        <span class={`badge ${key().ok ? "ok" : "danger"}`} data-field="key">
          {key().text}
        </span>
      </div>
      <Show when={managed()}>
        <div class="row">
          <button type="button" class="btn small" aria-label={`Edit ${p().name}`} onClick={props.onEdit}>
            <Pencil size={14} aria-hidden="true" /> Edit
          </button>
          <ConfirmButton
            label="Delete"
            ariaLabel={`Delete ${p().name}`}
            danger
            title={`Delete ${p().name}?`}
            message="Its key and model list are removed. Conversations set to one of its models cannot run until they switch model."
            confirmLabel="Delete provider"
            onConfirm={confirmed(() => providers.deleteProvider(p().name), props.onChanged)}
          />
        </div>
      </Show>
      <div class="provider-models">
        <ul class="models" aria-label={`Models of ${p().name}`}>
          <For each={p().models} fallback={<li class="muted small">No models: agents cannot use it yet.</li>}>
            {(m) => (
              <li data-model={m.id}>
                <div class="grow">
                  <span class="model-name">{m.name}</span>{" "}
                  <Show when={m.name !== m.id}>
                    <span class="mono small muted">{m.id}</span>{" "}
                  </Show>
                  <Show when={`${p().name}/${m.id}` === props.defaultModel}>
                    <span class="badge ok">default</span>
                  </Show>
                  <div class="small muted">{modelFacts(m)}</div>
                </div>
                <Show when={managed()}>
                  <button
                    type="button"
                    class="btn ghost icon small"
                    aria-label={`Edit model ${m.id}`}
                    onClick={() => props.onEditModel(m)}
                  >
                    <Pencil size={14} />
                  </button>
                  <ConfirmButton
                    class="btn ghost icon small"
                    ariaLabel={`Remove model ${m.id}`}
                    label={<Trash2 size={14} />}
                    title={`Remove ${m.id} from ${p().name}?`}
                    message="People can no longer pick it. Conversations using it cannot run until they switch model."
                    confirmLabel="Remove model"
                    danger
                    onConfirm={confirmed(() => providers.deleteModel(p().name, m.id), props.onChanged)}
                  />
                </Show>
              </li>
            )}
          </For>
        </ul>
        <Show when={managed()}>
          <button
            type="button"
            class="btn small ghost"
            aria-label={`Add a model to ${p().name}`}
            onClick={props.onAddModel}
          >
            <Plus size={14} aria-hidden="true" /> Add model
          </button>
        </Show>
      </div>
    </li>
  );
}
