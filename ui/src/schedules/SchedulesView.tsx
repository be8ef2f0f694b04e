import { A } from "@solidjs/router";
import Pause from "lucide-solid/icons/pause";
import Play from "lucide-solid/icons/play";
import Plus from "lucide-solid/icons/plus";
import { createSignal, For, onCleanup, Show } from "solid-js";
import type { ApiResult } from "../api/http.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { Notice } from "../components/Notice.tsx";
import { relativeTime } from "../components/time.ts";
import { watchChanges } from "../records/watch-changes.ts";
import { HooksPanel } from "./HooksPanel.tsx";
import { ScheduleFormView } from "./ScheduleFormView.tsx";
import {
  costText,
  emptyForm,
  formatIn,
  formOf,
  OUTCOME_LABEL,
  runDuration,
  type ScheduleForm,
  whenText,
} from "./schedule-form.ts";
import * as api from "./schedules-api.ts";
import "./schedules.css";

/** The Schedules tab: schedules (and the agent's proposals), run history, webhooks. */
export default function SchedulesView(props: { projectId: string }) {
  const [list, setList] = createSignal<ApiResult<{ schedules: api.Schedule[] }>>();
  const [runs, setRuns] = createSignal<ApiResult<{ runs: api.ScheduleRun[] }>>();
  const [form, setForm] = createSignal<{ initial: ScheduleForm; editing: api.Schedule | null } | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const load = async () => {
    const [s, r] = await Promise.all([api.listSchedules(props.projectId), api.listRuns(props.projectId)]);
    setList(s);
    setRuns(r);
  };
  void load();
  // Runs start and end on the server (with no tab open too); an open tab hears of it over the mux.
  onCleanup(watchChanges(props.projectId, "schedules", () => void load()));
  const act = async (p: Promise<ApiResult<unknown>>) => {
    const r = await p;
    setError(r.ok ? null : r.error.message);
    await load();
    return r.ok ? null : r.error.message;
  };
  const proposals = () => {
    const l = list();
    return l?.ok ? l.value.schedules.filter((s) => s.state === "proposed") : [];
  };
  const nameOf = (id: string | null) => {
    const l = list();
    return (l?.ok && l.value.schedules.find((s) => s.id === id)?.name) || null;
  };

  return (
    <div class="schedules stack">
      <Show when={proposals().length > 0}>
        <section class="card stack schedule-proposals" aria-label="Proposed by the agent">
          <h2 class="settings-h">Proposed by the agent</h2>
          <p class="small muted">These run only once you confirm them.</p>
          <ul class="list">
            <For each={proposals()}>
              {(s) => (
                <li class="list-item schedule-item" data-schedule={s.id}>
                  <div class="grow stack">
                    <strong>{s.name}</strong>
                    <span class="small mono">{whenText(s)}</span>
                    <p class="schedule-prompt small">{s.prompt}</p>
                  </div>
                  <div class="row schedule-actions">
                    <button
                      type="button"
                      class="btn small primary"
                      onClick={() => void act(api.scheduleAction(props.projectId, s.id, "confirm"))}
                    >
                      Confirm
                    </button>
                    <button
                      type="button"
                      class="btn small"
                      onClick={() => void act(api.deleteSchedule(props.projectId, s.id))}
                    >
                      Reject
                    </button>
                  </div>
                </li>
              )}
            </For>
          </ul>
        </section>
      </Show>

      <div class="row schedules-head">
        <h2 class="settings-h">Schedules</h2>
        <span class="spacer" />
        <Show when={!form()}>
          <button
            type="button"
            class="btn primary"
            onClick={() => setForm({ initial: emptyForm(), editing: null })}
          >
            <Plus size={16} aria-hidden="true" /> New schedule
          </button>
        </Show>
      </div>
      <Show when={form()}>
        {(f) => (
          <ScheduleFormView
            projectId={props.projectId}
            initial={f().initial}
            editing={f().editing}
            onCancel={() => setForm(null)}
            onDone={() => {
              setForm(null);
              void load();
            }}
          />
        )}
      </Show>
      <Notice kind="error" when={error()}>
        {error()}
      </Notice>
      <Loaded result={list()}>
        {(value) => (
          <Show
            when={value().schedules.some((s) => s.state !== "proposed")}
            fallback={
              <p class="muted">
                No schedules yet. A schedule starts a new conversation at the times you set.
              </p>
            }
          >
            <ul class="list" aria-label="Schedules">
              <For each={value().schedules.filter((s) => s.state !== "proposed")}>
                {(s) => (
                  <li class="list-item schedule-item" data-schedule={s.id}>
                    <div class="grow stack">
                      <div class="row wrap">
                        <strong>{s.name}</strong>
                        <span class={`badge ${s.state === "active" ? "accent" : ""}`}>{s.state}</span>
                      </div>
                      <span class="small mono">{whenText(s)}</span>
                      <span class="small muted">
                        {s.next_run_at ? `Next: ${formatIn(s.next_run_at, s.timezone)}` : "No next run"}
                        {s.spend_cap !== null ? ` · cap ${costText(s.spend_cap)}` : ""}
                      </span>
                    </div>
                    <div class="row wrap schedule-actions">
                      <button
                        type="button"
                        class="btn small"
                        onClick={() => void act(api.runNow(props.projectId, s.id))}
                      >
                        <Play size={14} aria-hidden="true" /> Run now
                      </button>
                      <Show
                        when={s.state === "active"}
                        fallback={
                          <button
                            type="button"
                            class="btn small"
                            onClick={() => void act(api.scheduleAction(props.projectId, s.id, "resume"))}
                          >
                            Resume
                          </button>
                        }
                      >
                        <button
                          type="button"
                          class="btn small"
                          onClick={() => void act(api.scheduleAction(props.projectId, s.id, "pause"))}
                        >
                          <Pause size={14} aria-hidden="true" /> Pause
                        </button>
                      </Show>
                      <button
                        type="button"
                        class="btn small"
                        onClick={() => setForm({ initial: formOf(s), editing: s })}
                      >
                        Edit
                      </button>
                      <ConfirmButton
                        label="Delete"
                        ariaLabel={`Delete ${s.name}`}
                        title="Delete this schedule?"
                        message={`“${s.name}” stops running. Its past runs and their conversations stay.`}
                        confirmLabel="Delete"
                        danger
                        onConfirm={() => act(api.deleteSchedule(props.projectId, s.id))}
                      />
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loaded>

      <div class="row schedules-head">
        <h2 class="settings-h">Run history</h2>
      </div>
      <Loaded result={runs()}>
        {(value) => (
          <Show when={value().runs.length > 0} fallback={<p class="muted">No runs yet.</p>}>
            <ul class="list run-list" aria-label="Run history">
              <For each={value().runs}>
                {(r) => (
                  <li class="list-item run-item" data-run={r.id} data-outcome={r.outcome}>
                    <span class={`badge run-${r.outcome}`}>{OUTCOME_LABEL[r.outcome]}</span>
                    <div class="grow stack">
                      <span>
                        {r.title}
                        <span class="small muted">
                          {" "}
                          ·{" "}
                          {r.hook_id
                            ? "webhook"
                            : r.trigger === "manual"
                              ? "run now"
                              : r.trigger.replace("_", "-")}
                        </span>
                      </span>
                      <span class="small muted">
                        {relativeTime(r.started_at ?? r.due_at)}
                        {runDuration(r) ? ` · ${runDuration(r)}` : ""}
                        {r.outcome === "ok" || r.outcome === "failed" ? ` · ${costText(r.cost)}` : ""}
                        {r.reason ? ` · ${r.reason}` : ""}
                        {!r.hook_id && r.schedule_id && !nameOf(r.schedule_id) ? " · schedule deleted" : ""}
                      </span>
                    </div>
                    <Show when={r.session_id}>
                      {(sid) => (
                        <A class="btn small" href={`/projects/${props.projectId}/chat?session=${sid()}`}>
                          Conversation
                        </A>
                      )}
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loaded>

      <HooksPanel projectId={props.projectId} onDelivered={() => void load()} />
    </div>
  );
}
