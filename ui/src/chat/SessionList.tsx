import { A } from "@solidjs/router";
import MessageSquarePlus from "lucide-solid/icons/message-square-plus";
import Pencil from "lucide-solid/icons/pencil";
import Search from "lucide-solid/icons/search";
import Trash2 from "lucide-solid/icons/trash";
import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import type { Session } from "../../../src/protocol/projects.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { relativeTime } from "../components/time.ts";
import { listMemories } from "../memory/memory-api.ts";
import { searchSessions } from "./chat-api.ts";
import { checkName, sessionLabel, snippetParts } from "./chat-sessions.ts";

/**
 * The project's conversations: newest first, rename and delete. Its one search box looks through
 * the conversations' text and the memories (this project's and the user's) at once, results
 * grouped by kind; a conversation opens in the chat, a memory in the Memory tab.
 */
export function SessionList(props: {
  projectId: string;
  sessions: Session[];
  loadError: string | null;
  selected: string | null;
  creating: boolean;
  onSelect: (id: string) => void;
  onNew: () => void;
  onRename: (id: string, name: string) => Promise<string | null>;
  onDelete: (id: string) => Promise<string | null>;
  /** A shared project (decision 0030): `read` hides new/rename/delete; search stays the owner's. */
  access?: { write: boolean; owner: boolean };
}) {
  const write = () => props.access?.write ?? true;
  const owner = () => props.access?.owner ?? true;
  const [query, setQuery] = createSignal("");
  // Typing settles before a search goes out: with vector search on, each new query is a model call.
  const [settled, setSettled] = createSignal("");
  let typing: ReturnType<typeof setTimeout> | undefined;
  const onType = (q: string) => {
    setQuery(q);
    clearTimeout(typing);
    typing = setTimeout(() => setSettled(q), 200);
  };
  onCleanup(() => clearTimeout(typing));
  const [hits] = createResource(
    () => settled().trim() || null,
    async (q) => {
      const [r, m] = await Promise.all([
        searchSessions(q, props.projectId),
        listMemories(props.projectId, q, null),
      ]);
      return {
        hits: r.ok ? r.value.hits : [],
        memories: m.ok ? m.value.memories.slice(0, 8) : [],
        error: !r.ok ? r.error.message : !m.ok ? m.error.message : null,
      };
    },
  );
  const nothing = () => {
    const h = hits();
    return h !== undefined && !h.error && h.hits.length === 0 && h.memories.length === 0;
  };
  const [editing, setEditing] = createSignal<string | null>(null);
  const [renameError, setRenameError] = createSignal<string | null>(null);

  const rename = async (id: string, input: string) => {
    const checked = checkName(input);
    if (!checked.ok) return setRenameError(checked.message);
    const err = await props.onRename(id, checked.name);
    if (err) setRenameError(err);
    else {
      setEditing(null);
      setRenameError(null);
    }
  };

  return (
    <nav class="session-list" aria-label="Conversations">
      <Show when={write()}>
        <button type="button" class="btn primary new-session" onClick={props.onNew} disabled={props.creating}>
          <MessageSquarePlus size={16} aria-hidden="true" />
          {props.creating ? "Starting…" : "New conversation"}
        </button>
      </Show>
      <Show when={owner()}>
        <label class="search">
          <Search size={15} aria-hidden="true" />
          <span class="sr-only">Search conversations and memories</span>
          <input
            type="search"
            placeholder="Search conversations and memories"
            value={query()}
            onInput={(e) => onType(e.currentTarget.value)}
          />
        </label>
      </Show>
      <Show when={props.loadError}>
        <div class="note error small" role="alert">
          {props.loadError}
        </div>
      </Show>
      <Show
        when={!query().trim()}
        fallback={
          <section class="search-results" aria-label="Search results">
            <Show when={hits()?.error}>
              <p class="note error small">{hits()?.error}</p>
            </Show>
            <Show when={nothing()}>
              <p class="muted small pad">No matches.</p>
            </Show>
            <Show when={(hits()?.hits.length ?? 0) > 0}>
              <h3 class="search-group" id="search-conversations">
                Conversations
              </h3>
            </Show>
            <ul class="session-items" aria-labelledby="search-conversations">
              <For each={hits()?.hits ?? []}>
                {(h) => (
                  <li>
                    <button type="button" class="session-item" onClick={() => props.onSelect(h.session_id)}>
                      <span class="title">
                        {sessionLabel(props.sessions.find((s) => s.id === h.session_id))}
                      </span>
                      <span class="snippet small muted">
                        <For each={snippetParts(h.snippet)}>
                          {(p) => (p.hit ? <mark>{p.text}</mark> : p.text)}
                        </For>
                      </span>
                    </button>
                  </li>
                )}
              </For>
            </ul>
            <Show when={(hits()?.memories.length ?? 0) > 0}>
              <h3 class="search-group" id="search-memories">
                Memories
              </h3>
              <ul class="session-items" aria-labelledby="search-memories">
                <For each={hits()?.memories ?? []}>
                  {(m) => (
                    <li>
                      <A
                        class="session-item memory-hit"
                        href={`/projects/${props.projectId}/memory?memory=${m.id}`}
                      >
                        <span class="title">{m.text}</span>
                        <span class="small muted">
                          {m.scope === "user" ? "all projects" : "this project"}
                          {m.tags.length > 0 ? ` · ${m.tags.map((t) => `#${t}`).join(" ")}` : ""}
                        </span>
                      </A>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </section>
        }
      >
        <ul class="session-items">
          <Show when={props.sessions.length === 0 && !props.loadError}>
            <li class="muted small pad">No conversations yet.</li>
          </Show>
          <For each={props.sessions}>
            {(s) => (
              <li class="session-row" aria-current={props.selected === s.id ? "page" : undefined}>
                <Show
                  when={editing() === s.id}
                  fallback={
                    <>
                      <button type="button" class="session-item" onClick={() => props.onSelect(s.id)}>
                        <span class="title">{sessionLabel(s)}</span>
                        <span class="small muted">{relativeTime(s.updated_at)}</span>
                      </button>
                      <Show when={write()}>
                        <span class="session-actions">
                          <button
                            type="button"
                            class="btn ghost icon small"
                            aria-label={`Rename ${sessionLabel(s)}`}
                            onClick={() => {
                              setRenameError(null);
                              setEditing(s.id);
                            }}
                          >
                            <Pencil size={14} />
                          </button>
                          <ConfirmButton
                            class="btn ghost icon small"
                            ariaLabel={`Delete ${sessionLabel(s)}`}
                            label={<Trash2 size={14} />}
                            title="Delete this conversation?"
                            message={
                              <>
                                “{sessionLabel(s)}” and its history are deleted. The project's files stay as
                                they are.
                              </>
                            }
                            confirmLabel="Delete"
                            danger
                            onConfirm={() => props.onDelete(s.id)}
                          />
                        </span>
                      </Show>
                    </>
                  }
                >
                  <form
                    class="rename"
                    onSubmit={(e) => {
                      e.preventDefault();
                      const input = e.currentTarget.elements.namedItem("name") as HTMLInputElement;
                      void rename(s.id, input.value);
                    }}
                  >
                    <input
                      class="rename-input"
                      name="name"
                      aria-label="Conversation name"
                      value={s.title}
                      ref={(el) => queueMicrotask(() => el.select())}
                      onKeyDown={(e) => e.key === "Escape" && setEditing(null)}
                    />
                    <button type="submit" class="btn small primary">
                      Save
                    </button>
                    <Show when={renameError()}>
                      <span class="error-text small" role="alert">
                        {renameError()}
                      </span>
                    </Show>
                  </form>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </nav>
  );
}
