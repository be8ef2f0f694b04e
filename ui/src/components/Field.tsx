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
      {props.children({
        id,
        "aria-describedby": note() ? `${id}-note` : undefined,
        "aria-invalid": Boolean(props.error),
      })}
      <Show when={note()}>
        <span id={`${id}-note`} class={props.error ? "hint error" : "hint"}>
          {note()}
        </span>
      </Show>
    </div>
  );
}
