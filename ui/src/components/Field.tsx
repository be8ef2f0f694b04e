import { createUniqueId, type JSX, Show } from "solid-js";

export interface FieldAttrs {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid": boolean;
}

/**
 * A labelled control with an optional hint that turns into the error when there is one.
 * The hint sits outside the label so the control's accessible name is just the label.
 */
export function Field(props: {
  label: string;
  hint?: string;
  error?: string | null;
  style?: JSX.CSSProperties;
  children: (attrs: FieldAttrs) => JSX.Element;
}) {
  const id = createUniqueId();
  const note = () => props.error || props.hint;
  return (
    <div class="field" style={props.style}>
      <label for={id}>{props.label}</label>
      {/* Getters, read by the control's spread: an error appearing updates the control in place
          instead of re-creating it (which would drop what was typed into an uncontrolled input). */}
      {props.children({
        id,
        get "aria-describedby"() {
          return note() ? `${id}-note` : undefined;
        },
        get "aria-invalid"() {
          return Boolean(props.error);
        },
      })}
      <Show when={note()}>
        {/* An error is announced as it appears, once: no separate alert repeats it. */}
        <span
          id={`${id}-note`}
          class={props.error ? "hint error" : "hint"}
          role={props.error ? "alert" : undefined}
        >
          {note()}
        </span>
      </Show>
    </div>
  );
}
