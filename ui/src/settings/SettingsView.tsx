import { createResource, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import * as v from "valibot";
import { api } from "../api/http.ts";
import { listModels } from "../api/models-api.ts";
import { Notice } from "../components/Notice.tsx";
import { FilePane } from "../files/FilePane.tsx";
import { filesApi } from "../files/files-api.ts";
import { createFilesModel } from "../files/files-model.ts";
import { formatSize } from "../files/paths.ts";
import { ProfilePicker } from "../projects/ProfilePicker.tsx";
import { Project } from "../projects/projects-api.ts";
import { MembersDialog } from "../sharing/MembersDialog.tsx";
import "../sharing/sharing.css";
import "../files/files.css";
import "./settings.css";

const PI_FOLDERS = [
  { dir: ".pi/skills", title: "Skills", empty: "No skills yet. A skill is a folder with a SKILL.md." },
  { dir: ".pi/extensions", title: "Extensions", empty: "No extensions yet." },
  { dir: ".pi/prompts", title: "Prompts", empty: "No prompt templates yet." },
] as const;

/**
 * The project's Settings tab: sandbox profile and default model (PATCH /api/projects/:id), the
 * project's AGENTS.md (edited like any file, with conflict detection), and what pi will find in
 * `.pi/` — skills, extensions, prompts — listed through the files channel and kept live.
 */
export default function SettingsView(props: { project: v.InferOutput<typeof Project> }) {
  const files = filesApi(props.project.id);
  const model = createFilesModel(files);
  const [models] = createResource(listModels);
  const [profile, setProfile] = createSignal(props.project.profile);
  const [model_, setModel] = createSignal(props.project.default_model ?? "");
  const [useMemories, setUseMemories] = createSignal(props.project.use_memories);
  const [saved, setSaved] = createSignal({
    profile: props.project.profile,
    model: props.project.default_model ?? "",
    useMemories: props.project.use_memories,
  });
  const [busy, setBusy] = createSignal(false);
  const [result, setResult] = createSignal<{ ok: boolean; text: string } | null>(null);
  const [creating, setCreating] = createSignal(false);

  onMount(() => {
    void model.load("");
    for (const f of PI_FOLDERS) void model.load(f.dir);
  });
  onCleanup(files.watch((e) => model.applyChanges(e)));

  const modelList = () => {
    const r = models();
    return r?.ok ? r.value : { models: [], default_model: "" };
  };
  const changed = () =>
    profile() !== saved().profile || model_() !== saved().model || useMemories() !== saved().useMemories;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setResult(null);
    const r = await api(
      "PATCH",
      `/api/projects/${encodeURIComponent(props.project.id)}`,
      v.object({ project: Project }),
      {
        body: { profile: profile(), default_model: model_() || null, use_memories: useMemories() },
      },
    );
    setBusy(false);
    if (!r.ok) return setResult({ ok: false, text: r.error.message });
    setSaved({
      profile: r.value.project.profile,
      model: r.value.project.default_model ?? "",
      useMemories: r.value.project.use_memories,
    });
    setResult({ ok: true, text: "Saved. New agent sessions and terminals use these settings." });
  };

  const hasAgentsMd = () => model.dirs[""]?.entries?.some((e) => e.name === "AGENTS.md" && e.type === "file");
  const createAgentsMd = async () => {
    setCreating(true);
    await files.write("AGENTS.md", `# ${props.project.name}\n\nDescribe this project for the agent.\n`, null);
    setCreating(false);
    void model.load("");
  };

  return (
    <div class="settings">
      <section class="card stack" aria-labelledby="settings-members">
        <h2 id="settings-members" class="settings-h">
          Sharing
        </h2>
        <p class="muted small">
          Invite people by user name: viewers read this project's conversations and files, editors also chat
          and edit files. A terminal in your sandbox is a separate grant.
        </p>
        <div>
          <MembersDialog projectId={props.project.id} />
        </div>
      </section>
      <form class="card stack" onSubmit={save} aria-labelledby="settings-agent">
        <h2 id="settings-agent" class="settings-h">
          Agent
        </h2>
        <ProfilePicker name="settings-profile" value={profile()} onChange={setProfile} />
        <label class="field">
          <span>Default model</span>
          <select value={model_()} onChange={(e) => setModel(e.currentTarget.value)}>
            <option value="">
              The server's default
              {modelList().default_model ? ` (${modelList().default_model})` : ""}
            </option>
            <For each={modelList().models}>
              {(m) => (
                <option value={m.id} disabled={!m.available}>
                  {m.name} — {m.id}
                  {m.available ? "" : " (unavailable)"}
                </option>
              )}
            </For>
          </select>
        </label>
        <label class="settings-check">
          <input
            type="checkbox"
            checked={useMemories()}
            onChange={(e) => setUseMemories(e.currentTarget.checked)}
          />
          <span>
            Use memories in new conversations
            <span class="muted small">
              {" "}
              — the most relevant memories (this project's and yours) go with a conversation's first message;
              the chat shows which.
            </span>
          </span>
        </label>
        <Show when={result()}>{(r) => <Notice kind={r().ok ? "ok" : "error"}>{r().text}</Notice>}</Show>
        <div class="row">
          <button type="submit" class="btn primary" disabled={!changed() || busy()}>
            {busy() ? "Saving…" : "Save settings"}
          </button>
        </div>
      </form>

      <section class="card settings-agents" aria-labelledby="settings-agents-md">
        <h2 id="settings-agents-md" class="settings-h">
          AGENTS.md
        </h2>
        <p class="muted small">
          The agent reads this first in every session: what the project is and how to work in it.
        </p>
        <Show
          when={hasAgentsMd()}
          fallback={
            <Show when={model.dirs[""]?.entries}>
              <button type="button" class="btn" disabled={creating()} onClick={() => void createAgentsMd()}>
                Create AGENTS.md
              </button>
            </Show>
          }
        >
          <div class="settings-editor">
            <FilePane api={files} model={model} path="AGENTS.md" actions={null} />
          </div>
        </Show>
      </section>

      <section class="card stack" aria-labelledby="settings-pi">
        <h2 id="settings-pi" class="settings-h">
          Skills, extensions and prompts
        </h2>
        <p class="muted small">
          Found in the project's <code>.pi/</code> folder. Add or edit them in the Files tab.
        </p>
        <For each={PI_FOLDERS}>
          {(f) => {
            const entries = () => model.dirs[f.dir]?.entries ?? [];
            return (
              <div>
                <h3 class="small settings-sub">
                  {f.title} <span class="muted">({entries().length})</span>
                </h3>
                <Show when={entries().length > 0} fallback={<p class="muted small">{f.empty}</p>}>
                  <ul class="settings-list" aria-label={f.title}>
                    <For each={entries()}>
                      {(e) => (
                        <li>
                          <code>{e.name}</code>
                          <span class="muted small">{e.type === "dir" ? "folder" : formatSize(e.size)}</span>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              </div>
            );
          }}
        </For>
      </section>
    </div>
  );
}
