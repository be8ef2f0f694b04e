import { A } from "@solidjs/router";
import History from "lucide-solid/icons/archive-restore";
import Brain from "lucide-solid/icons/brain";
import GitBranch from "lucide-solid/icons/git-branch";
import RotateCcw from "lucide-solid/icons/rotate-ccw";
import { createMemo, For, Index, type JSX, Match, Show, Switch } from "solid-js";
import type { Message } from "../../../src/protocol/agent.ts";
import { ChatMarkdown } from "./ChatMarkdown.tsx";
import { explainFailure } from "./chat-errors.ts";
import type { PendingSend } from "./chat-state.ts";
import type { ToolCard as Card, RenderPart, SettledEntry, SettledPart } from "./chat-timeline.ts";
import { ToolCard } from "./ToolCard.tsx";

type ToolLookup = (callId: string) => { status: Card["status"]; output: string };

/** A finished message of the timeline. A stored user message offers to fork the conversation there. */
export function SettledMessage(props: {
  entry: SettledEntry;
  tool: ToolLookup;
  onFork?: (messageId: string) => void;
  onRestore?: (messageId: string) => void;
  onRetryTurn?: () => void;
  projectId?: string;
  /** The memories octo put before this prompt ("used N memories"). */
  usedMemories?: readonly { id: string; text: string; scope: "project" | "user" }[];
  /** Who sent this user message when it was not me (a shared project). */
  author?: string;
}) {
  const e = props.entry;
  if (e.type === "system") return <SystemNote message={e.message} text={e.text} />;
  return (
    <article
      class="msg"
      data-role={e.type}
      data-msg-id={e.message.id}
      data-author={props.author}
      aria-label={e.type === "user" ? (props.author ?? "You") : "Assistant"}
    >
      <Show when={props.author}>{(name) => <div class="msg-author">{name()}</div>}</Show>
      <Parts parts={e.parts} tool={props.tool} streaming={false} role={e.type} />
      <MessageFoot message={e.message} onRetry={props.onRetryTurn} />
      <Show when={props.usedMemories?.length ? props.usedMemories : null}>
        {(used) => <UsedMemories memories={used()} projectId={props.projectId} />}
      </Show>
      <Show when={e.type === "user" && props.onFork}>
        {(fork) => (
          <div class="msg-actions">
            <button
              type="button"
              class="btn ghost icon small"
              aria-label="Fork from here"
              title="Fork from here: a new conversation with everything before this message, and this message ready to edit"
              onClick={() => fork()(e.message.id)}
            >
              <GitBranch size={14} />
            </button>
            <Show when={props.onRestore}>
              {(restore) => (
                <button
                  type="button"
                  class="btn ghost icon small"
                  aria-label="Restore files to before this message"
                  title="Restore files to before this message: the project's files go back to how they were when you sent it (you can undo this)"
                  onClick={() => restore()(e.message.id)}
                >
                  <History size={14} />
                </button>
              )}
            </Show>
          </div>
        )}
      </Show>
    </article>
  );
}

/** "Used N memories" under a first prompt: each opens that memory in the Memory tab. */
function UsedMemories(props: {
  memories: readonly { id: string; text: string; scope: "project" | "user" }[];
  projectId?: string;
}) {
  const n = () => props.memories.length;
  return (
    <details class="used-memories">
      <summary>
        <Brain size={13} aria-hidden="true" /> Used {n()} {n() === 1 ? "memory" : "memories"}
      </summary>
      <ul>
        <For each={props.memories}>
          {(m) => (
            <li>
              <A href={`/projects/${props.projectId}/memory?memory=${m.id}`} title={m.text}>
                {m.text.length > 90 ? `${m.text.slice(0, 90)}…` : m.text}
              </A>
            </li>
          )}
        </For>
      </ul>
    </details>
  );
}

/** The message arriving right now: parts update in place (keyed by index), text re-renders per frame. */
export function StreamingMessage(props: { role: Message["role"]; parts: RenderPart[] }) {
  return (
    <article class="msg streaming" data-role={props.role} aria-label="Assistant (writing)" aria-busy="true">
      <Index each={props.parts}>
        {(p) => <PartView part={p()} streaming={true} role={props.role} tool={() => undefined} />}
      </Index>
    </article>
  );
}

export function PendingMessage(props: { send: PendingSend; onRetry: () => void; onDiscard: () => void }) {
  return (
    <article class="msg pending" data-role="user" aria-label="You (not yet delivered)">
      <div class="user-text">{props.send.text}</div>
      <div class="msg-foot small">
        <Show when={props.send.status === "failed"} fallback={<span class="muted">Sending…</span>}>
          <span class="error-text" role="alert">
            Not sent: {props.send.error}
          </span>
          <button type="button" class="btn small" onClick={props.onRetry}>
            Retry
          </button>
          <button type="button" class="btn ghost small" onClick={props.onDiscard}>
            Discard
          </button>
        </Show>
      </div>
    </article>
  );
}

function Parts(props: {
  parts: SettledPart[];
  tool: ToolLookup;
  streaming: boolean;
  role: string;
}): JSX.Element {
  return (
    <For each={props.parts}>
      {(p) => (
        <PartView
          part={p}
          streaming={props.streaming}
          role={props.role}
          tool={(id) => (p.type === "tool" ? props.tool(id) : undefined)}
        />
      )}
    </For>
  );
}

function PartView(props: {
  part: SettledPart | RenderPart;
  streaming: boolean;
  role: string;
  tool: (callId: string) => { status: Card["status"]; output: string } | undefined;
}) {
  const p = () => props.part;
  return (
    <Switch>
      <Match when={p().type === "text" && (p() as { text: string })}>
        {(t) =>
          props.role === "user" ? (
            <div class="user-text">{t().text}</div>
          ) : (
            <ChatMarkdown text={t().text} streaming={props.streaming} />
          )
        }
      </Match>
      <Match when={p().type === "thinking" && (p() as { text: string })}>
        {(t) => <Thinking text={t().text} streaming={props.streaming} />}
      </Match>
      <Match when={p().type === "tool" && (p() as Card | Extract<SettledPart, { type: "tool" }>)}>
        {(c) => {
          const live = createMemo(() => {
            const card = c();
            return "status" in card
              ? card
              : (props.tool(card.call_id) ?? { status: "pending" as const, output: "" });
          });
          return (
            <ToolCard
              name={c().name}
              args={c().args}
              argsText={"args_text" in c() ? (c() as Card).args_text : undefined}
              status={live().status}
              output={live().output}
            />
          );
        }}
      </Match>
      <Match when={p().type === "image" && (p() as { mime: string; data: string })}>
        {(img) => (
          <img
            class="msg-image"
            alt="Attached to the message"
            src={`data:${img().mime};base64,${img().data}`}
          />
        )}
      </Match>
      <Match when={p().type === "file_ref" && (p() as { path: string })}>
        {(f) => <span class="badge mono">{f().path}</span>}
      </Match>
    </Switch>
  );
}

function Thinking(props: { text: string; streaming: boolean }) {
  return (
    <details class="thinking">
      <summary>
        <Brain size={14} aria-hidden="true" />
        {props.streaming ? "Thinking…" : "Thought"}
        <span class="muted small">{props.text.length > 0 ? ` · ${wordCount(props.text)} words` : ""}</span>
      </summary>
      <div class="thinking-text">{props.text}</div>
    </details>
  );
}

const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;

function MessageFoot(props: { message: Message; onRetry?: () => void }) {
  const m = props.message;
  return (
    <Show when={m.error || m.stop === "aborted" || m.stop === "length"}>
      <div class="msg-foot small">
        <Show when={m.stop === "aborted"}>
          <span class="muted">Stopped.</span>
        </Show>
        <Show when={m.stop === "length"}>
          <span class="warn-text">Cut off: the reply reached the model's output limit.</span>
        </Show>
        <Show when={m.error && m.stop !== "aborted" && m.error}>
          {(raw) => <FailureNote raw={raw()} onRetry={props.onRetry} />}
        </Show>
      </div>
    </Show>
  );
}

/** A failed reply, said once and plainly; the raw error folded below. */
function FailureNote(props: { raw: string; onRetry?: () => void }) {
  const f = () => explainFailure(props.raw);
  return (
    <div class="failure" role="alert" data-cause={f().cause}>
      <p>
        <strong>{f().summary}</strong> {f().advice}
      </p>
      <div class="row">
        <Show when={props.onRetry}>
          {(retry) => (
            <button type="button" class="btn small" onClick={() => retry()()}>
              <RotateCcw size={14} aria-hidden="true" /> Retry
            </button>
          )}
        </Show>
        <details>
          <summary class="muted">Details</summary>
          <pre class="failure-raw">{f().details}</pre>
        </details>
      </div>
    </div>
  );
}

function SystemNote(props: { message: Message; text: string }) {
  const label = () =>
    props.message.kind === "compaction"
      ? "Conversation compacted"
      : props.message.kind === "branch_summary"
        ? "Branch summary"
        : "Note";
  return (
    <details class="system-note">
      <summary>{label()}</summary>
      <ChatMarkdown text={props.text} />
    </details>
  );
}
