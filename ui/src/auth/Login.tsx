import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { Notice } from "../components/Notice.tsx";
import { AuthFrame } from "./AuthFrame.tsx";
import * as auth from "./auth-api.ts";
import { ACCOUNT_DISABLED, endedBecause, sessionError, signedIn } from "./auth-session.ts";
import { ssoErrorMessage } from "./sso-errors.ts";

/** Only same-site paths are followed after sign-in (no open redirect through ?next=). */
export const safeNext = (next: unknown) =>
  typeof next === "string" && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login")
    ? next
    : "/projects";

export default function Login() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [methods] = createResource(async () => {
    const res = await auth.methods();
    return res.ok ? res.value : { providers: [], local_sign_in: "everyone" as const };
  });
  const providers = () => methods()?.providers ?? [];
  // Password sign-in off for all but admins: the form hides behind a small "Admin sign-in" link.
  const [adminForm, setAdminForm] = createSignal(false);
  const showForm = () => methods.state === "ready" && (methods()?.local_sign_in !== "admins" || adminForm());
  const ssoError = () => (typeof params.error === "string" ? params.error : null);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    const res = await auth.login(
      String(form.get("username") ?? "").trim(),
      String(form.get("password") ?? ""),
    );
    setBusy(false);
    if (!res.ok) {
      const code = res.error.code;
      setError(
        code === "invalid_credentials" || code === "unauthorized"
          ? "Wrong user name or password."
          : code === "account_disabled"
            ? ACCOUNT_DISABLED
            : code === "local_sign_in_disabled"
              ? ssoErrorMessage(code)
              : res.error.message,
      );
      return;
    }
    signedIn(res.value);
    navigate(safeNext(params.next), { replace: true });
  };

  return (
    <AuthFrame title="Sign in">
      <Show when={ssoError()}>
        {(code) => (
          <div class="note error" role="alert" style={{ "margin-bottom": "0.9rem" }}>
            {ssoErrorMessage(code())} <span class="muted small">({code()})</span>
          </div>
        )}
      </Show>
      <Show when={providers().length > 0}>
        <div class="sso-buttons">
          <For each={providers()}>
            {(p) => (
              // rel=external: a full-page navigation to the server, not a route of this app.
              <a class="btn primary" rel="external" href={auth.ssoStartUrl(p.name, safeNext(params.next))}>
                Sign in with {p.display_name}
              </a>
            )}
          </For>
        </div>
        <Show when={showForm()}>
          <p class="sso-or muted small" aria-hidden="true">
            or with a password
          </p>
        </Show>
      </Show>
      <Show when={methods.state === "ready" && !showForm()}>
        <p class="muted small" style={{ margin: "0.9rem 0 0" }}>
          <button type="button" class="link-button" onClick={() => setAdminForm(true)}>
            Admin sign-in
          </button>
        </p>
      </Show>
      <Show when={showForm()}>
        <form onSubmit={submit} aria-describedby={error() ? "login-error" : undefined}>
          <Notice kind="error" when={!error() && endedBecause()}>
            {endedBecause()}
          </Notice>
          <Notice kind="warn" when={sessionError()}>
            The server could not be reached: {sessionError()}
          </Notice>
          <label class="field">
            <span>User name</span>
            <input
              name="username"
              autocomplete="username"
              autocapitalize="none"
              spellcheck={false}
              required
            />
          </label>
          <label class="field">
            <span>Password</span>
            <input name="password" type="password" autocomplete="current-password" required />
          </label>
          <Show when={error()}>
            <div id="login-error" class="note error" role="alert">
              {error()}
            </div>
          </Show>
          <button class={providers().length > 0 ? "btn" : "btn primary"} type="submit" disabled={busy()}>
            {busy() ? "Signing in…" : "Sign in"}
          </button>
          <p class="muted small" style={{ margin: 0 }}>
            Have an invite code? <A href="/signup">Create an account</A>
          </p>
          <details class="small muted">
            <summary>First time here?</summary>
            <p style={{ "margin-bottom": 0 }}>
              On its first start, octo creates an <b>admin</b> account and prints its password once in the
              terminal (or service log) where <code>octo serve</code> runs. Sign in with it, change the
              password on the Account page, then invite people from Admin → Invites.
            </p>
          </details>
        </form>
      </Show>
    </AuthFrame>
  );
}
