import { createSignal, For, Match, Show, Switch } from "solid-js";
import type { InputRequest } from "../../../src/protocol/agent.ts";
import { Modal } from "../components/Modal.tsx";

export type InputAnswer = { value: string } | { confirmed: boolean } | { cancelled: true };

/**
 * A question from the agent (`agent.input_needed`): confirm, pick one, type a line or edit text.
 * Closing the dialog answers "cancelled"; `agent.input_closed` (answered elsewhere, timed out) removes it.
 */
export function InputDialog(props: { request: InputRequest; onAnswer: (a: InputAnswer) => void }) {
  const r = props.request;
  const [value, setValue] = createSignal(r.prefill ?? "");
  const [answered, setAnswered] = createSignal(false);
  const answer = (a: InputAnswer) => {
    if (answered()) return;
    setAnswered(true);
    props.onAnswer(a);
  };
  return (
    <Modal
      open={!answered()}
      onOpenChange={(open) => !open && answer({ cancelled: true })}
      title={r.title}
      description={r.message}
    >
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (r.kind === "input" || r.kind === "editor") answer({ value: value() });
        }}
      >
        <Switch>
          <Match when={r.kind === "confirm"}>
            <div class="dialog-actions">
              <button type="button" class="btn" onClick={() => answer({ confirmed: false })}>
                No
              </button>
              <button type="button" class="btn primary" onClick={() => answer({ confirmed: true })}>
                Yes
              </button>
            </div>
          </Match>
          <Match when={r.kind === "select"}>
            <fieldset class="stack options">
              <legend class="sr-only">Options</legend>
              <For each={r.options ?? []}>
                {(o) => (
                  <button type="button" class="btn option" onClick={() => answer({ value: o })}>
                    {o}
                  </button>
                )}
              </For>
            </fieldset>
          </Match>
          <Match when={r.kind === "input" || r.kind === "editor"}>
            <label class="field">
              <span>Your answer</span>
              <Show
                when={r.kind === "editor"}
                fallback={
                  <input
                    value={value()}
                    placeholder={r.placeholder}
                    onInput={(e) => setValue(e.currentTarget.value)}
                  />
                }
              >
                <textarea
                  rows={8}
                  class="mono"
                  value={value()}
                  placeholder={r.placeholder}
                  onInput={(e) => setValue(e.currentTarget.value)}
                />
              </Show>
            </label>
            <div class="dialog-actions">
              <button type="button" class="btn" onClick={() => answer({ cancelled: true })}>
                Cancel
              </button>
              <button type="submit" class="btn primary">
                Answer
              </button>
            </div>
          </Match>
        </Switch>
      </form>
    </Modal>
  );
}
