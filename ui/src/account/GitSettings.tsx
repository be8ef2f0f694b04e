import Plus from "lucide-solid/icons/plus";
import ServerCog from "lucide-solid/icons/server-cog";
import { createResource, createSignal, Show } from "solid-js";
import { currentUser } from "../auth/auth-session.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { Field } from "../components/Field.tsx";
import { Notice } from "../components/Notice.tsx";
import { confirmed, ResourceList, ResourceRow } from "../components/ResourceList.tsx";
import { relativeTime } from "../components/time.ts";
import * as git from "../review/git-api.ts";

/** Commit e-mail and a token per git host. Tokens are write-only: the server never shows them again. */
export function GitSettings() {
  const [creds, { refetch }] = createResource(git.listCredentials);
  const [email, setEmail] = createSignal<string | null>(null);
  const [emailResult, setEmailResult] = createSignal<{ ok: boolean; text: string } | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal<string | null>(null);
  const shownEmail = () => email() ?? currentUser()?.email ?? "";

  const saveEmail = async (e: SubmitEvent) => {
    e.preventDefault();
    const r = await git.setEmail(shownEmail().trim());
    setEmailResult(r.ok ? { ok: true, text: "Saved." } : { ok: false, text: r.error.message });
  };
  const add = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const host = String(f.get("host") ?? "").trim();
    const username = String(f.get("username") ?? "").trim();
    const token = String(f.get("token") ?? "").trim();
    setSaved(null);
    if (!host || !token) return setError("Give the host (e.g. github.com) and a token.");
    const r = await git.putCredential({ host, token, ...(username ? { username } : {}) });
    if (!r.ok) return setError(r.error.message);
    setError(null);
    setSaved(`Token for ${r.value.credential.host} saved.`);
    form.reset();
    void refetch();
  };

  return (
    <section class="card" aria-labelledby="git-creds-h">
      <h2 id="git-creds-h">Git</h2>
      <form
        class="row"
        style={{ gap: "0.5rem", "flex-wrap": "wrap", "align-items": "end" }}
        onSubmit={saveEmail}
      >
        <Field label="Commit e-mail" hint={`Empty: ${currentUser()?.username ?? "you"}@users.octo`}>
          {(a) => (
            <input
              type="email"
              name="email"
              autocomplete="email"
              value={shownEmail()}
              onInput={(e) => setEmail(e.currentTarget.value)}
              {...a}
            />
          )}
        </Field>
        <button type="submit" class="btn small">
          Save e-mail
        </button>
      </form>
      <Show when={emailResult()}>{(r) => <Notice kind={r().ok ? "ok" : "error"}>{r().text}</Notice>}</Show>
      <h3 id="git-tokens-h">Git credentials</h3>
      <p class="muted small">
        A token per host, used when you push, pull or clone from a project. Kept on the server; agents and
        sandboxes never see it, and it is never shown again.
      </p>
      <ResourceList
        label="Git credentials"
        result={creds()}
        items={(r) => r.credentials}
        empty={<p class="muted">No git credentials yet.</p>}
      >
        {(c) => (
          <ResourceRow
            icon={<ServerCog size={18} aria-hidden="true" />}
            title={c.host}
            facts={
              <>
                as <code>{c.username}</code> · saved {relativeTime(c.updated_at)}
              </>
            }
          >
            <ConfirmButton
              label="Remove"
              ariaLabel={`Remove the token for ${c.host}`}
              danger
              title="Remove git credential?"
              message={
                <>
                  Pushing to and pulling from <b>{c.host}</b> will need a new token.
                </>
              }
              confirmLabel="Remove"
              onConfirm={confirmed(
                () => git.removeCredential(c.host),
                () => void refetch(),
              )}
            />
          </ResourceRow>
        )}
      </ResourceList>
      <form
        class="stack git-cred-form"
        onSubmit={add}
        style={{ "max-width": "420px", "margin-top": "0.75rem" }}
      >
        <Field label="Host" hint="As in the remote's URL, e.g. github.com or git.example.com:8443">
          {(a) => <input name="host" autocomplete="off" placeholder="github.com" {...a} />}
        </Field>
        <Field label="User name (optional)" hint="GitHub and GitLab accept any; some hosts want yours.">
          {(a) => <input name="username" autocomplete="off" {...a} />}
        </Field>
        <Field label="Token" hint="A personal access token with repository access.">
          {(a) => <input name="token" type="password" autocomplete="new-password" {...a} />}
        </Field>
        <Notice kind="error" when={error()}>
          {error()}
        </Notice>
        <Notice kind="ok" when={saved()}>
          {saved()}
        </Notice>
        <div>
          <button type="submit" class="btn primary small">
            <Plus size={15} aria-hidden="true" /> Save token
          </button>
        </div>
      </form>
    </section>
  );
}
