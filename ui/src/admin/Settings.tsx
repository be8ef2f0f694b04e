import { createResource, createSignal, For, Show } from "solid-js";
import {
  SEARCH_BACKENDS,
  type SearchBackendKind,
  type SearchStatus,
  type SearchTestAnswer,
} from "../../../src/protocol/tools.ts";
import type { ApiError } from "../api/http.ts";
import { Field } from "../components/Field.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { Notice } from "../components/Notice.tsx";
import { usePageTitle } from "../shell/page-title.ts";
import { AdminNav } from "./AdminNav.tsx";
import * as search from "./search-api.ts";
import { BACKEND_LABELS, type SearchFormField, searchFormBody, searchSummary } from "./search-form.ts";
import "./settings.css";

/**
 * Admin → Settings: server-wide settings changed at run time. For now the agents' web search
 * service (`octo-tool search`): which one, where, its key (write-only, kept on the server), and a
 * real test query.
 */
export default function Settings() {
  usePageTitle(() => "Settings");
  const [status, { mutate }] = createResource(search.searchStatus);
  return (
    <>
      <div class="page-head">
        <h1>Admin</h1>
      </div>
      <AdminNav />
      <section class="stack admin-settings" aria-labelledby="search-h">
        <h2 id="search-h">Web search for agents</h2>
        <p class="muted small">
          Agents search the web with <code>octo-tool search</code>. The server makes the query, so a key never
          enters a sandbox.
        </p>
        <Loaded result={status()}>
          {(s) => (
            <>
              <SearchCurrent status={s()} />
              <SearchForm status={s()} onSaved={(next) => mutate({ ok: true, value: next })} />
              <SearchTest configured={s().configured} />
            </>
          )}
        </Loaded>
      </section>
    </>
  );
}

function SearchCurrent(props: { status: SearchStatus }) {
  const s = () => props.status;
  return (
    <div class="card search-current" data-testid="search-current">
      <div class="title">
        <span class="badge accent" classList={{ danger: !s().configured }}>
          {s().backend ? BACKEND_LABELS[s().backend as SearchBackendKind] : "none"}
        </span>{" "}
        <Show when={s().source === "config"}>
          <span class="badge" title="From the config file's [search] section">
            config file
          </span>
        </Show>
      </div>
      <p class="small">{searchSummary(s())}</p>
      <Show when={s().url}>
        <div class="mono small muted search-url" data-field="url">
          {s().url}
        </div>
      </Show>
      <Show when={s().backend === "brave"}>
        <span class={`badge ${s().key.configured ? "ok" : "danger"}`} data-field="key">
          {s().key.configured ? "Key stored on the server ••••••••" : "No key"}
        </span>
      </Show>
    </div>
  );
}

function SearchForm(props: { status: SearchStatus; onSaved: (s: SearchStatus) => void }) {
  const [backend, setBackend] = createSignal<SearchBackendKind>(props.status.backend ?? "searxng");
  const [error, setError] = createSignal<{ field: SearchFormField | null; text: string } | null>(null);
  const [saved, setSaved] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const errorFor = (field: SearchFormField) => (error()?.field === field ? error()?.text : null);
  const keyStored = () => props.status.backend === "brave" && props.status.key.configured;
  let form: HTMLFormElement | undefined;

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!form) return;
    setError(null);
    setSaved(null);
    const data = new FormData(form);
    const values = {
      backend: backend(),
      url: String(data.get("url") ?? ""),
      api_key: String(data.get("api_key") ?? ""),
    };
    const body = searchFormBody(values, props.status);
    if (!body.ok) return setError({ field: body.field, text: body.text });
    setBusy(true);
    const r = await search.saveSearch(body.body);
    setBusy(false);
    if (!r.ok) return setError({ field: null, text: r.error.message });
    const key = form.elements.namedItem("api_key");
    if (key instanceof HTMLInputElement) key.value = "";
    setSaved("Saved. Agents use it from their next search.");
    props.onSaved(r.value);
  };
  const clear = async () => {
    setError(null);
    setSaved(null);
    const r = await search.clearSearch();
    if (!r.ok) return setError({ field: null, text: r.error.message });
    setSaved(r.value.configured ? "Cleared: the config file's service applies again." : "Cleared.");
    props.onSaved(r.value);
  };

  return (
    <form class="card stack search-form" aria-label="Web search backend" onSubmit={submit} ref={form}>
      <Field label="Service">
        {(a) => (
          <select
            name="backend"
            value={backend()}
            onChange={(e) => setBackend(e.currentTarget.value as SearchBackendKind)}
            {...a}
          >
            <For each={SEARCH_BACKENDS}>{(k) => <option value={k}>{BACKEND_LABELS[k]}</option>}</For>
          </select>
        )}
      </Field>
      <Field
        label={backend() === "brave" ? "Endpoint (optional)" : "Address"}
        hint={
          backend() === "brave"
            ? "Leave empty for Brave's own: https://api.search.brave.com/res/v1/web/search"
            : "A SearXNG instance with format json enabled in its settings.yml, e.g. http://127.0.0.1:8888"
        }
        error={errorFor("url")}
      >
        {(a) => (
          <input
            name="url"
            inputmode="url"
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
            value={props.status.backend === backend() ? (props.status.url ?? "") : ""}
            {...a}
          />
        )}
      </Field>
      <Show when={backend() === "brave"}>
        <Field
          label="API key"
          hint={
            keyStored()
              ? "A key is stored. Leave this empty to keep it, or enter a new one to replace it."
              : "Kept on the server; it is never shown again."
          }
          error={errorFor("api_key")}
        >
          {(a) => (
            <input name="api_key" type="password" autocomplete="new-password" spellcheck={false} {...a} />
          )}
        </Field>
      </Show>
      <div class="row">
        <button type="submit" class="btn primary" disabled={busy()}>
          Save
        </button>
        <Show when={props.status.source === "settings"}>
          <button type="button" class="btn ghost" onClick={() => void clear()}>
            Clear
          </button>
        </Show>
      </div>
      <Notice kind="error" when={error()?.field === null}>
        {error()?.text}
      </Notice>
      <Notice kind="ok" when={saved()}>
        {saved()}
      </Notice>
    </form>
  );
}

function SearchTest(props: { configured: boolean }) {
  const [query, setQuery] = createSignal("octo");
  const [busy, setBusy] = createSignal(false);
  const [answer, setAnswer] = createSignal<
    { ok: true; value: SearchTestAnswer } | { ok: false; error: ApiError } | null
  >(null);
  const run = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    setAnswer(null);
    setAnswer(await search.testSearch(query()));
    setBusy(false);
  };
  return (
    <form class="card stack search-test" aria-label="Search test" onSubmit={run}>
      <div class="row search-test-row">
        <Field label="Test query">
          {(a) => (
            <input name="query" value={query()} onInput={(e) => setQuery(e.currentTarget.value)} {...a} />
          )}
        </Field>
        <button type="submit" class="btn" disabled={busy()}>
          {busy() ? "Testing…" : "Test"}
        </button>
      </div>
      <Show when={!props.configured && !answer()}>
        <p class="muted small">Nothing to test yet: save a service first.</p>
      </Show>
      <Show when={answer()} keyed>
        {(a) =>
          a.ok ? (
            <div class="stack" data-test="ok">
              <Notice kind="ok">
                {a.value.results.length} result{a.value.results.length === 1 ? "" : "s"} from{" "}
                {a.value.backend} in {a.value.took_ms} ms
              </Notice>
              <ol class="search-results" aria-label="Test results">
                <For each={a.value.results}>
                  {(r) => (
                    <li>
                      <a href={r.url} target="_blank" rel="noopener noreferrer">
                        {r.title || r.url}
                      </a>
                      <div class="mono small muted search-url">{r.url}</div>
                      <Show when={r.snippet}>
                        <div class="small">{r.snippet}</div>
                      </Show>
                    </li>
                  )}
                </For>
              </ol>
            </div>
          ) : (
            <Notice kind="error">
              <span data-test="failed">
                <code>{a.error.code}</code>: {a.error.message}
              </span>
            </Notice>
          )
        }
      </Show>
    </form>
  );
}
