import { createEffect, createResource, createSignal, For, on, onCleanup, Show } from "solid-js";
import { THINKING_LEVELS } from "../../../src/protocol/agent.ts";
import { listModels } from "../api/models-api.ts";
import { Field } from "../components/Field.tsx";
import { Notice } from "../components/Notice.tsx";
import { bodyOf, formatIn, type ScheduleForm } from "./schedule-form.ts";
import * as api from "./schedules-api.ts";

const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
})();

/** Create or edit a schedule: cron + time zone (with the next three run times) or one time. */
export function ScheduleFormView(props: {
  projectId: string;
  initial: ScheduleForm;
  editing: api.Schedule | null;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [f, setF] = createSignal<ScheduleForm>({ ...props.initial });
  const set = <K extends keyof ScheduleForm>(k: K, value: ScheduleForm[K]) =>
    setF((s) => ({ ...s, [k]: value }));
  const [error, setError] = createSignal<{ field: string | null; message: string } | null>(null);
  const [models] = createResource(listModels);
  const modelIds = () => {
    const m = models();
    return m?.ok ? m.value.models.map((x) => x.id) : [];
  };

  // The preview comes from the server's own cron library, so it is what will really happen.
  const [next, setNext] = createSignal<number[] | string>([]);
  let inflight: AbortController | undefined;
  createEffect(
    on(
      () => [f().mode, f().cron, f().timezone] as const,
      ([mode, cron, zone]) => {
        inflight?.abort();
        // Times computed for the previous expression or zone are never shown against the new one.
        setNext([]);
        if (mode !== "cron" || !cron.trim()) return;
        const mine = new AbortController();
        inflight = mine;
        const timer = setTimeout(async () => {
          const r = await api.preview(cron.trim(), zone.trim() || "UTC", mine.signal);
          if (mine.signal.aborted) return;
          setNext(r.ok ? r.value.next : r.error.message.replace(/^cron: |^timezone: /, ""));
        }, 200);
        onCleanup(() => clearTimeout(timer));
      },
    ),
  );

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const checked = bodyOf(f());
    if (!checked.ok) return setError({ field: checked.field, message: checked.message });
    const r = props.editing
      ? await api.updateSchedule(props.projectId, props.editing.id, checked.body)
      : await api.createSchedule(props.projectId, checked.body);
    if (!r.ok) return setError({ field: r.error.message.split(":")[0] ?? null, message: r.error.message });
    setError(null);
    props.onDone();
  };
  const fieldError = (field: string) => (error()?.field === field ? error()?.message : null);

  return (
    <form
      class="card stack schedule-form"
      onSubmit={submit}
      aria-label={props.editing ? "Edit schedule" : "New schedule"}
    >
      <h2 class="settings-h">{props.editing ? `Edit “${props.editing.name}”` : "New schedule"}</h2>
      <Field label="Name" hint="Also the title of each run's conversation" error={fieldError("name")}>
        {(a) => <input {...a} value={f().name} onInput={(e) => set("name", e.currentTarget.value)} />}
      </Field>
      <fieldset class="row wrap schedule-mode">
        <legend class="sr-only">When</legend>
        <label class="schedule-radio">
          <input
            type="radio"
            name="mode"
            checked={f().mode === "cron"}
            onChange={() => set("mode", "cron")}
          />
          Repeat
        </label>
        <label class="schedule-radio">
          <input
            type="radio"
            name="mode"
            checked={f().mode === "once"}
            onChange={() => set("mode", "once")}
          />
          Once
        </label>
      </fieldset>
      <Show
        when={f().mode === "cron"}
        fallback={
          <Field label="Run at" error={fieldError("at")}>
            {(a) => (
              <input
                {...a}
                type="datetime-local"
                value={f().at}
                onInput={(e) => set("at", e.currentTarget.value)}
              />
            )}
          </Field>
        }
      >
        <div class="grid-2">
          <Field label="Cron" hint="minute hour day month weekday, or @daily" error={fieldError("cron")}>
            {(a) => (
              <input
                {...a}
                class="mono"
                value={f().cron}
                onInput={(e) => set("cron", e.currentTarget.value)}
              />
            )}
          </Field>
          <Field label="Time zone" error={fieldError("timezone")}>
            {(a) => (
              <input
                {...a}
                list="schedule-zones"
                value={f().timezone}
                onInput={(e) => set("timezone", e.currentTarget.value)}
              />
            )}
          </Field>
        </div>
        <datalist id="schedule-zones">
          <For each={ZONES}>{(z) => <option value={z} />}</For>
        </datalist>
        <div class="schedule-preview small" aria-live="polite">
          <Show
            when={typeof next() !== "string"}
            fallback={<span class="error-text">{next() as string}</span>}
          >
            <Show when={(next() as number[]).length > 0}>
              <span class="muted">Next runs:</span>
              <ol aria-label="Next runs">
                <For each={next() as number[]}>{(t) => <li>{formatIn(t, f().timezone || "UTC")}</li>}</For>
              </ol>
            </Show>
          </Show>
        </div>
      </Show>
      <Field label="Prompt" hint="Sent as the first message of each run" error={fieldError("prompt")}>
        {(a) => (
          <textarea
            {...a}
            rows="4"
            value={f().prompt}
            onInput={(e) => set("prompt", e.currentTarget.value)}
          />
        )}
      </Field>
      <div class="grid-2">
        <Field label="Model" error={fieldError("model")}>
          {(a) => (
            <select {...a} value={f().model} onChange={(e) => set("model", e.currentTarget.value)}>
              <option value="">Project default</option>
              <For each={modelIds()}>{(id) => <option value={id}>{id}</option>}</For>
            </select>
          )}
        </Field>
        <Field label="Thinking">
          {(a) => (
            <select {...a} value={f().thinking} onChange={(e) => set("thinking", e.currentTarget.value)}>
              <option value="">Default</option>
              <For each={THINKING_LEVELS}>{(l) => <option value={l}>{l}</option>}</For>
            </select>
          )}
        </Field>
      </div>
      <Field
        label="Spend cap per run (USD)"
        hint="Optional: a run that costs more is stopped"
        error={fieldError("spendCap") ?? fieldError("spend_cap")}
      >
        {(a) => (
          <input
            {...a}
            inputmode="decimal"
            value={f().spendCap}
            onInput={(e) => set("spendCap", e.currentTarget.value)}
            placeholder="e.g. 0.50"
          />
        )}
      </Field>
      <Show
        when={
          error() &&
          !["name", "prompt", "cron", "at", "spendCap", "spend_cap", "model", "timezone"].includes(
            error()?.field ?? "",
          )
        }
      >
        <Notice kind="error">{error()?.message}</Notice>
      </Show>
      <div class="row">
        <span class="spacer" />
        <button type="button" class="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="btn primary">
          {props.editing ? "Save" : "Create schedule"}
        </button>
      </div>
    </form>
  );
}
