import Plus from "lucide-solid/icons/plus";
import { createSignal, For, onCleanup, Show } from "solid-js";
import type { ApiResult } from "../api/http.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { Field } from "../components/Field.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { Notice } from "../components/Notice.tsx";
import { relativeTime } from "../components/time.ts";
import { watchChanges } from "../records/watch-changes.ts";
import * as api from "./schedules-api.ts";

const DEFAULT_TEMPLATE = "A build failed. Find out why and propose a fix.\n\n{{body}}";

/** Webhooks: a URL that starts a run with the delivery's JSON; the secret is shown once. */
export function HooksPanel(props: { projectId: string; onDelivered: () => void }) {
  const [hooks, setHooks] = createSignal<ApiResult<{ hooks: api.Hook[] }>>();
  const [adding, setAdding] = createSignal(false);
  const [name, setName] = createSignal("");
  const [template, setTemplate] = createSignal(DEFAULT_TEMPLATE);
  const [error, setError] = createSignal<string | null>(null);
  /** The secret just created or rotated: shown until dismissed, never fetched again. */
  const [secret, setSecret] = createSignal<{ hook: api.Hook; secret: string } | null>(null);
  const load = async () => setHooks(await api.listHooks(props.projectId));
  void load();
  // A delivery changes the hook's last delivery time: heard with the runs it starts.
  onCleanup(watchChanges(props.projectId, "schedules", () => void load()));
  const urlOf = (h: api.Hook) => `${location.origin}/api/hooks/${h.id}`;

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const r = await api.createHook(props.projectId, { name: name(), template: template() });
    if (!r.ok) return setError(r.error.message);
    setError(null);
    setSecret(r.value);
    setAdding(false);
    setName("");
    setTemplate(DEFAULT_TEMPLATE);
    void load();
  };
  const act = async (p: Promise<ApiResult<unknown>>) => {
    const r = await p;
    setError(r.ok ? null : r.error.message);
    void load();
    props.onDelivered();
    return r.ok ? null : r.error.message;
  };

  return (
    <section class="stack hooks" aria-label="Webhooks">
      <div class="row schedules-head">
        <h2 class="settings-h">Webhooks</h2>
        <span class="spacer" />
        <Show when={!adding()}>
          <button type="button" class="btn" onClick={() => setAdding(true)}>
            <Plus size={16} aria-hidden="true" /> New webhook
          </button>
        </Show>
      </div>
      <p class="small muted">
        POST JSON to the URL, signed with <span class="mono">X-Octo-Signature-256: sha256=HMAC</span> of the
        body and a unique <span class="mono">X-Octo-Delivery</span> (or GitHub's) id; each delivery starts a
        run.
      </p>
      <Show when={adding()}>
        <form class="card stack" onSubmit={create} aria-label="New webhook">
          <Field label="Name" hint="Also the title of each run's conversation">
            {(a) => <input {...a} value={name()} onInput={(e) => setName(e.currentTarget.value)} />}
          </Field>
          <Field
            label="Prompt template"
            hint="{{body}} is the JSON body; {{body.a.b}} one field; {{event}} the event header"
          >
            {(a) => (
              <textarea
                {...a}
                rows="4"
                class="mono"
                value={template()}
                onInput={(e) => setTemplate(e.currentTarget.value)}
              />
            )}
          </Field>
          <div class="row">
            <span class="spacer" />
            <button type="button" class="btn" onClick={() => setAdding(false)}>
              Cancel
            </button>
            <button type="submit" class="btn primary" disabled={!name().trim() || !template().trim()}>
              Create webhook
            </button>
          </div>
        </form>
      </Show>
      <Show when={secret()}>
        {(s) => (
          <div class="card stack hook-secret" role="status">
            <strong>Webhook “{s().hook.name}” is ready. Copy its secret now: it is not shown again.</strong>
            <div class="row wrap">
              <span class="small muted">URL</span>
              <code class="mono grow secret">{urlOf(s().hook)}</code>
              <CopyButton text={urlOf(s().hook)} label="Copy URL" />
            </div>
            <div class="row wrap">
              <span class="small muted">Secret</span>
              <code class="mono grow secret" data-secret>
                {s().secret}
              </code>
              <CopyButton text={s().secret} label="Copy secret" />
            </div>
            <div class="row">
              <span class="spacer" />
              <button type="button" class="btn small" onClick={() => setSecret(null)}>
                Done
              </button>
            </div>
          </div>
        )}
      </Show>
      <Notice kind="error" when={error()}>
        {error()}
      </Notice>
      <Loaded result={hooks()}>
        {(value) => (
          <Show when={value().hooks.length > 0} fallback={<p class="muted">No webhooks yet.</p>}>
            <ul class="list" aria-label="Webhook list">
              <For each={value().hooks}>
                {(h) => (
                  <li class="list-item schedule-item" data-hook={h.id}>
                    <div class="grow stack">
                      <div class="row wrap">
                        <strong>{h.name}</strong>
                        <span class={`badge ${h.enabled ? "accent" : ""}`}>
                          {h.enabled ? "enabled" : "disabled"}
                        </span>
                      </div>
                      <code class="small mono secret">{urlOf(h)}</code>
                      <span class="small muted">
                        {h.last_delivery_at
                          ? `Last delivery ${relativeTime(h.last_delivery_at)}`
                          : "No deliveries yet"}{" "}
                        · {h.rate_per_minute}/min
                      </span>
                    </div>
                    <div class="row wrap schedule-actions">
                      <CopyButton text={urlOf(h)} label={`Copy URL of ${h.name}`} />
                      <button
                        type="button"
                        class="btn small"
                        onClick={() =>
                          void act(api.updateHook(props.projectId, h.id, { enabled: !h.enabled }))
                        }
                      >
                        {h.enabled ? "Disable" : "Enable"}
                      </button>
                      <ConfirmButton
                        label="New secret"
                        title="Replace the secret?"
                        message="The old secret stops working at once; senders need the new one."
                        confirmLabel="Replace"
                        onConfirm={async () => {
                          const r = await api.rotateHook(props.projectId, h.id);
                          if (!r.ok) return r.error.message;
                          setSecret(r.value);
                          return null;
                        }}
                      />
                      <ConfirmButton
                        label="Delete"
                        ariaLabel={`Delete webhook ${h.name}`}
                        title="Delete this webhook?"
                        message="Deliveries to its URL are refused from now on."
                        confirmLabel="Delete"
                        danger
                        onConfirm={() => act(api.deleteHook(props.projectId, h.id))}
                      />
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loaded>
    </section>
  );
}
