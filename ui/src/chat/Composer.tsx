import CornerDownRight from "lucide-solid/icons/corner-down-right";
import Ellipsis from "lucide-solid/icons/ellipsis";
import ImagePlus from "lucide-solid/icons/image-plus";
import ListOrdered from "lucide-solid/icons/list-ordered";
import Send from "lucide-solid/icons/send";
import Square from "lucide-solid/icons/square";
import X from "lucide-solid/icons/x";
import { createSignal, For, type JSX, onCleanup, onMount, Show } from "solid-js";
import type { ImagePart, WorkingPhase } from "../../../src/protocol/agent.ts";
import { LinkedText } from "../components/LinkedText.tsx";
import { acceptImages, SEND_LABELS, SHORT_SEND_LABELS, sendKindFor } from "./chat-composer.ts";
import type { ChatQueue, SendKind } from "./chat-state.ts";
import { type QueueAction, QueueList } from "./QueueList.tsx";
import { VoiceButton } from "./VoiceButton.tsx";

interface Attached extends ImagePart {
  name: string;
  size: number;
}

/**
 * The message box. Idle: Enter sends. While the agent works it offers two honest choices instead of a
 * send that would be refused: interrupt after the current step (steer) or queue for when it is done
 * (follow-up; also what Enter does then). Stop aborts. Images come by paste, drop or the picker.
 */
export function Composer(props: {
  working: WorkingPhase | null;
  disabled: string | null;
  queue: ChatQueue;
  onSend: (kind: SendKind, text: string, images: ImagePart[]) => Promise<string | null>;
  onStop: () => void;
  onQueue: (action: QueueAction) => Promise<string | null>;
  /** Text and images the box starts with (a forked message, to edit and send again). */
  initialText?: string;
  initialImages?: readonly ImagePart[];
  /** false: nothing for the More menu (no pickers), so no More button. */
  extras?: boolean;
  ref?: (el: HTMLTextAreaElement) => void;
  /** The project the conversation belongs to: voice input transcribes for it (and is metered there). */
  projectId?: string;
  children?: JSX.Element;
}) {
  let box!: HTMLTextAreaElement;
  let picker!: HTMLInputElement;
  const [text, setText] = createSignal(props.initialText ?? "");
  const [images, setImages] = createSignal<Attached[]>(
    (props.initialImages ?? []).map((img, i) => ({
      ...img,
      name: `image ${i + 1}`,
      size: Math.floor((img.data.length * 3) / 4),
    })),
  );
  const [more, setMore] = createSignal(false);
  // On a phone (or any touch screen) the box says only "Message": the keyboard hints mean nothing there.
  const narrowQuery = window.matchMedia("(max-width: 767px), (pointer: coarse)");
  const [narrow, setNarrow] = createSignal(narrowQuery.matches);
  const onNarrow = (e: MediaQueryListEvent) => setNarrow(e.matches);
  narrowQuery.addEventListener("change", onNarrow);
  onCleanup(() => narrowQuery.removeEventListener("change", onNarrow));
  const [note, setNote] = createSignal<string | null>(null);
  const [sending, setSending] = createSignal(false);

  // Dictated text joins what is in the box, to be read and edited; it is never sent by itself.
  const dictated = (words: string) => {
    const before = text();
    setText(before && !/\s$/.test(before) ? `${before} ${words}` : before + words);
    setNote(null);
    grow();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  };
  const grow = () => {
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight, 240)}px`;
  };
  // A pre-filled box (a fork) is ready to edit: focused, caret at the end.
  onMount(() => {
    if (!text() && images().length === 0) return;
    grow();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  });
  const submit = async (kind: SendKind) => {
    const body = text().trim();
    if ((!body && images().length === 0) || sending() || props.disabled) return;
    setSending(true);
    setNote(null);
    const imgs = images().map(({ type, mime, data }) => ({ type, mime, data }));
    setText("");
    setImages([]);
    queueMicrotask(grow);
    const err = await props.onSend(kind, body, imgs);
    setSending(false);
    if (err) {
      // Nothing typed is lost: a refused send puts the text back.
      if (!text()) setText(body);
      setNote(err);
      queueMicrotask(grow);
    }
    box.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit(sendKindFor(props.working, "follow_up"));
    } else if (e.key === "Escape" && props.working) {
      e.preventDefault();
      props.onStop();
    }
  };

  const attach = async (files: File[]) => {
    const { accepted, refused } = acceptImages(
      images(),
      files.map((f) => ({ name: f.name, type: f.type, size: f.size })),
    );
    setNote(refused.length ? refused.map((r) => `${r.name}: ${r.reason}`).join("; ") : null);
    for (const c of accepted) {
      const file = files.find((f) => f.name === c.name && f.size === c.size && f.type === c.type);
      if (!file) continue;
      const data = await base64(file);
      setImages((list) => [...list, { type: "image", mime: file.type, data, name: c.name, size: c.size }]);
    }
  };
  const onPaste = (e: ClipboardEvent) => {
    const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith("image/"));
    if (files.length === 0) return;
    e.preventDefault();
    void attach(files);
  };
  const onDrop = (e: DragEvent) => {
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    void attach(files);
  };

  return (
    <section
      class="composer"
      aria-label="New message"
      data-more={more() ? "open" : "closed"}
      onDragOver={(e) => e.preventDefault()}
      onDrop={onDrop}
    >
      <QueueList queue={props.queue} onAction={props.onQueue} />
      <Show when={images().length > 0}>
        <ul class="attachments" aria-label="Attached images">
          <For each={images()}>
            {(img, i) => (
              <li>
                <img alt={img.name} src={`data:${img.mime};base64,${img.data}`} />
                <button
                  type="button"
                  class="btn ghost icon small"
                  aria-label={`Remove ${img.name}`}
                  onClick={() => setImages((l) => l.filter((_, j) => j !== i()))}
                >
                  <X size={14} />
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={note() || props.disabled}>
        <div class="note warn small" role="status">
          <LinkedText text={props.disabled ?? note() ?? ""} />
        </div>
      </Show>
      <div class="composer-box">
        <label for="chat-input" class="sr-only">
          Message
        </label>
        <textarea
          id="chat-input"
          ref={(el) => {
            box = el;
            props.ref?.(el);
          }}
          rows={1}
          value={text()}
          placeholder={
            narrow()
              ? "Message"
              : props.working
                ? "Agent is working — Enter queues for when it's done"
                : "Message the agent (Enter to send, Shift+Enter for a new line)"
          }
          onInput={(e) => {
            setText(e.currentTarget.value);
            grow();
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <div class="composer-actions">
          <input
            ref={picker}
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            multiple
            hidden
            onChange={(e) => {
              void attach([...(e.currentTarget.files ?? [])]);
              e.currentTarget.value = "";
            }}
          />
          <button
            type="button"
            class="btn ghost icon"
            aria-label="Attach images"
            title="Attach images (or paste them)"
            onClick={() => picker.click()}
          >
            <ImagePlus size={18} />
          </button>
          <Show when={props.projectId}>
            {(projectId) => (
              <VoiceButton
                projectId={projectId()}
                onText={dictated}
                onError={(message) => setNote(message)}
              />
            )}
          </Show>
          <Show when={props.extras !== false}>
            <button
              type="button"
              class="btn ghost icon composer-more"
              aria-label="More options"
              aria-expanded={more()}
              onClick={() => setMore(!more())}
            >
              <Ellipsis size={18} />
            </button>
          </Show>
          <div class="composer-extra" onChange={() => setMore(false)}>
            {props.children}
            <Show when={props.working}>
              <button
                type="button"
                class="btn small"
                disabled={!text().trim() || sending()}
                aria-label={SEND_LABELS.steer}
                title="Delivered after the tool call that is running now, before the model continues"
                onClick={() => {
                  setMore(false);
                  void submit("steer");
                }}
              >
                <CornerDownRight size={15} aria-hidden="true" /> {SHORT_SEND_LABELS.steer}
              </button>
            </Show>
          </div>
          <span class="spacer" />
          <Show
            when={props.working}
            fallback={
              <button
                type="button"
                class="btn primary"
                disabled={sending() || !!props.disabled || (!text().trim() && images().length === 0)}
                onClick={() => void submit("prompt")}
              >
                <Send size={16} aria-hidden="true" /> {SEND_LABELS.prompt}
              </button>
            }
          >
            <button
              type="button"
              class="btn small"
              disabled={!text().trim() || sending()}
              aria-label={SEND_LABELS.follow_up}
              title="Delivered when the agent would otherwise stop (Enter)"
              onClick={() => void submit("follow_up")}
            >
              <ListOrdered size={15} aria-hidden="true" />{" "}
              <span class="label">{SHORT_SEND_LABELS.follow_up}</span>
            </button>
            <button type="button" class="btn danger" onClick={props.onStop} title="Stop the agent (Esc)">
              <Square size={14} aria-hidden="true" /> Stop
            </button>
          </Show>
        </div>
      </div>
    </section>
  );
}

function base64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}
