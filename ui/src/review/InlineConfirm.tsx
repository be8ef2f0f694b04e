import { createSignal, type JSX, Show } from "solid-js";

/**
 * A button that asks in place ("Discard this change? Discard · Cancel") instead of in a dialog: the
 * Changes view itself may be in a dialog, and a dialog over a dialog hides the first from assistive tech.
 */
export function InlineConfirm(props: {
  label: JSX.Element;
  ariaLabel: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<string | null> | undefined;
}) {
  const [asking, setAsking] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  return (
    <Show
      when={asking()}
      fallback={
        <button
          type="button"
          class="btn ghost small"
          aria-label={props.ariaLabel}
          onClick={() => setAsking(true)}
        >
          {props.label}
        </button>
      }
    >
      <fieldset class="row inline-confirm" aria-label={props.question}>
        <span class="small">{error() ?? props.question}</span>
        <button
          type="button"
          class="btn small danger"
          disabled={busy()}
          onClick={async () => {
            setBusy(true);
            const err = await props.onConfirm();
            setBusy(false);
            if (err) setError(err);
            else setAsking(false);
          }}
        >
          {props.confirmLabel}
        </button>
        <button type="button" class="btn ghost small" onClick={() => setAsking(false)}>
          Cancel
        </button>
      </fieldset>
    </Show>
  );
}
