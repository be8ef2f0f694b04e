import { createSignal, type JSX, Show } from "solid-js";
import { Modal } from "./Modal.tsx";

/** A button that asks before doing something that cannot be undone; shows the failure if it fails. */
export function ConfirmButton(props: {
  label: JSX.Element;
  ariaLabel?: string;
  title: string;
  message: JSX.Element;
  confirmLabel: string;
  danger?: boolean;
  class?: string;
  onConfirm: () => Promise<string | null>;
}) {
  const [open, setOpen] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    const err = await props.onConfirm();
    setBusy(false);
    if (err) setError(err);
    else setOpen(false);
  };
  return (
    <>
      <button
        type="button"
        class={props.class ?? `btn small ${props.danger ? "danger" : ""}`}
        aria-label={props.ariaLabel}
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
      >
        {props.label}
      </button>
      <Modal open={open()} onOpenChange={setOpen} title={props.title}>
        <div class="stack">
          <div>{props.message}</div>
          <Show when={error()}>
            <div class="note error" role="alert">
              {error()}
            </div>
          </Show>
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button
              type="button"
              class={props.danger ? "btn primary danger-fill" : "btn primary"}
              disabled={busy()}
              onClick={run}
            >
              {props.confirmLabel}
            </button>
          </div>
        </div>
      </Modal>
    </>
  );
}
