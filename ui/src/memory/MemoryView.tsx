import { A, useSearchParams } from "@solidjs/router";
import Pin from "lucide-solid/icons/pin";
import PinOff from "lucide-solid/icons/pin-off";
import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import type { ApiResult } from "../api/http.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { Notice } from "../components/Notice.tsx";
import { relativeTime } from "../components/time.ts";
import { watchChanges } from "../records/watch-changes.ts";
import type { Memory } from "./memory-api.ts";
import * as api from "./memory-api.ts";
import "./memory.css";

/** The Memory tab: what the agent and the person keep for later, searchable as you type. */
export default function MemoryView(props: { projectId: string }) {
  const [query, setQuery] = createSignal("");
  const [tag, setTag] = createSignal<string | null>(null);
  const [result, setResult] = createSignal<ApiResult<{ memories: Memory[] }>>();
  let inflight: AbortController | undefined;
  const load = async () => {
    inflight?.abort();
    const mine = new AbortController();
    inflight = mine;
    const r = await api.listMemories(props.projectId, query(), tag(), mine.signal);
    if (!mine.signal.aborted) setResult(r);
  };
  void load();
  onCleanup(watchChanges(props.projectId, "memory", () => void load()));

  const [text, setText] = createSignal("");
  const [tags, setTags] = createSignal("");
  const [forUser, setForUser] = createSignal(false);
  const [addError, setAddError] = createSignal<string | null>(null);
  const add = async (e: SubmitEvent) => {
    e.preventDefault();
    const r = await api.addMemory(props.projectId, {
      text: text(),
      tags: api.parseTags(tags()),
      scope: forUser() ? "user" : "project",
    });
    if (!r.ok) return setAddError(r.error.message);
    setAddError(null);
    setText("");
    setTags("");
    void load();
  };

  // `?memory=ID` (from "used N memories" in a chat, or a search result): that memory first.
  const [params, setParams] = useSearchParams<{ memory?: string }>();
  const [focused, { refetch: refetchFocused }] = createResource(
    () => params.memory,
    (id) => api.getMemory(props.projectId, id),
  );

  return (
    <div class="memory stack">
      <Show when={params.memory}>
        <section class="card stack memory-focus" aria-label="Opened memory">
          <div class="row">
            <strong class="small">Opened memory</strong>
            <span class="spacer" />
            <button type="button" class="btn small ghost" onClick={() => setParams({ memory: undefined })}>
              Show all
            </button>
          </div>
          <Loaded result={focused()}>
            {(d) => (
              <ul class="list memory-list">
                <MemoryItem
                  memory={d().memory}
                  projectId={props.projectId}
                  onTag={(t) => {
                    setParams({ memory: undefined });
                    setTag(t);
                    void load();
                  }}
                  changed={() => {
                    void refetchFocused();
                    void load();
                  }}
                />
              </ul>
            )}
          </Loaded>
        </section>
      </Show>
      <form class="card stack memory-add" onSubmit={add} aria-label="Add a memory">
        <label class="field">
          <span>Remember</span>
          <textarea
            rows="2"
            value={text()}
            onInput={(e) => setText(e.currentTarget.value)}
            placeholder="A fact, a decision, a preference…"
          />
        </label>
        <div class="row wrap">
          <input
            class="memory-tags-input"
            aria-label="Tags"
            placeholder="tags, comma separated"
            value={tags()}
            onInput={(e) => setTags(e.currentTarget.value)}
          />
          <label class="memory-scope small">
            <input
              type="checkbox"
              checked={forUser()}
              onChange={(e) => setForUser(e.currentTarget.checked)}
            />
            For all my projects
          </label>
          <span class="spacer" />
          <button type="submit" class="btn primary" disabled={!text().trim()}>
            Save
          </button>
        </div>
        <Show when={addError()}>{(m) => <Notice kind="error">{m()}</Notice>}</Show>
      </form>

      <div class="row wrap">
        <input
          type="search"
          class="memory-search"
          aria-label="Search memories"
          placeholder="Search memories"
          value={query()}
          onInput={(e) => {
            setQuery(e.currentTarget.value);
            void load();
          }}
        />
        <Show when={tag()}>
          {(t) => (
            <button
              type="button"
              class="badge accent"
              aria-label={`Remove tag filter ${t()}`}
              onClick={() => {
                setTag(null);
                void load();
              }}
            >
              #{t()} ×
            </button>
          )}
        </Show>
      </div>

      <Loaded result={result()}>
        {(value) => (
          <Show
            when={value().memories.length > 0}
            fallback={<p class="muted">{query() || tag() ? "No memory matches." : "No memories yet."}</p>}
          >
            <ul class="list memory-list" aria-label="Memories">
              <For each={value().memories}>
                {(m) => (
                  <MemoryItem
                    memory={m}
                    projectId={props.projectId}
                    onTag={(t) => {
                      setTag(t);
                      void load();
                    }}
                    changed={() => void load()}
                  />
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loaded>
    </div>
  );
}

function MemoryItem(props: {
  memory: Memory;
  projectId: string;
  onTag: (t: string) => void;
  changed: () => void;
}) {
  const m = () => props.memory;
  const [editing, setEditing] = createSignal(false);
  const [draft, setDraft] = createSignal("");
  const [draftTags, setDraftTags] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const save = async () => {
    const r = await api.updateMemory(props.projectId, m().id, {
      text: draft(),
      tags: api.parseTags(draftTags()),
    });
    if (!r.ok) return setError(r.error.message);
    setError(null);
    setEditing(false);
    props.changed();
  };
  const pin = async () => {
    const r = await api.updateMemory(props.projectId, m().id, { pinned: !m().pinned });
    if (!r.ok) return setError(r.error.message);
    props.changed();
  };
  const source = () => {
    const s = m().source;
    if (s.kind === "person") return <span>added by {s.username}</span>;
    // A user memory may come from a conversation in another project: link only within this one.
    return m().project_id === props.projectId ? (
      <A href={`/projects/${props.projectId}/chat?session=${s.session_id}`}>from a conversation</A>
    ) : (
      <span>from a conversation in another project</span>
    );
  };
  return (
    <li class="list-item memory-item" data-memory={m().id} classList={{ pinned: m().pinned }}>
      <div class="grow stack">
        <Show when={editing()} fallback={<p class="memory-text">{m().text}</p>}>
          <textarea
            aria-label="Memory text"
            rows="3"
            value={draft()}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
          <input
            aria-label="Memory tags"
            value={draftTags()}
            onInput={(e) => setDraftTags(e.currentTarget.value)}
          />
        </Show>
        <div class="row wrap small muted">
          <Show when={m().scope === "user"}>
            <span class="badge">all projects</span>
          </Show>
          <For each={m().tags}>
            {(t) => (
              <button
                type="button"
                class="badge memory-tag"
                onClick={() => props.onTag(t)}
                aria-label={`Filter by tag ${t}`}
              >
                #{t}
              </button>
            )}
          </For>
          {source()}
          <span title={new Date(m().updated_at).toLocaleString()}>· {relativeTime(m().updated_at)}</span>
        </div>
        <Show when={error()}>{(e) => <Notice kind="error">{e()}</Notice>}</Show>
      </div>
      <div class="row memory-actions">
        <Show
          when={editing()}
          fallback={
            <>
              <button
                type="button"
                class="btn ghost icon"
                aria-label={m().pinned ? "Unpin" : "Pin"}
                aria-pressed={m().pinned}
                onClick={pin}
              >
                {m().pinned ? <PinOff size={16} /> : <Pin size={16} />}
              </button>
              <button
                type="button"
                class="btn small"
                onClick={() => {
                  setDraft(m().text);
                  setDraftTags(m().tags.join(", "));
                  setEditing(true);
                }}
              >
                Edit
              </button>
              <ConfirmButton
                label="Forget"
                title="Forget this memory?"
                message={<p>The agent will no longer find it. This cannot be undone.</p>}
                confirmLabel="Forget"
                danger
                onConfirm={async () => {
                  const r = await api.forgetMemory(props.projectId, m().id);
                  if (!r.ok) return r.error.message;
                  props.changed();
                  return null;
                }}
              />
            </>
          }
        >
          <button type="button" class="btn small primary" onClick={save}>
            Save
          </button>
          <button type="button" class="btn small" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </Show>
      </div>
    </li>
  );
}
