import { createResource, createSignal, For, Show } from "solid-js";
import {
  KIND_LABELS,
  NOTIFICATION_KINDS,
  type NotificationKind,
  type NotificationPrefs,
} from "../../../src/protocol/notifications.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { Notice } from "../components/Notice.tsx";
import { relativeTime } from "../components/time.ts";
import { getPrefs, pushInfo, putPrefs, removeDevice } from "./notifications-api.ts";
import { enablePush, pushSupport } from "./push.ts";
import "./notifications.css";

/** Account → Notifications: which events reach the bell and which the devices, and those devices. */
export function NotificationSettings() {
  const [prefs, { mutate }] = createResource(async () => {
    const r = await getPrefs();
    return r.ok ? r.value.preferences : undefined;
  });
  const [push, { refetch }] = createResource(async () => {
    const r = await pushInfo();
    return r.ok ? r.value : undefined;
  });
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const support = pushSupport();

  const toggle = async (kind: NotificationKind, channel: "app" | "push", on: boolean) => {
    const current = prefs();
    if (!current) return;
    const next: NotificationPrefs = { ...current, [kind]: { ...current[kind], [channel]: on } };
    mutate(next);
    const r = await putPrefs(next);
    if (!r.ok) {
      setError(r.error.message);
      mutate(current);
    }
  };
  const enable = async () => {
    setBusy(true);
    setError(null);
    const problem = await enablePush();
    setBusy(false);
    if (problem) setError(problem);
    else void refetch();
  };

  return (
    <section class="card" aria-labelledby="notify-h">
      <h2 id="notify-h">Notifications</h2>
      <p class="muted small" style={{ "margin-top": 0 }}>
        Hear when an agent finishes, fails or waits for you — in octo (the bell) and on your devices. A
        conversation you are looking at sends no push.
      </p>
      <Show when={prefs()}>
        {(p) => (
          <table class="prefs-table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col" class="check">
                  In octo
                </th>
                <th scope="col" class="check">
                  Devices
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={NOTIFICATION_KINDS}>
                {(kind) => (
                  <tr>
                    <td>{KIND_LABELS[kind]}</td>
                    <For each={["app", "push"] as const}>
                      {(channel) => (
                        <td class="check">
                          <input
                            type="checkbox"
                            checked={p()[kind][channel]}
                            aria-label={`${KIND_LABELS[kind]}: ${channel === "app" ? "in octo" : "on devices"}`}
                            onChange={(e) => void toggle(kind, channel, e.currentTarget.checked)}
                          />
                        </td>
                      )}
                    </For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </Show>

      <h3 class="notify-devices">Devices</h3>
      <Show when={support.kind === "ios-install-first"}>
        <p class="small" data-testid="ios-hint">
          On iPhone and iPad, push notifications work in the installed app: tap Share, then{" "}
          <b>Add to Home Screen</b> first, open octo from the Home Screen, and turn them on there.
        </p>
      </Show>
      <Show when={support.kind === "unsupported" || support.kind === "denied"}>
        <p class="small muted">
          {support.kind === "denied"
            ? "Notifications are blocked for this site in the browser's settings."
            : "This browser cannot receive push notifications."}
        </p>
      </Show>
      <Show when={support.kind === "ready" && push()?.public_key}>
        <button type="button" class="btn" disabled={busy()} onClick={() => void enable()}>
          {busy() ? "Turning on…" : "Notify this device"}
        </button>
      </Show>
      <Show when={error()}>
        <Notice kind="error">{error()}</Notice>
      </Show>
      <ul class="stack" style={{ "list-style": "none", padding: 0, margin: "0.75rem 0 0" }}>
        <For each={push()?.devices ?? []} fallback={<li class="muted small">No devices yet.</li>}>
          {(d) => (
            <li class="row">
              <span>{d.device}</span>
              <span class="muted small">
                added {relativeTime(d.created_at)}
                {d.last_ok_at ? ` · last push ${relativeTime(d.last_ok_at)}` : ""}
              </span>
              <span class="spacer" />
              <ConfirmButton
                label="Remove"
                ariaLabel={`Remove device ${d.device}`}
                title="Remove this device?"
                message={<>It gets no more push notifications until it is turned on again there.</>}
                confirmLabel="Remove device"
                danger
                onConfirm={async () => {
                  const r = await removeDevice(d.id);
                  void refetch();
                  return r.ok ? null : r.error.message;
                }}
              />
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
