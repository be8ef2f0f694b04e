import ArrowDownToLine from "lucide-solid/icons/arrow-down-to-line";
import ArrowUpFromLine from "lucide-solid/icons/arrow-up-from-line";
import GitBranch from "lucide-solid/icons/git-branch";
import RefreshCw from "lucide-solid/icons/refresh-cw";
import { createResource, createSignal, For, Show } from "solid-js";
import { Notice } from "../components/Notice.tsx";
import * as git from "./git-api.ts";

type FileRow = { path: string; staged: string; unstaged: string };

/**
 * The project's git repository: branch picker, status with stage/unstage, commit box, push/pull/
 * fetch with errors named by cause, and the latest commits. Hidden when the project is no repository.
 */
export default function GitPanel(props: { projectId: string; onChange?: () => void }) {
  const [data, { refetch }] = createResource(() => props.projectId, git.overview);
  const [refs, { refetch: refetchRefs }] = createResource(() => props.projectId, git.branches);
  const [message, setMessage] = createSignal("");
  const [busy, setBusy] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [newBranch, setNewBranch] = createSignal("");

  const status = () => {
    const d = data();
    return d?.ok ? d.value.status : null;
  };
  const files = (): FileRow[] => status()?.files ?? [];
  /** The local branches; the current one even before the list has loaded (the select shows it). */
  const branchList = () => {
    const r = refs();
    const names = r?.ok ? r.value.branches.map((b) => b.name) : [];
    const current = status()?.branch;
    return current && !names.includes(current) ? [current, ...names] : names;
  };
  const commits = () => {
    const d = data();
    return d?.ok ? d.value.log.commits.slice(0, 15) : [];
  };
  const staged = () => files().filter((f) => f.staged !== " " && f.staged !== "?");
  const unstaged = () => files().filter((f) => f.unstaged !== " " || f.staged === "?");
  const reload = async () => {
    props.onChange?.();
    await Promise.all([refetch(), refetchRefs()]);
  };

  const run = async (
    label: string,
    op: () => Promise<{ ok: boolean; error?: { code: string; message: string } }>,
    done?: string,
  ) => {
    setBusy(label);
    setError(null);
    setNotice(null);
    const r = await op();
    await reload();
    setBusy(null);
    if (!r.ok && r.error) setError(git.gitErrorText(r.error));
    else if (done) setNotice(done);
    return r.ok;
  };

  const doCommit = async (e: SubmitEvent) => {
    e.preventDefault();
    const text = message().trim();
    if (!text) return setError("Write a commit message first.");
    if (await run("commit", () => git.commit(props.projectId, text), "Committed.")) setMessage("");
  };

  return (
    <Show when={data()?.ok}>
      <section class="git-panel card" aria-labelledby="git-h">
        <div class="row git-head">
          <h2 id="git-h" class="git-title">
            <GitBranch size={16} aria-hidden="true" /> Git
          </h2>
          <label class="row small">
            <span class="sr-only">Branch</span>
            <select
              aria-label="Branch"
              value={status()?.branch ?? ""}
              disabled={busy() !== null}
              onChange={(e) => {
                const name = e.currentTarget.value;
                void run("switch", () => git.switchBranch(props.projectId, name), `Switched to ${name}.`);
              }}
            >
              <Show when={!status()?.branch}>
                <option value="">(no branch)</option>
              </Show>
              <For each={branchList()}>{(name) => <option value={name}>{name}</option>}</For>
            </select>
          </label>
          <Show when={status()?.upstream}>
            <span class="muted small" title={`Tracking ${status()?.upstream}`}>
              {status()?.ahead ?? 0} ahead · {status()?.behind ?? 0} behind {status()?.upstream}
            </span>
          </Show>
          <span class="spacer" />
          <div class="row git-remote-actions">
            <button
              type="button"
              class="btn small"
              disabled={busy() !== null}
              onClick={() => void run("fetch", () => git.remoteOp(props.projectId, "fetch"), "Fetched.")}
            >
              <RefreshCw size={14} aria-hidden="true" /> {busy() === "fetch" ? "Fetching…" : "Fetch"}
            </button>
            <button
              type="button"
              class="btn small"
              disabled={busy() !== null}
              onClick={() => void run("pull", () => git.remoteOp(props.projectId, "pull"), "Pulled.")}
            >
              <ArrowDownToLine size={14} aria-hidden="true" /> {busy() === "pull" ? "Pulling…" : "Pull"}
            </button>
            <button
              type="button"
              class="btn small"
              disabled={busy() !== null}
              onClick={() => void run("push", () => git.remoteOp(props.projectId, "push"), "Pushed.")}
            >
              <ArrowUpFromLine size={14} aria-hidden="true" /> {busy() === "push" ? "Pushing…" : "Push"}
            </button>
          </div>
        </div>
        <Notice kind="error" when={error()}>
          {error()}
        </Notice>
        <Notice kind="ok" when={notice()}>
          {notice()}
        </Notice>
        <div class="git-columns">
          <div class="git-files">
            <h3 class="small">Staged ({staged().length})</h3>
            <ul class="git-list" aria-label="Staged files">
              <For each={staged()} fallback={<li class="muted small">Nothing staged.</li>}>
                {(f) => (
                  <li class="row">
                    <code class="git-letter">{f.staged}</code>
                    <span class="git-path">{f.path}</span>
                    <button
                      type="button"
                      class="btn small"
                      aria-label={`Unstage ${f.path}`}
                      disabled={busy() !== null}
                      onClick={() => void run("unstage", () => git.unstage(props.projectId, [f.path]))}
                    >
                      Unstage
                    </button>
                  </li>
                )}
              </For>
            </ul>
            <div class="row">
              <h3 class="small">Changed ({unstaged().length})</h3>
              <span class="spacer" />
              <Show when={unstaged().length > 1}>
                <button
                  type="button"
                  class="btn small"
                  disabled={busy() !== null}
                  onClick={() =>
                    void run("stage", () =>
                      git.stage(
                        props.projectId,
                        unstaged().map((f) => f.path),
                      ),
                    )
                  }
                >
                  Stage all
                </button>
              </Show>
            </div>
            <ul class="git-list" aria-label="Unstaged files">
              <For each={unstaged()} fallback={<li class="muted small">No other changes.</li>}>
                {(f) => (
                  <li class="row">
                    <code class="git-letter">{f.staged === "?" ? "?" : f.unstaged}</code>
                    <span class="git-path">{f.path}</span>
                    <button
                      type="button"
                      class="btn small"
                      aria-label={`Stage ${f.path}`}
                      disabled={busy() !== null}
                      onClick={() => void run("stage", () => git.stage(props.projectId, [f.path]))}
                    >
                      Stage
                    </button>
                  </li>
                )}
              </For>
            </ul>
            <form class="stack git-commit" onSubmit={doCommit}>
              <label class="field">
                <span class="small">Commit message</span>
                <textarea
                  rows={2}
                  value={message()}
                  onInput={(e) => setMessage(e.currentTarget.value)}
                  placeholder="What these changes do"
                />
              </label>
              <div class="row">
                <button
                  type="submit"
                  class="btn primary small"
                  disabled={busy() !== null || staged().length === 0}
                >
                  {busy() === "commit"
                    ? "Committing…"
                    : `Commit ${staged().length} file${staged().length === 1 ? "" : "s"}`}
                </button>
              </div>
            </form>
            <form
              class="row git-new-branch"
              onSubmit={(e) => {
                e.preventDefault();
                const name = newBranch().trim();
                if (!name) return;
                void run(
                  "branch",
                  () => git.createBranch(props.projectId, name),
                  `Created and switched to ${name}.`,
                ).then((okd) => okd && setNewBranch(""));
              }}
            >
              <input
                aria-label="New branch name"
                placeholder="new-branch"
                value={newBranch()}
                onInput={(e) => setNewBranch(e.currentTarget.value)}
                maxLength={200}
              />
              <button type="submit" class="btn small" disabled={busy() !== null || !newBranch().trim()}>
                New branch
              </button>
            </form>
          </div>
          <div class="git-log">
            <h3 class="small">Recent commits</h3>
            <ol class="git-list" aria-label="Recent commits">
              <For each={commits()} fallback={<li class="muted small">No commits yet.</li>}>
                {(c) => (
                  <li>
                    <span class="git-subject">{c.subject}</span>
                    <span class="muted small">
                      <code>{c.sha.slice(0, 7)}</code> · {c.author.replace(/ <.*>$/, "")} ·{" "}
                      {new Date(c.at).toLocaleString()}
                    </span>
                  </li>
                )}
              </For>
            </ol>
          </div>
        </div>
      </section>
    </Show>
  );
}
