import KeyRound from "lucide-solid/icons/key-round";
import Plus from "lucide-solid/icons/plus";
import { createResource, createSignal, Show } from "solid-js";
import * as v from "valibot";
import { Password } from "../../../src/protocol/api.ts";
import { ssoOfAccount } from "../auth/auth-api.ts";
import { currentUser, session } from "../auth/auth-session.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { Field } from "../components/Field.tsx";
import { Modal } from "../components/Modal.tsx";
import { Notice } from "../components/Notice.tsx";
import { confirmed, ResourceList, ResourceRow } from "../components/ResourceList.tsx";
import { relativeTime } from "../components/time.ts";
import { NotificationSettings } from "../notifications/NotificationSettings.tsx";
import { usePageTitle } from "../shell/page-title.ts";
import { onShortcut } from "../shell/shortcuts.ts";
import { MyUsage } from "../usage/MyUsage.tsx";
import * as account from "./account-api.ts";
import { GitSettings } from "./GitSettings.tsx";

export default function Account() {
  usePageTitle(() => "Account");
  const [sso] = createResource(async () => {
    const res = await ssoOfAccount();
    return res.ok ? res.value : null;
  });
  const ssoNames = () => (sso()?.providers ?? []).map((p) => p.display_name).join(", ");
  return (
    <>
      <div class="page-head">
        <h1>Account</h1>
      </div>
      <div class="stack" style={{ gap: "1.25rem" }}>
        <section class="card" aria-labelledby="me-h">
          <h2 id="me-h">You</h2>
          <p style={{ margin: 0 }}>
            <b>{currentUser()?.username}</b> <span class="badge accent">{currentUser()?.role}</span>{" "}
            <span class="muted small">· {session()?.mode} server</span>
          </p>
          <Show when={ssoNames()}>
            <p class="muted small" style={{ margin: "0.4rem 0 0" }}>
              You sign in with {ssoNames()}.{sso()?.has_password ? "" : " This account has no password here."}
            </p>
          </Show>
        </section>
        <NotificationSettings />
        <MyUsage />
        <Show when={sso()?.has_password !== false}>
          <PasswordForm />
        </Show>
        <ApiKeys />
        <GitSettings />
      </div>
    </>
  );
}

function PasswordForm() {
  const [result, setResult] = createSignal<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    const current = String(form.get("current") ?? "");
    const next = String(form.get("next") ?? "");
    const checked = v.safeParse(Password, next);
    if (!checked.success)
      return setResult({ ok: false, text: checked.issues[0]?.message ?? "invalid password" });
    if (next !== form.get("confirm")) return setResult({ ok: false, text: "The two new passwords differ." });
    setBusy(true);
    const res = await account.changePassword(current, next);
    setBusy(false);
    if (!res.ok) {
      const text =
        res.error.code === "wrong_password" || res.error.code === "invalid_credentials"
          ? "The current password is wrong."
          : res.error.message;
      return setResult({ ok: false, text });
    }
    formEl.reset();
    setResult({ ok: true, text: "Password changed." });
  };
  return (
    <section class="card" aria-labelledby="pw-h">
      <h2 id="pw-h">Change password</h2>
      <form class="stack" onSubmit={submit} style={{ "max-width": "360px" }}>
        {/* Lets password managers file the new password under the right account. */}
        <input
          class="sr-only"
          type="text"
          name="username"
          autocomplete="username"
          value={currentUser()?.username ?? ""}
          readOnly
          tabIndex={-1}
          aria-hidden="true"
        />
        <label class="field">
          <span>Current password</span>
          <input name="current" type="password" autocomplete="current-password" required />
        </label>
        <Field label="New password" hint="At least 8 characters.">
          {(a) => (
            <input name="next" type="password" autocomplete="new-password" required minLength={8} {...a} />
          )}
        </Field>
        <label class="field">
          <span>Repeat new password</span>
          <input name="confirm" type="password" autocomplete="new-password" required />
        </label>
        <Show when={result()}>{(r) => <Notice kind={r().ok ? "ok" : "error"}>{r().text}</Notice>}</Show>
        <div>
          <button class="btn primary" type="submit" disabled={busy()}>
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}

function ApiKeys() {
  const [keys, { refetch }] = createResource(account.listKeys);
  const [open, setOpen] = createSignal(false);
  const [secret, setSecret] = createSignal<{ name: string; secret: string } | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  onShortcut("new", () => openCreate());

  const openCreate = () => {
    setSecret(null);
    setError(null);
    setOpen(true);
  };
  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget as HTMLFormElement).get("name") ?? "").trim();
    if (!name) return setError("Give the key a name, e.g. the script or machine that uses it.");
    const res = await account.createKey(name);
    if (!res.ok) return setError(res.error.message);
    setSecret({ name, secret: res.value.secret });
    void refetch();
  };

  return (
    <section class="card" aria-labelledby="keys-h">
      <div class="row" style={{ "margin-bottom": "0.5rem" }}>
        <h2 id="keys-h" style={{ margin: 0 }}>
          API keys
        </h2>
        <span class="spacer" />
        <button type="button" class="btn small" onClick={openCreate} title="New API key (n)">
          <Plus size={15} aria-hidden="true" /> New key
        </button>
      </div>
      <p class="muted small">
        For scripts and <code>octoctl --url</code>: send <code>Authorization: Bearer &lt;key&gt;</code>.
      </p>
      <ResourceList
        label="API keys"
        result={keys()}
        items={(r) => r.keys}
        empty={<p class="muted">No API keys yet.</p>}
      >
        {(k) => (
          <ResourceRow
            icon={<KeyRound size={18} aria-hidden="true" />}
            title={k.name}
            facts={
              <>
                <code>{k.prefix}…</code> · created {relativeTime(k.created_at)} ·{" "}
                {k.last_used_at ? `used ${relativeTime(k.last_used_at)}` : "never used"}
              </>
            }
          >
            <ConfirmButton
              label="Revoke"
              ariaLabel={`Revoke key ${k.name}`}
              danger
              title="Revoke API key?"
              message={
                <>
                  Scripts using <b>{k.name}</b> stop working at once.
                </>
              }
              confirmLabel="Revoke key"
              onConfirm={confirmed(
                () => account.revokeKey(k.id),
                () => void refetch(),
              )}
            />
          </ResourceRow>
        )}
      </ResourceList>

      <Modal open={open()} onOpenChange={setOpen} title={secret() ? "Your new API key" : "New API key"}>
        <Show
          when={secret()}
          fallback={
            <form onSubmit={create}>
              <label class="field">
                <span>Name</span>
                <input name="name" maxLength={64} placeholder="e.g. laptop octoctl" required />
              </label>
              <Notice kind="error" when={error()}>
                {error()}
              </Notice>
              <div class="dialog-actions">
                <button type="button" class="btn" onClick={() => setOpen(false)}>
                  Cancel
                </button>
                <button type="submit" class="btn primary">
                  Create key
                </button>
              </div>
            </form>
          }
        >
          {(s) => (
            <div class="stack">
              <Notice kind="warn">
                Copy it now: this is the only time octo shows the secret of “{s().name}”.
              </Notice>
              <div class="secret" data-testid="api-key-secret">
                <code>{s().secret}</code>
                <CopyButton text={s().secret} label="Copy API key" />
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
    </section>
  );
}
