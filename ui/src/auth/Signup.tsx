import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import * as v from "valibot";
import { Password, Username } from "../../../src/protocol/api.ts";
import { Field } from "../components/Field.tsx";
import { AuthFrame } from "./AuthFrame.tsx";
import * as auth from "./auth-api.ts";
import { signedIn } from "./auth-session.ts";

type FieldName = "code" | "username" | "password" | "confirm";

const INVITE_ERRORS: Record<string, string> = {
  invite_invalid: "This invite code is not valid any more (expired, revoked or used up). Ask for a new one.",
  username_taken: "That user name is taken. Pick another.",
};

export default function Signup() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [errors, setErrors] = createSignal<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const initialCode = () => (typeof params.code === "string" ? params.code : "");

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const code = String(form.get("code") ?? "").trim();
    const username = String(form.get("username") ?? "").trim();
    const password = String(form.get("password") ?? "");
    const confirm = String(form.get("confirm") ?? "");
    // The same contracts the server checks, so people see the rule before a round trip.
    const found: Partial<Record<FieldName, string>> = {};
    if (!code) found.code = "Enter the invite code you were given.";
    const u = v.safeParse(Username, username);
    if (!u.success) found.username = u.issues[0]?.message;
    const p = v.safeParse(Password, password);
    if (!p.success) found.password = p.issues[0]?.message;
    else if (password !== confirm) found.confirm = "The two passwords differ.";
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const res = await auth.signup(code, username, password);
    setBusy(false);
    if (!res.ok) {
      if (res.error.code === "username_taken") setErrors({ username: INVITE_ERRORS.username_taken });
      else setFormError(INVITE_ERRORS[res.error.code] ?? res.error.message);
      return;
    }
    signedIn(res.value);
    navigate("/projects", { replace: true });
  };

  const err = (f: FieldName) => errors()[f];
  return (
    <AuthFrame title="Create your account">
      <form onSubmit={submit} novalidate>
        <Field label="Invite code" error={err("code")}>
          {(a) => <input name="code" value={initialCode()} autocomplete="off" spellcheck={false} {...a} />}
        </Field>
        <Field
          label="User name"
          hint="Lowercase letters, digits, _ or -; starts with a letter."
          error={err("username")}
        >
          {(a) => (
            <input name="username" autocomplete="username" autocapitalize="none" spellcheck={false} {...a} />
          )}
        </Field>
        <Field label="Password" hint="At least 8 characters." error={err("password")}>
          {(a) => <input name="password" type="password" autocomplete="new-password" {...a} />}
        </Field>
        <Field label="Repeat password" error={err("confirm")}>
          {(a) => <input name="confirm" type="password" autocomplete="new-password" {...a} />}
        </Field>
        <Show when={formError()}>
          <div class="note error" role="alert">
            {formError()}
          </div>
        </Show>
        <button class="btn primary" type="submit" disabled={busy()}>
          {busy() ? "Creating account…" : "Create account"}
        </button>
        <p class="muted small" style={{ margin: 0 }}>
          Already have an account? <A href="/login">Sign in</A>
        </p>
      </form>
    </AuthFrame>
  );
}
