import { type JSX, Show } from "solid-js";

/** An inline message; errors are announced by screen readers as they appear. */
export function Notice(props: {
  kind?: "error" | "ok" | "warn" | "info";
  children?: JSX.Element;
  when?: unknown;
}) {
  return (
    <Show when={props.when === undefined || props.when}>
      <div
        class={`note ${props.kind && props.kind !== "info" ? props.kind : ""}`}
        role={props.kind === "error" ? "alert" : "status"}
      >
        {props.children}
      </div>
    </Show>
  );
}
