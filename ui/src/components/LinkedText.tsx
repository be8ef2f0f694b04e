import { A } from "@solidjs/router";
import { For } from "solid-js";
import { linkedParts } from "./linked-text.ts";

/** Text with the pages it names as links, so an error that says where to go can be followed. */
export function LinkedText(props: { text: string }) {
  return (
    <For each={linkedParts(props.text)}>
      {(part) => ("path" in part ? <A href={part.path}>(open)</A> : part.text)}
    </For>
  );
}
