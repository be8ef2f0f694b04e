import ListOrdered from "lucide-solid/icons/list-ordered";
import { createSignal, For, Show } from "solid-js";
import type { QueuedItem } from "../../../src/protocol/agent.ts";
import { type ChatQueue, queuedItems } from "./chat-state.ts";

export type QueueAction =
  | { kind: "remove"; client_id: string }
  | { kind: "edit"; client_id: string; text: string }
  | { kind: "send_now"; client_id: string };

/**
 * Messages waiting for the agent. Follow-ups wait in octo's runner, so each can be removed, edited or
 * sent now (as steering); steering is already with the agent and is shown as such. Stop clears them all.
 */
export function QueueList(props: { queue: ChatQueue; onAction: (a: QueueAction) => Promise<string | null> }) {
  const [editing, setEditing] = createSignal<string | null>(null);
  const [draft, setDraft] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const act = async (a: QueueAction) => {
    setError(null);
    const err = await props.onAction(a);
    if (err) setError(err);
    else if (a.kind === "edit") setEditing(null);
  };
  const items = () => queuedItems(props.queue);

  return (
    <Show when={items().length > 0}>
      <section class="queue" aria-label="Queued messages">
        <div class="small muted row">
          <ListOrdered size={14} aria-hidden="true" /> Waiting for the agent
        </div>
        <ol>
          <For each={items()}>
            {(q: QueuedItem | { kind: QueuedItem["kind"]; text: string; client_id?: undefined }) => (
              <li data-kind={q.kind}>
                <span class="badge">{q.kind === "steer" ? "after this step" : "when done"}</span>
                <Show
                  when={q.client_id && editing() === q.client_id}
                  fallback={<span class="queue-text">{q.text}</span>}
                >
                  <form
                    class="queue-edit"
                    onSubmit={(e) => {
                      e.preventDefault();
                      const text = draft().trim();
                      if (text && q.client_id) void act({ kind: "edit", client_id: q.client_id, text });
                    }}
                  >
                    <label class="sr-only" for={`queue-edit-${q.client_id}`}>
                      Queued message
                    </label>
                    <input
                      id={`queue-edit-${q.client_id}`}
                      value={draft()}
                      onInput={(e) => setDraft(e.currentTarget.value)}
                      onKeyDown={(e) => e.key === "Escape" && setEditing(null)}
                    />
                    <button type="submit" class="btn small primary" disabled={!draft().trim()}>
                      Save
                    </button>
                    <button type="button" class="btn small ghost" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </form>
                </Show>
                <Show when={q.kind === "follow_up" && q.client_id && editing() !== q.client_id}>
                  <span class="queue-actions">
                    <button
                      type="button"
                      class="btn ghost small"
                      title="Deliver it now, after the current step"
                      onClick={() => void act({ kind: "send_now", client_id: q.client_id as string })}
                    >
                      Send now
                    </button>
                    <button
                      type="button"
                      class="btn ghost small"
                      onClick={() => {
                        setDraft(q.text);
                        setEditing(q.client_id as string);
                      }}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      class="btn ghost small"
                      onClick={() => void act({ kind: "remove", client_id: q.client_id as string })}
                    >
                      Remove
                    </button>
                  </span>
                </Show>
              </li>
            )}
          </For>
        </ol>
        <Show when={error()}>
          <div class="small error-text" role="alert">
            {error()}
          </div>
        </Show>
      </section>
    </Show>
  );
}
