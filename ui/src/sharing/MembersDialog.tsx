import Users from "lucide-solid/icons/users";
import { createResource, createSignal, For, Show } from "solid-js";
import { Field } from "../components/Field.tsx";
import { Modal } from "../components/Modal.tsx";
import { Notice } from "../components/Notice.tsx";
import * as members from "./members-api.ts";

/**
 * The owner's "Members" dialog (project settings): invite by user name with a role and the
 * terminal grant, change a role, take the grant, remove someone. Every change is at once on the
 * server; a removed member's open views end there and then.
 */
export function MembersDialog(props: { projectId: string }) {
  const [open, setOpen] = createSignal(false);
  const [list, { refetch }] = createResource(
    () => (open() ? props.projectId : null),
    (id) => members.listMembers(id),
  );
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const run = async (work: () => Promise<{ ok: boolean; error?: { message: string } }>) => {
    setBusy(true);
    setError(null);
    const r = await work();
    setBusy(false);
    if (!r.ok) setError(r.error?.message ?? "failed");
    void refetch();
    return r.ok;
  };
  const invite = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const done = await run(() =>
      members.inviteMember(
        props.projectId,
        String(f.get("username") ?? "").trim(),
        String(f.get("role") ?? "viewer"),
        f.get("terminal") === "on",
      ),
    );
    if (done) form.reset();
  };

  return (
    <>
      <button type="button" class="btn" onClick={() => setOpen(true)}>
        <Users size={16} aria-hidden="true" /> Members…
      </button>
      <Modal
        open={open()}
        onOpenChange={setOpen}
        title="Members"
        description="People you share this project with. Viewers read its conversations and files; editors also chat and edit files."
      >
        <form class="stack" onSubmit={invite} aria-label="Invite a member">
          <Field label="User name">
            {(a) => <input name="username" autocomplete="off" required placeholder="e.g. ana" {...a} />}
          </Field>
          <div class="row wrap">
            <label class="field">
              <span>Role</span>
              <select name="role" aria-label="Role">
                <option value="viewer">Viewer</option>
                <option value="editor">Editor</option>
              </select>
            </label>
            <label class="check">
              <input type="checkbox" name="terminal" /> Terminal in my sandbox
            </label>
            <span class="spacer" />
            <button type="submit" class="btn primary" disabled={busy()}>
              Invite
            </button>
          </div>
        </form>
        <Notice kind="error" when={error()}>
          {error()}
        </Notice>
        <Show when={list()?.ok && list()} fallback={<p class="muted small">Loading members…</p>}>
          {(r) => {
            const rows = () => (r() as { ok: true; value: { members: members.Member[] } }).value.members;
            return (
              <Show
                when={rows().length > 0}
                fallback={<p class="muted small">Not shared with anyone yet.</p>}
              >
                <ul class="member-list" aria-label="Members">
                  <For each={rows()}>
                    {(m) => (
                      <li class="member-row">
                        <strong>{m.username}</strong>
                        <select
                          aria-label={`Role of ${m.username}`}
                          value={m.role}
                          disabled={busy()}
                          onChange={(e) =>
                            void run(() =>
                              members.changeMember(props.projectId, m.user_id, {
                                role: e.currentTarget.value,
                              }),
                            )
                          }
                        >
                          <option value="viewer">Viewer</option>
                          <option value="editor">Editor</option>
                        </select>
                        <label class="check small">
                          <input
                            type="checkbox"
                            aria-label={`Terminal for ${m.username}`}
                            checked={m.terminal}
                            disabled={busy()}
                            onChange={(e) =>
                              void run(() =>
                                members.changeMember(props.projectId, m.user_id, {
                                  terminal: e.currentTarget.checked,
                                }),
                              )
                            }
                          />{" "}
                          Terminal
                        </label>
                        <button
                          type="button"
                          class="btn small danger"
                          disabled={busy()}
                          onClick={() => void run(() => members.removeMember(props.projectId, m.user_id))}
                        >
                          Remove
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            );
          }}
        </Show>
      </Modal>
    </>
  );
}
