import { createResource, createSignal, For, Show } from "solid-js";
import type { ModelsResponse } from "../../../src/protocol/llm.ts";
import { TranscriptionInfo } from "../../../src/protocol/transcription.ts";
import { type ApiResult, api } from "../api/http.ts";
import { Notice } from "../components/Notice.tsx";

/**
 * Voice input: which model turns speech into text (an OpenAI-compatible `/audio/transcriptions`
 * model such as whisper-1, added to a provider like any other). None: the microphone stays hidden.
 */
export function TranscriptionPicker(props: { picker: ApiResult<ModelsResponse> | undefined }) {
  const [info, { refetch }] = createResource(() => api("GET", "/api/transcription", TranscriptionInfo));
  const [error, setError] = createSignal<string | null>(null);
  const current = () => {
    const r = info();
    return r?.ok ? (r.value.model ?? "") : "";
  };
  const models = () => (props.picker?.ok ? props.picker.value.models : []);
  const choose = async (model: string) => {
    setError(null);
    const r = await api("PUT", "/api/admin/transcription-model", TranscriptionInfo, {
      body: { model: model || null },
    });
    if (!r.ok) setError(r.error.message);
    void refetch();
  };
  return (
    <Show when={models().length > 0}>
      <div class="default-model">
        <label class="field">
          <span>Voice input (speech to text)</span>
          <select onChange={(e) => void choose(e.currentTarget.value)}>
            <option value="" selected={current() === ""}>
              Off
            </option>
            <For each={models()}>
              {(m) => (
                <option value={m.id} selected={m.id === current()}>
                  {m.provider} / {m.name}
                </option>
              )}
            </For>
          </select>
        </label>
        <p class="muted small">
          An OpenAI-compatible transcription model (e.g. whisper-1). The microphone in the message box shows
          once one is picked.
        </p>
        <Notice kind="error" when={error()}>
          {error()}
        </Notice>
      </div>
    </Show>
  );
}
