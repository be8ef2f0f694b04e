import CircleAlert from "lucide-solid/icons/circle-alert";
import CircleCheck from "lucide-solid/icons/circle-check";
import CircleSlash from "lucide-solid/icons/circle-slash";
import FilePen from "lucide-solid/icons/file-pen";
import FileText from "lucide-solid/icons/file-text";
import LoaderCircle from "lucide-solid/icons/loader-circle";
import SquareTerminal from "lucide-solid/icons/square-terminal";
import Wrench from "lucide-solid/icons/wrench";
import { createMemo, createSignal, For, Match, Show, Switch } from "solid-js";
import type { ToolCard as Card } from "./chat-timeline.ts";
import {
  compactJson,
  editPairs,
  lineDiff,
  tailOf,
  toolSummary,
  withContext,
  writeLines,
} from "./chat-tools.ts";

const STATUS_TEXT: Record<Card["status"], string> = {
  pending: "waiting",
  running: "running",
  done: "done",
  error: "failed",
  interrupted: "interrupted",
};
const ICONS = { bash: SquareTerminal, read: FileText, write: FilePen, edit: FilePen } as const;

/**
 * One tool call: the command or path in the header, its live status, and what it did — the bash
 * output as it streams, an edit or write as a diff, a failure marked as such.
 */
export function ToolCard(props: {
  name: string;
  args: unknown;
  argsText?: string;
  status: Card["status"];
  output: string;
}) {
  const summary = createMemo(() => toolSummary(props.name, props.args));
  const Icon = () => {
    const I = ICONS[props.name as keyof typeof ICONS] ?? Wrench;
    return <I size={15} aria-hidden="true" />;
  };
  const showsChange = () => props.name === "edit" || props.name === "write";
  const initiallyOpen = props.name === "bash" || props.name === "edit" || props.status === "error";
  return (
    <details class="tool" data-status={props.status} data-tool={props.name} open={initiallyOpen}>
      <summary>
        <Icon />
        <span class="tool-name">{props.name}</span>
        <span class="tool-subject mono" title={summary().subject}>
          {summary().kind === "command" ? `$ ${summary().subject}` : summary().subject}
        </span>
        <span class="tool-status" data-status={props.status}>
          <Switch>
            <Match when={props.status === "running" || props.status === "pending"}>
              <LoaderCircle size={14} class="spin" aria-hidden="true" />
            </Match>
            <Match when={props.status === "done"}>
              <CircleCheck size={14} aria-hidden="true" />
            </Match>
            <Match when={props.status === "error"}>
              <CircleAlert size={14} aria-hidden="true" />
            </Match>
            <Match when={props.status === "interrupted"}>
              <CircleSlash size={14} aria-hidden="true" />
            </Match>
          </Switch>
          {STATUS_TEXT[props.status]}
        </span>
      </summary>
      <div class="tool-body">
        <Show when={props.argsText !== undefined && props.args === undefined}>
          <pre class="tool-args">{props.argsText}</pre>
        </Show>
        <Show when={showsChange()}>
          <Diff name={props.name} args={props.args} />
        </Show>
        <Show when={summary().kind === "json" && props.args !== undefined}>
          <pre class="tool-args">{compactJson(props.args, 2000)}</pre>
        </Show>
        <Show when={props.output && !(showsChange() && props.status === "done")}>
          <Output text={props.output} error={props.status === "error"} />
        </Show>
      </div>
    </details>
  );
}

function Output(props: { text: string; error: boolean }) {
  const [all, setAll] = createSignal(false);
  const view = createMemo(() => (all() ? { text: props.text, hidden: 0 } : tailOf(props.text)));
  return (
    <div class="tool-output" classList={{ error: props.error }}>
      <Show when={view().hidden > 0}>
        <button type="button" class="btn ghost small" onClick={() => setAll(true)}>
          Show {view().hidden} earlier lines
        </button>
      </Show>
      <pre>{view().text}</pre>
    </div>
  );
}

function Diff(props: { name: string; args: unknown }) {
  const lines = createMemo(() => {
    if (props.name === "write") return writeLines(props.args) ?? [];
    return editPairs(props.args).flatMap((p, i) => [
      ...(i > 0 ? [{ op: "…" as const, text: "" }] : []),
      ...withContext(lineDiff(p.oldText, p.newText)),
    ]);
  });
  return (
    <Show when={lines().length > 0}>
      <pre class="diff">
        <For each={lines()}>
          {(l) => (
            <span class="diff-line" data-op={l.op}>
              <span class="diff-op" aria-hidden="true">
                {l.op === "…" ? "⋯" : l.op}
              </span>
              {l.text}
              {"\n"}
            </span>
          )}
        </For>
      </pre>
    </Show>
  );
}
