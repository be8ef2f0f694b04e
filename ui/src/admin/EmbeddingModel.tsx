import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import type { EmbeddingStatus, Provider } from "../../../src/protocol/llm.ts";
import { Notice } from "../components/Notice.tsx";
import * as providers from "./providers-api.ts";

/**
 * The embedding model for memory search: a provider (OpenAI-compatible) and a model id. Memories
 * are embedded in the background; the progress shows here until every memory has a vector.
 */
export function EmbeddingModelPicker(props: { providers: Provider[] }) {
  const [status, { refetch, mutate }] = createResource(providers.embeddingStatus);
  const [error, setError] = createSignal<string | null>(null);
  const openai = () => props.providers.filter((p) => p.kind === "openai");
  const current = (): EmbeddingStatus | null => {
    const r = status();
    return r?.ok ? r.value.embedding : null;
  };
  const [provider, setProvider] = createSignal("");
  const [model, setModel] = createSignal("");
  // While embedding runs, look again every two seconds.
  const timer = setInterval(() => {
    const s = current();
    if (s?.model && (s.running || s.embedded < s.total)) void refetch();
  }, 2000);
  onCleanup(() => clearInterval(timer));

  const save = async (ref: string | null) => {
    setError(null);
    const res = await providers.setEmbeddingModel(ref);
    if (!res.ok) return setError(res.error.message);
    mutate(res);
  };
  const chosenProvider = () => provider() || current()?.model?.split("/")[0] || openai()[0]?.name || "";
  const chosenModel = () => model() || current()?.model?.split("/").slice(1).join("/") || "";

  return (
    <section class="embedding-model" aria-label="Embedding model">
      <h2>Memory search</h2>
      <Show
        when={openai().length > 0}
        fallback={
          <p class="muted small">Vector search needs an OpenAI-compatible provider (its /embeddings).</p>
        }
      >
        <form
          class="embedding-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save(`${chosenProvider()}/${chosenModel().trim()}`);
          }}
        >
          <label class="field">
            <span>Embedding provider</span>
            <select onChange={(e) => setProvider(e.currentTarget.value)}>
              <For each={openai()}>
                {(p) => (
                  <option value={p.name} selected={p.name === chosenProvider()}>
                    {p.name}
                  </option>
                )}
              </For>
            </select>
          </label>
          <label class="field">
            <span>Embedding model</span>
            <input
              value={chosenModel()}
              placeholder="e.g. text-embedding-3-small"
              onInput={(e) => setModel(e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="btn primary" disabled={chosenModel().trim() === ""}>
            Use for memory search
          </button>
          <Show when={current()?.model}>
            <button type="button" class="btn" onClick={() => void save(null)}>
              Turn off
            </button>
          </Show>
        </form>
      </Show>
      <p class="muted small" data-testid="embedding-status">
        <Show when={current()?.model} fallback="Off: memory search uses words only (FTS5).">
          {(m) => (
            <>
              {m()}: {current()?.embedded} of {current()?.total} memories embedded
              {current()?.running ? " (embedding…)" : ""}. Search uses words and meaning; memories not
              embedded yet are found by their words.
            </>
          )}
        </Show>
      </p>
      <Notice kind="error" when={error() ?? current()?.last_error}>
        {error() ?? `Last embedding call failed: ${current()?.last_error}`}
      </Notice>
    </section>
  );
}
