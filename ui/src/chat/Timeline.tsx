import ArrowDown from "lucide-solid/icons/arrow-down";
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import type { ChatState } from "../state/chat.ts";
import { liveEntries, settledEntries, toolResults, toolView } from "../state/chat-timeline.ts";
import { growDown, growUp, resize, tailWindow } from "../state/chat-window.ts";
import { PendingMessage, SettledMessage, StreamingMessage } from "./Message.tsx";

/**
 * The conversation, windowed: only a slice of the finished messages is in the DOM (it follows the end
 * while the reader is there, and grows a page at a time when they scroll up), rows off screen skip
 * layout (`content-visibility`), and a streaming token re-renders only the streaming message.
 */
export function Timeline(props: {
  state: ChatState;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  onFork?: (messageId: string) => void;
  empty?: import("solid-js").JSX.Element;
}) {
  let scroller!: HTMLDivElement;
  let top!: HTMLDivElement;
  let bottom!: HTMLDivElement;
  const messages = createMemo(() => props.state.messages);
  const settled = createMemo(() => settledEntries(messages()));
  const results = createMemo(() => toolResults(messages()));
  const tools = createMemo(() => props.state.tools);
  const live = createMemo(() => liveEntries(props.state));
  const streaming = createMemo(() => {
    const e = live()[0];
    return e?.type === "streaming" ? e : null;
  });
  const pending = createMemo(() => props.state.pending);

  const [win, setWin] = createSignal(tailWindow(settled().length));
  createEffect(
    on(
      () => settled().length,
      (total, before) => setWin((w) => resize(w, before ?? 0, total)),
      { defer: true },
    ),
  );
  const visible = createMemo(() => settled().slice(win().start, win().end));
  const tool = (id: string) => toolView(tools(), results(), id);

  // Follow the end while the reader is at the bottom; leave them alone once they scroll up.
  const [atBottom, setAtBottom] = createSignal(true);
  const onScroll = () => {
    const gap = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
    setAtBottom(gap < 48);
  };
  const toEnd = () => {
    setWin(tailWindow(settled().length));
    requestAnimationFrame(() => {
      scroller.scrollTop = scroller.scrollHeight;
      setAtBottom(true);
    });
  };
  createEffect(
    on([visible, streaming, pending, () => props.state.working], () => {
      if (atBottom() && win().end >= settled().length) scroller.scrollTop = scroller.scrollHeight;
    }),
  );

  onMount(() => {
    scroller.scrollTop = scroller.scrollHeight;
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          if (!e.isIntersecting) continue;
          if (e.target === top) setWin((w) => growUp(w));
          else if (e.target === bottom) setWin((w) => growDown(w, settled().length));
        }
      },
      { root: scroller, rootMargin: "600px 0px" },
    );
    io.observe(top);
    io.observe(bottom);
    onCleanup(() => io.disconnect());
  });

  return (
    <div class="timeline-wrap">
      <div
        class="timeline"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label="Conversation"
        aria-live="off"
      >
        <div ref={top} class="sentinel" aria-hidden="true" />
        <Show when={win().start > 0}>
          <p class="muted small center">Earlier messages load as you scroll up…</p>
        </Show>
        <Show when={settled().length === 0 && !streaming() && pending().length === 0}>{props.empty}</Show>
        <For each={visible()}>
          {(entry) => <SettledMessage entry={entry} tool={tool} onFork={props.onFork} />}
        </For>
        <div ref={bottom} class="sentinel" aria-hidden="true" />
        <Show when={win().end >= settled().length}>
          <Show when={streaming()}>{(s) => <StreamingMessage role={s().role} parts={s().parts} />}</Show>
          <For each={pending()}>
            {(p) => (
              <PendingMessage
                send={p}
                onRetry={() => props.onRetry(p.client_id)}
                onDiscard={() => props.onDiscard(p.client_id)}
              />
            )}
          </For>
        </Show>
      </div>
      <Show when={!atBottom() || win().end < settled().length}>
        <button type="button" class="btn small jump" onClick={toEnd}>
          <ArrowDown size={14} aria-hidden="true" /> Latest
        </button>
      </Show>
    </div>
  );
}
