import { createEffect, createSignal, Show } from "solid-js";
import { Modal } from "../components/Modal.tsx";

/** Ask for a name or path (new file, new folder, rename/move); checks it before sending. */
export function NameDialog(props: {
  open: boolean;
  title: string;
  label: string;
  initial: string;
  confirmLabel: string;
  description?: string;
  check: (value: string) => string | undefined;
  onSubmit: (value: string) => Promise<string | null>;
  onClose: () => void;
}) {
  const [value, setValue] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  let input: HTMLInputElement | undefined;
  createEffect(() => {
    if (!props.open) return;
    setValue(props.initial);
    setError(null);
    queueMicrotask(() => {
      input?.focus();
      // Select the name without its extension, as file managers do.
      const dot = props.initial.lastIndexOf(".");
      const slash = props.initial.lastIndexOf("/");
      input?.setSelectionRange(slash + 1, dot > slash + 1 ? dot : props.initial.length);
    });
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = props.check(value());
    if (problem) return setError(problem);
    setBusy(true);
    const failed = await props.onSubmit(value());
    setBusy(false);
    if (failed) setError(failed);
    else props.onClose();
  };
  return (
    <Modal
      open={props.open}
      onOpenChange={(o) => !o && props.onClose()}
      title={props.title}
      description={props.description}
    >
      <form class="stack" onSubmit={submit}>
        <label class="field">
          <span>{props.label}</span>
          <input
            ref={input}
            value={value()}
            onInput={(e) => setValue(e.currentTarget.value)}
            autocapitalize="off"
            autocomplete="off"
            spellcheck={false}
          />
        </label>
        <Show when={error()}>
          <div class="note error" role="alert">
            {error()}
          </div>
        </Show>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={busy()}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * The file changed on disk while it was being edited: both versions side by side, and the person
 * decides. Nothing is written until they do.
 */
export function ConflictDialog(props: {
  open: boolean;
  path: string;
  mine: string;
  theirs: string | null;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
  onClose: () => void;
}) {
  return (
    <Modal
      open={props.open}
      onOpenChange={(o) => !o && props.onClose()}
      title="This file changed while you edited it"
      description={`${props.path} was changed on disk (perhaps by the agent). Choose which version to keep.`}
    >
      <div class="stack">
        <div class="conflict-grid">
          <section aria-label="Your version">
            <h3 class="small">Your version</h3>
            <pre class="conflict-text">{props.mine}</pre>
          </section>
          <section aria-label="Version on disk">
            <h3 class="small">On disk now</h3>
            <pre class="conflict-text">{props.theirs ?? "(the file was deleted)"}</pre>
          </section>
        </div>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => props.onClose()}>
            Keep editing
          </button>
          <button type="button" class="btn" onClick={() => props.onTakeTheirs()}>
            Use the version on disk
          </button>
          <button type="button" class="btn primary" onClick={() => props.onKeepMine()}>
            Save mine over it
          </button>
        </div>
      </div>
    </Modal>
  );
}
