import Users from "lucide-solid/icons/users";
import X from "lucide-solid/icons/x";
import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import type { ShareInfo } from "../../../src/protocol/shares.ts";
import { Modal } from "../components/Modal.tsx";
import { addShare, findUsers, listShares, removeShare } from "./shares-api.ts";
import "./sharing.css";

/**
 * The owner's Share dialog of a conversation: share it read-only with people of this server (picked
 * by name) or with everyone signed in here, and see or remove the shares. A removed share ends at once,
 * also for someone watching it right now.
 */
export function ShareDialog(props: { sessionId: string; open: boolean; onOpenChange: (o: boolean) => void }) {
  const [shares, { refetch }] = createResource(
    () => (props.open ? props.sessionId : null),
    async (id) => {
      const r = await listShares(id);
      return r.ok ? r.value.shares : [];
    },
  );
  const [query, setQuery] = createSignal("");
  const [matches, setMatches] = createSignal<string[]>([]);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  let abort: AbortController | undefined;
  onCleanup(() => abort?.abort());

  const search = async (q: string) => {
    setQuery(q);
    abort?.abort();
    if (!q.trim()) return setMatches([]);
    abort = new AbortController();
    const r = await findUsers(q.trim(), abort.signal);
    if (r.ok) setMatches(r.value.users.map((u) => u.username));
  };

  const act = async (run: () => Promise<{ ok: boolean; error?: { message: string } }>) => {
    setBusy(true);
    setError(null);
    const r = await run();
    setBusy(false);
    if (!r.ok) setError(r.error?.message ?? "failed");
    else {
      setQuery("");
      setMatches([]);
      void refetch();
    }
  };
  const shareWith = (username: string) => act(() => addShare(props.sessionId, { username }));
  const everyone = () => (shares() ?? []).some((s) => s.kind === "everyone");
  const label = (s: ShareInfo) => (s.kind === "everyone" ? "Everyone signed in here" : (s.username ?? ""));

  return (
    <Modal
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Share conversation"
      description="People you share with can read it and follow it live, and copy it into a project of their own. They cannot write in it or see the project's files."
    >
      <form
        class="stack share-form"
        onSubmit={(e) => {
          e.preventDefault();
          const name = matches().find((m) => m === query().trim()) ?? matches()[0];
          if (name) void shareWith(name);
        }}
      >
        <label class="field">
          <span>Share with</span>
          <input
            type="search"
            name="share-user"
            placeholder="Search people by name"
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
            value={query()}
            onInput={(e) => void search(e.currentTarget.value)}
          />
        </label>
        <Show when={matches().length > 0}>
          <ul class="share-matches" aria-label="People">
            <For each={matches()}>
              {(name) => (
                <li>
                  <button
                    type="button"
                    class="btn small"
                    disabled={busy()}
                    onClick={() => void shareWith(name)}
                  >
                    Share with {name}
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={query().trim() && matches().length === 0}>
          <p class="muted small">No one by that name.</p>
        </Show>
        <Show when={!everyone()}>
          <button
            type="button"
            class="btn"
            disabled={busy()}
            onClick={() => void act(() => addShare(props.sessionId, { everyone: true }))}
          >
            <Users size={16} aria-hidden="true" /> Share with everyone signed in here
          </button>
        </Show>
      </form>
      <Show when={error()}>
        <div class="note error small" role="alert">
          {error()}
        </div>
      </Show>
      <h3 class="share-heading">Shared with</h3>
      <Show when={(shares() ?? []).length > 0} fallback={<p class="muted small">Not shared with anyone.</p>}>
        <ul class="share-list" aria-label="Shared with">
          <For each={shares()}>
            {(s) => (
              <li class="row">
                <span>{label(s)}</span>
                <span class="spacer" />
                <button
                  type="button"
                  class="btn ghost small"
                  aria-label={`Stop sharing with ${label(s)}`}
                  disabled={busy()}
                  onClick={() =>
                    void act(() =>
                      removeShare(props.sessionId, s.kind === "everyone" ? "everyone" : (s.username ?? "")),
                    )
                  }
                >
                  <X size={15} aria-hidden="true" /> Remove
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </Modal>
  );
}
