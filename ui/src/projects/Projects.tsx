import { A, useNavigate } from "@solidjs/router";
import FolderGit2 from "lucide-solid/icons/folder-git-2";
import Plus from "lucide-solid/icons/plus";
import Users from "lucide-solid/icons/users";
import { createResource, createSignal, For, Show } from "solid-js";
import * as admin from "../admin/admin-api.ts";
import { listModels } from "../api/models-api.ts";
import { isAdmin } from "../auth/auth-session.ts";
import { Field } from "../components/Field.tsx";
import { Modal } from "../components/Modal.tsx";
import { Notice } from "../components/Notice.tsx";
import { ResourceList, ResourceRow } from "../components/ResourceList.tsx";
import { relativeTime } from "../components/time.ts";
import { cloneProject, gitErrorText } from "../review/git-api.ts";
import { usePageTitle } from "../shell/page-title.ts";
import { onShortcut } from "../shell/shortcuts.ts";
import { ProfilePicker } from "./ProfilePicker.tsx";
import { validateProjectName } from "./project-name.ts";
import * as projects from "./projects-api.ts";
import "../sharing/sharing.css";

/** The sandbox profiles every octo ships (DESIGN.md "Sandbox"). */

export default function Projects() {
  usePageTitle(() => "Projects");
  const navigate = useNavigate();
  const [list, { refetch }] = createResource(projects.listProjects);
  const [open, setOpen] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  onShortcut("new", () => setOpen(true));

  const [mode, setMode] = createSignal<"new" | "clone">("new");
  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const name = String(f.get("name") ?? "").trim();
    if (mode() === "clone") return clone(f, name);
    const problem = validateProjectName(name);
    if (problem) return setError(problem);
    setBusy(true);
    const res = await projects.createProject(name, undefined, String(f.get("profile") ?? "default"));
    setBusy(false);
    if (!res.ok) return setError(res.error.message);
    setOpen(false);
    void refetch();
    navigate(`/projects/${res.value.project.id}/chat`);
  };

  const clone = async (f: FormData, name: string) => {
    const url = String(f.get("url") ?? "").trim();
    const branch = String(f.get("branch") ?? "").trim();
    if (!/^https?:\/\//.test(url))
      return setError("Give the repository's http(s) URL, e.g. https://github.com/you/app.git");
    if (name) {
      const problem = validateProjectName(name);
      if (problem) return setError(problem);
    }
    setError(null);
    setBusy(true);
    const res = await cloneProject({
      url,
      ...(branch ? { branch } : {}),
      ...(name ? { name } : {}),
      profile: String(f.get("profile") ?? "default"),
    });
    setBusy(false);
    if (!res.ok) return setError(gitErrorText(res.error));
    setOpen(false);
    void refetch();
    navigate(`/projects/${res.value.project_id}/changes`);
  };

  return (
    <>
      <div class="page-head">
        <h1>Projects</h1>
        <span class="spacer" />
        <button
          type="button"
          class="btn primary"
          onClick={() => {
            setError(null);
            setOpen(true);
          }}
          title="New project (n)"
        >
          <Plus size={16} aria-hidden="true" /> New project
        </button>
      </div>
      <Show when={isAdmin()}>
        <FirstRunWelcome />
      </Show>
      <ResourceList
        label="Projects"
        links
        result={list()}
        items={(r) => r.projects}
        error={(e) => (
          <Notice kind={e.status === 404 ? "info" : "error"}>
            {e.status === 404 ? "This server does not offer projects yet (no /api/projects)." : e.message}
          </Notice>
        )}
        empty={
          <div class="empty">
            <FolderGit2 size={32} aria-hidden="true" />
            <p>No projects yet. A project is a folder with its own agent, files, terminal and sandbox.</p>
            <button type="button" class="btn primary" onClick={() => setOpen(true)}>
              Create your first project
            </button>
          </div>
        }
      >
        {(p) => (
          <ResourceRow
            href={`/projects/${p.id}/chat`}
            icon={<FolderGit2 size={18} aria-hidden="true" />}
            title={p.name}
            facts={
              <>
                {p.last_activity_at ? `active ${relativeTime(p.last_activity_at)}` : "no activity yet"} ·{" "}
                {p.profile} sandbox{p.default_model ? ` · ${p.default_model}` : ""}
              </>
            }
          />
        )}
      </ResourceList>

      <Show when={list()?.ok && (list() as { value: { shared: projects.Project[] } }).value.shared}>
        {(shared) => (
          <Show when={shared().length > 0}>
            <section class="shared-group" aria-labelledby="shared-h">
              <h2 id="shared-h">Shared with me</h2>
              <nav class="list" aria-label="Shared with me">
                <For each={shared()}>
                  {(p) => (
                    <ResourceRow
                      href={`/projects/${p.id}/chat`}
                      icon={<Users size={18} aria-hidden="true" />}
                      title={p.name}
                      facts={
                        <>
                          {p.share?.owner} · {p.share?.role}
                          {p.last_activity_at ? ` · active ${relativeTime(p.last_activity_at)}` : ""}
                        </>
                      }
                    />
                  )}
                </For>
              </nav>
            </section>
          </Show>
        )}
      </Show>

      <Modal open={open()} onOpenChange={setOpen} title="New project">
        <form onSubmit={create}>
          <fieldset class="row start-mode" aria-label="How to start">
            <button
              type="button"
              class="btn small"
              aria-pressed={mode() === "new"}
              onClick={() => setMode("new")}
            >
              Empty project
            </button>
            <button
              type="button"
              class="btn small"
              aria-pressed={mode() === "clone"}
              onClick={() => setMode("clone")}
            >
              Clone a repository
            </button>
          </fieldset>
          <Show when={mode() === "clone"}>
            <Field label="Repository URL" hint="http(s) only; a token for its host comes from Account → Git.">
              {(a) => (
                <input
                  name="url"
                  type="url"
                  autocomplete="off"
                  placeholder="https://github.com/you/app.git"
                  required
                  {...a}
                />
              )}
            </Field>
            <Field label="Branch (optional)" hint="Empty: the repository's default branch.">
              {(a) => <input name="branch" autocomplete="off" maxLength={200} {...a} />}
            </Field>
          </Show>
          <Field
            label={mode() === "clone" ? "Name (optional)" : "Name"}
            hint={
              mode() === "clone"
                ? "Empty: the repository's name."
                : "Becomes the project's folder name in your workspace."
            }
          >
            {(a) => (
              <input
                name="name"
                maxLength={64}
                autocomplete="off"
                placeholder="e.g. website"
                required={mode() === "new"}
                {...a}
              />
            )}
          </Field>
          <ProfilePicker value="default" />
          <Notice kind="error" when={error()}>
            {error()}
          </Notice>
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" class="btn primary" disabled={busy()}>
              {mode() === "clone"
                ? busy()
                  ? "Cloning… (this can take a while)"
                  : "Clone"
                : "Create project"}
            </button>
          </div>
        </form>
      </Modal>
    </>
  );
}

const WELCOME_KEY = "octo.welcome.dismissed";

/** Shown to the admin of a fresh server (only one user exists) until dismissed. */
function FirstRunWelcome() {
  const dismissed = () => localStorage.getItem(WELCOME_KEY) === "1";
  const [hidden, setHidden] = createSignal(dismissed());
  const [users] = createResource(() => (hidden() ? null : true), admin.listUsers);
  const fresh = () => {
    const r = users();
    return r?.ok === true && r.value.users.length === 1;
  };
  const [models] = createResource(() => (hidden() ? null : true), listModels);
  const hasModel = () => {
    const r = models();
    return r?.ok === true && r.value.models.length > 0;
  };
  return (
    <Show when={!hidden() && fresh()}>
      <section class="card" aria-labelledby="welcome-h" style={{ "margin-bottom": "1.25rem" }}>
        <h2 id="welcome-h">Welcome to octo</h2>
        <ol style={{ margin: "0 0 0.75rem", "padding-left": "1.2rem" }}>
          <li>
            <A href="/admin/models">Add a model</A>: connect an AI provider (OpenAI-compatible or Anthropic)
            so agents can work.
            <Show when={hasModel()}>
              {" "}
              <span class="badge ok">done</span>
            </Show>
          </li>
          <li>
            <A href="/account">Change the generated admin password</A>.
          </li>
          <li>
            <A href="/admin/invites">Invite people</A>: each gets their own workspace and sandboxed agents.
          </li>
          <li>Create a project and start a conversation with its agent.</li>
        </ol>
        <button
          type="button"
          class="btn small"
          onClick={() => {
            localStorage.setItem(WELCOME_KEY, "1");
            setHidden(true);
          }}
        >
          Dismiss
        </button>
      </section>
    </Show>
  );
}
