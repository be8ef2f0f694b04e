import Plus from "lucide-solid/icons/plus";
import { createResource, createSignal, Show } from "solid-js";
import * as v from "valibot";
import { Password, type Role, type User, Username } from "../../../src/protocol/api.ts";
import * as auth from "../auth/auth-api.ts";
import { currentUser } from "../auth/auth-session.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { Field } from "../components/Field.tsx";
import { Modal } from "../components/Modal.tsx";
import { Notice } from "../components/Notice.tsx";
import { confirmed, ResourceList, ResourceRow } from "../components/ResourceList.tsx";
import { relativeTime } from "../components/time.ts";
import { usePageTitle } from "../shell/page-title.ts";
import { onShortcut } from "../shell/shortcuts.ts";
import { AdminNav } from "./AdminNav.tsx";
import * as admin from "./admin-api.ts";
import { IdentityBadges, LinkIdentityDialog, LocalSignInSetting } from "./SsoControls.tsx";
import * as sso from "./sso-api.ts";

export default function Users() {
  usePageTitle(() => "Users");
  const [users, { refetch }] = createResource(admin.listUsers);
  const [creating, setCreating] = createSignal(false);
  const [resetting, setResetting] = createSignal<User | null>(null);
  const [linking, setLinking] = createSignal<User | null>(null);
  const [methods, { refetch: refetchMethods }] = createResource(async () => {
    const res = await auth.methods();
    return res.ok ? res.value : null;
  });
  const [identities, { refetch: refetchIdentities }] = createResource(async () => {
    const res = await sso.listIdentities();
    return res.ok ? res.value.identities : [];
  });
  const providers = () => methods()?.providers ?? [];
  const linkedTo = (userId: string) =>
    (identities() ?? []).filter((i) => i.user_id === userId).map((i) => i.provider);
  const [rowError, setRowError] = createSignal<string | null>(null);
  onShortcut("new", () => setCreating(true));

  const refresh = () => {
    void refetch();
    void refetchIdentities();
  };
  // Enabling gives access back, so it needs no confirmation; disabling and deleting ask first.
  const enable = async (u: User) => {
    setRowError(null);
    const res = await admin.setUserDisabled(u.id, false);
    if (!res.ok) setRowError(`${u.username}: ${res.error.message}`);
    refresh();
  };

  return (
    <>
      <div class="page-head">
        <h1>Admin</h1>
        <span class="spacer" />
        <button type="button" class="btn primary" onClick={() => setCreating(true)} title="New user (n)">
          <Plus size={16} aria-hidden="true" /> New user
        </button>
      </div>
      <AdminNav />
      <Show when={methods() && providers().length > 0 ? methods() : null}>
        {(m) => <LocalSignInSetting methods={m()} onChanged={() => void refetchMethods()} />}
      </Show>
      <Notice kind="error" when={rowError()}>
        {rowError()}
      </Notice>
      <ResourceList label="Users" result={users()} items={(r) => r.users} style={{ margin: "0.75rem 0 0" }}>
        {(u) => (
          <ResourceRow
            data={{ "data-user": u.username }}
            title={
              <>
                {u.username} <span class="badge accent">{u.role}</span>{" "}
                <Show when={u.disabled}>
                  <span class="badge danger">disabled</span>
                </Show>
                <Show when={u.id === currentUser()?.id}>
                  <span class="badge">you</span>
                </Show>{" "}
                <IdentityBadges providers={linkedTo(u.id)} />
              </>
            }
            facts={<>joined {relativeTime(u.created_at)}</>}
          >
            <Show when={providers().length > 0}>
              <Show
                when={linkedTo(u.id).length > 0}
                fallback={
                  <button
                    type="button"
                    class="btn small"
                    aria-label={`Link ${u.username} to single sign-on`}
                    onClick={() => setLinking(u)}
                  >
                    Link SSO
                  </button>
                }
              >
                <ConfirmButton
                  label="Unlink SSO"
                  ariaLabel={`Unlink ${u.username} from single sign-on`}
                  title={`Unlink ${u.username} from single sign-on?`}
                  message="Their next single sign-on makes a new account instead of reaching this one. Sessions already open stay open."
                  confirmLabel="Unlink"
                  onConfirm={confirmed(() => sso.unlinkIdentity(u.id, linkedTo(u.id)[0] ?? ""), refresh)}
                />
              </Show>
            </Show>
            <Show when={u.id !== currentUser()?.id}>
              <Show
                when={u.disabled}
                fallback={
                  <ConfirmButton
                    label="Disable"
                    ariaLabel={`Disable ${u.username}`}
                    danger
                    title={`Disable ${u.username}?`}
                    message="They are signed out and cannot sign in or use their API keys until you enable the account again. Nothing is deleted."
                    confirmLabel="Disable user"
                    onConfirm={confirmed(() => admin.setUserDisabled(u.id, true), refresh)}
                  />
                }
              >
                <button type="button" class="btn small" onClick={() => enable(u)}>
                  Enable
                </button>
              </Show>
              <button type="button" class="btn small" onClick={() => setResetting(u)}>
                Reset password
              </button>
              <ConfirmButton
                label="Delete"
                ariaLabel={`Delete ${u.username}`}
                danger
                title={`Delete ${u.username}?`}
                message="Their account, API keys and session history are deleted. This cannot be undone."
                confirmLabel="Delete user"
                onConfirm={confirmed(() => admin.deleteUser(u.id), refresh)}
              />
            </Show>
          </ResourceRow>
        )}
      </ResourceList>
      <CreateUserDialog open={creating()} onOpenChange={setCreating} onCreated={refresh} />
      <ResetPasswordDialog user={resetting()} onClose={() => setResetting(null)} />
      <LinkIdentityDialog
        user={linking()}
        providers={providers()}
        onClose={() => setLinking(null)}
        onLinked={refresh}
      />
    </>
  );
}

function CreateUserDialog(props: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  onCreated: () => void;
}) {
  const [error, setError] = createSignal<string | null>(null);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const username = String(f.get("username") ?? "").trim();
    const password = String(f.get("password") ?? "");
    const role = (f.get("role") === "admin" ? "admin" : "user") as Role;
    const u = v.safeParse(Username, username);
    if (!u.success) return setError(u.issues[0]?.message ?? "invalid user name");
    const p = v.safeParse(Password, password);
    if (!p.success) return setError(p.issues[0]?.message ?? "invalid password");
    const res = await admin.createUser(username, password, role);
    if (!res.ok) return setError(res.error.message);
    setError(null);
    props.onCreated();
    props.onOpenChange(false);
  };
  return (
    <Modal open={props.open} onOpenChange={props.onOpenChange} title="New user">
      <form onSubmit={submit}>
        <Field label="User name" hint="Lowercase letters, digits, _ or -; starts with a letter.">
          {(a) => (
            <input
              name="username"
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              required
              {...a}
            />
          )}
        </Field>
        <Field
          label="Initial password"
          hint="Give it to them privately; they can change it on their Account page."
        >
          {(a) => (
            <input
              name="password"
              type="text"
              autocomplete="off"
              spellcheck={false}
              required
              minLength={8}
              {...a}
            />
          )}
        </Field>
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
          <button type="button" class="btn" onClick={() => props.onOpenChange(false)}>
            Cancel
          </button>
          <button type="submit" class="btn primary">
            Create user
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ResetPasswordDialog(props: { user: User | null; onClose: () => void }) {
  const [result, setResult] = createSignal<{ ok: boolean; text: string } | null>(null);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const user = props.user;
    if (!user) return;
    const password = String(new FormData(e.currentTarget as HTMLFormElement).get("password") ?? "");
    const p = v.safeParse(Password, password);
    if (!p.success) return setResult({ ok: false, text: p.issues[0]?.message ?? "invalid password" });
    const res = await admin.resetPassword(user.id, password);
    setResult(
      res.ok
        ? { ok: true, text: `New password set for ${user.username}.` }
        : { ok: false, text: res.error.message },
    );
  };
  return (
    <Modal
      open={props.user !== null}
      onOpenChange={(o) => {
        if (!o) {
          setResult(null);
          props.onClose();
        }
      }}
      title={`Reset password of ${props.user?.username ?? ""}`}
    >
      <form onSubmit={submit}>
        <label class="field">
          <span>New password</span>
          <input name="password" type="text" autocomplete="off" spellcheck={false} required minLength={8} />
        </label>
        <Show when={result()}>{(r) => <Notice kind={r().ok ? "ok" : "error"}>{r().text}</Notice>}</Show>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            Close
          </button>
          <button type="submit" class="btn primary">
            Set password
          </button>
        </div>
      </form>
    </Modal>
  );
}
