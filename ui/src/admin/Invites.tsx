import Plus from "lucide-solid/icons/plus";
import { createResource, createSignal, For, Show } from "solid-js";
import type { Invite } from "../../../src/protocol/api.ts";
import { session } from "../auth/auth-session.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { Modal } from "../components/Modal.tsx";
import { Notice } from "../components/Notice.tsx";
import { confirmed, ResourceList, ResourceRow } from "../components/ResourceList.tsx";
import { relativeTime } from "../components/time.ts";
import { usePageTitle } from "../shell/page-title.ts";
import { onShortcut } from "../shell/shortcuts.ts";
import { AdminNav } from "./AdminNav.tsx";
import * as admin from "./admin-api.ts";
import { EXPIRY_CHOICES, inviteLink, inviteStatus, isolationNote, parseInviteForm } from "./invite-rules.ts";

const link = (code: string) => inviteLink(location.origin, code);
const STATUS_BADGE = { usable: "ok", revoked: "danger", expired: "", "used up": "" } as const;

export default function Invites() {
  usePageTitle(() => "Invites");
  const [invites, { refetch }] = createResource(admin.listInvites);
  const [open, setOpen] = createSignal(false);
  const [created, setCreated] = createSignal<Invite | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const openCreate = () => {
    setCreated(null);
    setError(null);
    setOpen(true);
  };
  onShortcut("new", openCreate);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const parsed = parseInviteForm({
      max_uses: String(f.get("max_uses") ?? ""),
      expiry: String(f.get("expiry") ?? ""),
      note: String(f.get("note") ?? ""),
      role: String(f.get("role") ?? "user"),
    });
    if (!parsed.ok) return setError(parsed.error);
    const res = await admin.createInvite(parsed.value);
    if (!res.ok) return setError(res.error.message);
    setCreated(res.value.invite);
    void refetch();
  };

  return (
    <>
      <div class="page-head">
        <h1>Admin</h1>
        <span class="spacer" />
        <button type="button" class="btn primary" onClick={openCreate} title="New invite (n)">
          <Plus size={16} aria-hidden="true" /> New invite
        </button>
      </div>
      <AdminNav />
      <ResourceList
        label="Invites"
        result={invites()}
        items={(r) => r.invites}
        style={{ margin: "0.75rem 0 0" }}
        empty={
          <div class="empty">
            <p>No invites yet. Create one and send its link to the person you want to invite.</p>
          </div>
        }
      >
        {(inv) => {
          const status = () => inviteStatus(inv);
          return (
            <ResourceRow
              data={{ "data-invite": inv.code }}
              title={
                <>
                  {inv.note || <span class="muted">No note</span>}{" "}
                  <span class={`badge ${STATUS_BADGE[status()]}`}>{status()}</span>{" "}
                  <Show when={inv.role === "admin"}>
                    <span class="badge accent">admin</span>
                  </Show>
                </>
              }
              facts={
                <>
                  <code>{inv.code}</code> · used {inv.uses} of {inv.max_uses} ·{" "}
                  {inv.expires_at === null
                    ? "never expires"
                    : `${inv.expires_at > Date.now() ? "expires" : "expired"} ${relativeTime(inv.expires_at)}`}{" "}
                  · created {relativeTime(inv.created_at)}
                </>
              }
            >
              <Show when={status() === "usable"}>
                <CopyButton text={link(inv.code)} label={`Copy invite link ${inv.note || inv.code}`} />
                <ConfirmButton
                  label="Revoke"
                  ariaLabel={`Revoke invite ${inv.note || inv.code}`}
                  danger
                  title="Revoke invite?"
                  message="Nobody can sign up with this code any more. Accounts already created stay."
                  confirmLabel="Revoke invite"
                  onConfirm={confirmed(
                    () => admin.revokeInvite(inv.code),
                    () => void refetch(),
                  )}
                />
              </Show>
            </ResourceRow>
          );
        }}
      </ResourceList>

      <Modal open={open()} onOpenChange={setOpen} title={created() ? "Invite created" : "New invite"}>
        <Show
          when={created()}
          fallback={
            <form onSubmit={submit}>
              <p class="muted small" data-testid="invite-isolation">
                {isolationNote(session()?.mode)}
              </p>
              <label class="field">
                <span>Note</span>
                <input name="note" maxLength={200} placeholder="Who is it for? e.g. Dana (design)" />
              </label>
              <div class="row" style={{ "align-items": "start" }}>
                <label class="field" style={{ flex: 1 }}>
                  <span>Uses</span>
                  <input name="max_uses" type="number" min={1} max={10000} value={1} inputMode="numeric" />
                </label>
                <label class="field" style={{ flex: 1 }}>
                  <span>Expires after</span>
                  <select name="expiry">
                    <For each={EXPIRY_CHOICES}>
                      {(c) => <option selected={c.label === "7 days"}>{c.label}</option>}
                    </For>
                  </select>
                </label>
              </div>
              <label class="field">
                <span>Role</span>
                <select name="role">
                  <option value="user">User</option>
                  <option value="admin">Admin</option>
                </select>
              </label>
              <Notice kind="error" when={error()}>
                {error()}
              </Notice>
              <div class="dialog-actions">
                <button type="button" class="btn" onClick={() => setOpen(false)}>
                  Cancel
                </button>
                <button type="submit" class="btn primary">
                  Create invite
                </button>
              </div>
            </form>
          }
        >
          {(inv) => (
            <div class="stack">
              <p style={{ margin: 0 }}>
                Send this link to the person you invite. It opens the sign-up page with the code filled in.
              </p>
              <div class="secret">
                <code data-testid="invite-link">{link(inv().code)}</code>
                <CopyButton text={link(inv().code)} label="Copy invite link" />
              </div>
              <div class="dialog-actions">
                <button type="button" class="btn primary" onClick={() => setOpen(false)}>
                  Done
                </button>
              </div>
            </div>
          )}
        </Show>
      </Modal>
    </>
  );
}
