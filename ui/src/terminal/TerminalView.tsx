import { FitAddon, init, Terminal } from "ghostty-web";
import { createSignal, For, onCleanup, onMount, Show } from "solid-js";
import { MAX_INPUT_BYTES, type TerminalInfo } from "../../../src/protocol/terminal.ts";
import { KEY_BAR, withCtrl } from "./keys.ts";
import { TerminalStream } from "./stream.ts";
import { attachTextInput, metaKey } from "./text-input.ts";
import "./terminal.css";
import { SocketTransport, type TerminalTransport, type TransportStatus } from "./transport.ts";

interface Tab {
  id: string;
  label: string;
  stream: TerminalStream;
  term: Terminal;
  fit: FitAddon;
  el: HTMLDivElement;
  exited: () => boolean;
  setExited: (v: boolean) => void;
  /** Events up to this seq are a replay of output already shown (and answered) once. */
  replayUntil: number;
  /** True while replayed output is written: the emulator's answers to it must not reach the shell. */
  replaying: boolean;
  detachInput: () => void;
}

export interface TerminalViewProps {
  projectId: string;
  /** The app's shared mux socket; without it the view opens its own. */
  transport?: TerminalTransport;
  /** Each new screen's plain text, for whoever needs to read it (tests, "copy all"). */
  onScreen?: (screen: { id: string; text: () => string }) => void;
}

/** The screen's lines (scrollback and viewport) as plain text. */
function screenText(term: Terminal): string {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < buf.length; y++) lines.push(buf.getLine(y)?.translateToString(true) ?? "");
  return lines.join("\n").trimEnd();
}

const THEME = {
  background: "#16171a",
  foreground: "#e6e6e9",
  cursor: "#c9c7ff",
  selectionBackground: "#3b3a6b",
};

let ghosttyReady: Promise<void> | null = null;
/** Characters per `input` frame: at most 3 UTF-8 bytes each, well under MAX_INPUT_BYTES. */
const INPUT_CHUNK_CHARS = Math.floor(MAX_INPUT_BYTES / 4);

/** The project's shells: tabs, one ghostty-web screen each, re-attached after every reconnect. */
export default function TerminalView(props: TerminalViewProps) {
  const transport = props.transport ?? new SocketTransport();
  const [tabs, setTabs] = createSignal<Tab[]>([]);
  const [active, setActive] = createSignal<string | null>(null);
  const [status, setStatus] = createSignal<TransportStatus | "ready">("connecting");
  const [error, setError] = createSignal<string | null>(null);
  const [ctrl, setCtrl] = createSignal(false);
  let panes!: HTMLDivElement;
  let counter = 0;

  const byId = (id: string | null) => tabs().find((t) => t.id === id);
  /** Keystrokes go out as typed; a large paste is split to stay under the frame bound. */
  const sendInput = (id: string, data: string) => {
    let i = 0;
    while (i < data.length) {
      let end = Math.min(data.length, i + INPUT_CHUNK_CHARS);
      // Never split a surrogate pair: each half alone would reach the shell as U+FFFD.
      if (end < data.length && /[\uD800-\uDBFF]/.test(data[end - 1] as string)) end--;
      transport.send("input", { terminal_id: id, data: data.slice(i, end) });
      i = end;
    }
  };

  const fail = (what: string, r: { ok: false; error: { message: string } }) =>
    setError(`${what}: ${r.error.message}`);

  async function attach(tab: Tab) {
    const after = tab.stream.afterSeq();
    const r = await transport.request("attach", {
      terminal_id: tab.id,
      ...(after ? { after_seq: after } : {}),
    });
    if (!r.ok && r.error.code === "not_found") return drop(tab.id);
    if (!r.ok) return;
    const info = (r.data as { terminal: TerminalInfo }).terminal;
    // The server sends the replay only after this answer, so nothing of it has been written yet.
    tab.replayUntil = info.last_seq;
    if (info.state === "running" && (info.cols !== tab.term.cols || info.rows !== tab.term.rows))
      transport.send("resize", { terminal_id: tab.id, cols: tab.term.cols, rows: tab.term.rows });
  }

  function addTab(info: TerminalInfo): Tab {
    const el = document.createElement("div");
    el.className = "term-screen";
    el.dataset.terminal = info.terminal_id;
    panes.append(el);
    const term = new Terminal({
      fontSize: 14,
      theme: THEME,
      scrollback: 5000,
      cursorBlink: true,
      cols: info.cols ?? 80,
      rows: info.rows ?? 24,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    const stream = new TerminalStream(info.terminal_id, {
      write: (b) => term.write(b),
      reset: () => term.reset(),
    });
    const [exited, setExited] = createSignal(info.state === "exited");
    const tab: Tab = {
      id: info.terminal_id,
      label: `Shell ${++counter}`,
      stream,
      term,
      fit,
      el,
      exited,
      setExited,
      replayUntil: 0,
      replaying: false,
      detachInput: () => {},
    };
    const type = (data: string) => {
      if (tab.exited()) return;
      let out = data;
      if (ctrl()) {
        out = withCtrl(data);
        setCtrl(false);
      }
      sendInput(tab.id, out);
    };
    // Answers to terminal queries (cursor position, device attributes) come out of onData while
    // output is written; for replayed output the shell got them long ago: typing them again is junk.
    term.onData((data) => {
      if (!tab.replaying) type(data);
    });
    term.attachCustomKeyEventHandler((e) => {
      const meta = e.type === "keydown" ? metaKey(e) : null;
      if (meta) type(meta);
      return meta !== null;
    });
    tab.detachInput = attachTextInput(el, type);
    term.onResize(({ cols, rows }) => {
      if (!tab.exited()) transport.send("resize", { terminal_id: tab.id, cols, rows });
    });
    fit.observeResize();
    props.onScreen?.({ id: tab.id, text: () => screenText(term) });
    setTabs((ts) => [...ts, tab]);
    return tab;
  }

  function drop(id: string) {
    const tab = byId(id);
    if (!tab) return;
    tab.detachInput();
    tab.fit.dispose();
    tab.term.dispose();
    tab.el.remove();
    const rest = tabs().filter((t) => t.id !== id);
    setTabs(rest);
    if (active() === id) show(rest[rest.length - 1]?.id ?? null);
  }

  function show(id: string | null) {
    setActive(id);
    for (const t of tabs()) t.el.hidden = t.id !== id;
    const tab = byId(id);
    if (tab) {
      requestAnimationFrame(() => {
        tab.fit.fit();
        tab.term.focus();
      });
    }
  }

  async function openNew() {
    setError(null);
    const r = await transport.request("open", { project_id: props.projectId, cols: 80, rows: 24 });
    if (!r.ok) return fail("Cannot open a terminal", r);
    const tab = addTab((r.data as { terminal: TerminalInfo }).terminal);
    show(tab.id);
    tab.fit.fit();
    await attach(tab);
  }

  async function closeTab(id: string) {
    const r = await transport.request("close", { terminal_id: id });
    if (!r.ok && r.error.code !== "not_found") return fail("Cannot close the terminal", r);
    drop(id);
  }

  /** Every (re)connect: learn which shells exist, add new ones, re-attach all after their last seq. */
  async function sync() {
    const r = await transport.request("list", { project_id: props.projectId });
    if (!r.ok) return fail("Cannot list terminals", r);
    setStatus("ready");
    const listed = (r.data as { terminals: TerminalInfo[] }).terminals;
    const known = new Set(tabs().map((t) => t.id));
    for (const info of listed) if (!known.has(info.terminal_id)) addTab(info);
    const live = new Set(listed.map((i) => i.terminal_id));
    for (const t of tabs()) if (!live.has(t.id)) drop(t.id);
    await Promise.all(tabs().map(attach));
    if (tabs().length === 0) await openNew();
    else if (!byId(active())) show(tabs()[0]?.id ?? null);
  }

  onMount(() => {
    ghosttyReady ??= init();
    let offOpen = () => {};
    const offEvent = transport.onEvent((e) => {
      const tab = byId(e.terminal_id);
      if (!tab) return;
      // Writing is synchronous, answers included, so the flag covers exactly this event's bytes.
      tab.replaying = e.seq <= tab.replayUntil;
      try {
        if (tab.stream.apply(e) && e.event === "exit") tab.setExited(true);
      } finally {
        tab.replaying = false;
      }
    });
    const offStatus = transport.onStatus((s) => setStatus(s === "open" ? "connecting" : s));
    ghosttyReady.then(() => {
      offOpen = transport.onOpen(() => void sync());
    });
    onCleanup(() => {
      offOpen();
      offEvent();
      offStatus();
      for (const t of tabs()) {
        t.detachInput();
        t.fit.dispose();
        t.term.dispose();
      }
      if (!props.transport && transport instanceof SocketTransport) transport.close();
    });
  });

  const pressKey = (data: string | null) => {
    if (data === null) return setCtrl((c) => !c);
    const id = active();
    if (!id || byId(id)?.exited()) return;
    sendInput(id, ctrl() ? withCtrl(data) : data);
    setCtrl(false);
  };

  return (
    <div class="term-view">
      {/* Not a tablist: each shell has a close button beside it, which a tablist may not contain.
          The shown shell's button is pressed. */}
      {/* biome-ignore lint/a11y/useSemanticElements: a labelled group of buttons in a bar, not a form's fieldset */}
      <div class="term-tabs" role="group" aria-label="Terminals">
        <For each={tabs()}>
          {(t) => (
            <div class="term-tab" classList={{ active: active() === t.id, exited: t.exited() }}>
              <button type="button" aria-pressed={active() === t.id} onClick={() => show(t.id)}>
                {t.label}
                <Show when={t.exited()}>
                  <span class="muted small"> (exited)</span>
                </Show>
              </button>
              <button
                type="button"
                class="term-close"
                aria-label={`Close ${t.label}`}
                onClick={() => closeTab(t.id)}
              >
                ×
              </button>
            </div>
          )}
        </For>
        <button type="button" class="term-new" aria-label="New terminal" onClick={() => openNew()}>
          +
        </button>
        <span class="term-status muted small" role="status">
          {status() === "ready" ? "" : status() === "retrying" ? "Reconnecting…" : "Connecting…"}
        </span>
      </div>
      <Show when={error()}>
        <p class="term-error" role="alert">
          {error()}
        </p>
      </Show>
      <div class="term-panes" ref={panes} />
      <div class="term-keys" role="toolbar" aria-label="Extra keys">
        <For each={KEY_BAR}>
          {(k) => (
            <button
              type="button"
              aria-label={k.aria}
              aria-pressed={k.data === null ? ctrl() : undefined}
              classList={{ sticky: k.data === null && ctrl() }}
              onPointerDown={(e) => e.preventDefault()}
              onClick={() => pressKey(k.data)}
            >
              {k.label}
            </button>
          )}
        </For>
      </div>
    </div>
  );
}
