import MessageSquarePlus from "lucide-solid/icons/message-square-plus";
import Pencil from "lucide-solid/icons/pencil";
import Search from "lucide-solid/icons/search";
import Trash2 from "lucide-solid/icons/trash";
import { createResource, createSignal, For, Show } from "solid-js";
import type { Session } from "../../../src/protocol/projects.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { relativeTime } from "../components/time.ts";
import { searchSessions } from "./chat-api.ts";
import { checkName, sessionLabel, snippetParts } from "./chat-sessions.ts";

/** The project's conversations: newest first, search over their text, rename and delete. */
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
}) {
  const [query, setQuery] = createSignal("");
  const [hits] = createResource(
    () => query().trim() || null,
    async (q) => {
      const r = await searchSessions(q, props.projectId);
      return r.ok ? { hits: r.value.hits, error: null } : { hits: [], error: r.error.message };
    },
  );
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
      <button type="button" class="btn primary new-session" onClick={props.onNew} disabled={props.creating}>
        <MessageSquarePlus size={16} aria-hidden="true" />
        {props.creating ? "Starting…" : "New conversation"}
      </button>
      <label class="search">
        <Search size={15} aria-hidden="true" />
        <span class="sr-only">Search conversations</span>
        <input
          type="search"
          placeholder="Search conversations"
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </label>
      <Show when={props.loadError}>
        <div class="note error small" role="alert">
          {props.loadError}
        </div>
      </Show>
      <Show
        when={!query().trim()}
        fallback={
          <ul class="session-items" aria-label="Search results">
            <Show when={hits()?.error}>
              <li class="note error small">{hits()?.error}</li>
            </Show>
            <Show when={hits() && hits()?.hits.length === 0 && !hits()?.error}>
              <li class="muted small pad">No matches.</li>
            </Show>
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
