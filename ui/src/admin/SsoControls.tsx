import { createSignal, For, Show } from "solid-js";
import type { User } from "../../../src/protocol/api.ts";
import type { AuthMethods, LocalSignIn } from "../../../src/protocol/sso.ts";
import { Field } from "../components/Field.tsx";
import { Modal } from "../components/Modal.tsx";
import { Notice } from "../components/Notice.tsx";
import * as sso from "./sso-api.ts";
import "./sso.css";

/** Admin → Users: whether people other than admins may still sign in with a password. */
export function LocalSignInSetting(props: { methods: AuthMethods; onChanged: () => void }) {
  const [error, setError] = createSignal<string | null>(null);
  const change = async (value: LocalSignIn) => {
    setError(null);
    const res = await sso.setLocalSignIn(value);
    if (!res.ok) setError(res.error.message);
    props.onChanged();
  };
  return (
    <section class="card sso-setting" aria-label="Sign-in">
      <label class="field" style={{ margin: 0 }}>
        <span>Password sign-in</span>
        <select
          name="local_sign_in"
          value={props.methods.local_sign_in}
          onChange={(e) => void change(e.currentTarget.value as LocalSignIn)}
        >
          <option value="everyone">Everyone</option>
          <option value="admins">Admins only</option>
        </select>
      </label>
      <p class="muted small" style={{ margin: "0.4rem 0 0" }}>
        Single sign-on: {props.methods.providers.map((p) => p.display_name).join(", ")}. Admins can always
        sign in with their password, so an outage at the provider never locks you out.
      </p>
      <Notice kind="error" when={error()}>
        {error()}
      </Notice>
    </section>
  );
}

/** Link an existing account to a person's identity at a provider: the only way the two are joined. */
export function LinkIdentityDialog(props: {
  user: User | null;
  providers: AuthMethods["providers"];
  onClose: () => void;
  onLinked: () => void;
}) {
  const [error, setError] = createSignal<string | null>(null);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const user = props.user;
    if (!user) return;
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const subject = String(f.get("subject") ?? "").trim();
    if (!subject) return setError("enter the subject (sub) the provider gives this person");
    const res = await sso.linkIdentity(user.id, String(f.get("provider") ?? ""), subject);
    if (!res.ok) return setError(res.error.message);
    setError(null);
    props.onLinked();
    props.onClose();
  };
  return (
    <Modal
      open={props.user !== null}
      onOpenChange={(o) => {
        if (!o) {
          setError(null);
          props.onClose();
        }
      }}
      title={`Link ${props.user?.username ?? ""} to single sign-on`}
    >
      <form onSubmit={submit}>
        <label class="field">
          <span>Provider</span>
          <select name="provider">
            <For each={props.providers}>{(p) => <option value={p.name}>{p.display_name}</option>}</For>
          </select>
        </label>
        <Field
          label="Subject (sub)"
          hint="The provider's stable id for this person (its admin console shows it; so does octo's log of a refused sign-in). Never an e-mail."
          error={error()}
        >
          {(a) => <input name="subject" autocomplete="off" spellcheck={false} required {...a} />}
        </Field>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary">
            Link account
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** The providers a user is linked to, as badges. */
export function IdentityBadges(props: { providers: string[] }) {
  return (
    <Show when={props.providers.length > 0}>
      <For each={props.providers}>{(p) => <span class="badge">SSO: {p}</span>}</For>
    </Show>
  );
}
