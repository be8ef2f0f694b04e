import Konva from "konva";
import ArrowUpRight from "lucide-solid/icons/arrow-up-right";
import Pencil from "lucide-solid/icons/pencil";
import Redo2 from "lucide-solid/icons/redo-2";
import Send from "lucide-solid/icons/send";
import Square from "lucide-solid/icons/square";
import Type from "lucide-solid/icons/type";
import Undo2 from "lucide-solid/icons/undo-2";
import X from "lucide-solid/icons/x";
import { createSignal, For, onCleanup, onMount, Show } from "solid-js";
import { added, emptyHistory, fitInto, type History, redo, undo } from "./annotation-history.ts";

type Tool = "pen" | "arrow" | "box" | "text";
const TOOLS: { id: Tool; label: string; icon: typeof Pencil }[] = [
  { id: "pen", label: "Pen", icon: Pencil },
  { id: "arrow", label: "Arrow", icon: ArrowUpRight },
  { id: "box", label: "Box", icon: Square },
  { id: "text", label: "Text", icon: Type },
];
const COLORS = [
  { value: "#e5484d", name: "Red" },
  { value: "#f5a524", name: "Yellow" },
  { value: "#3e63dd", name: "Blue" },
  { value: "#111111", name: "Black" },
];
/** The exported PNG's longest side at most (the chat's images stay small). */
const MAX_EXPORT_SIDE = 2000;

/**
 * Drawing over a picture with Konva: pen, arrow, box and text, undo/redo, pointer events (mouse, pen
 * and touch alike; `touch-action: none` keeps a finger drawing instead of scrolling). "Send to chat"
 * exports the picture with the drawing as one PNG at the picture's own resolution.
 */
export default function Annotator(props: {
  src: string;
  title: string;
  onClose: () => void;
  onSend: (pngBase64: string) => Promise<string | null>;
}) {
  let host!: HTMLDivElement;
  let stage: Konva.Stage | undefined;
  let layer: Konva.Layer | undefined;
  let scale = 1;
  const [tool, setTool] = createSignal<Tool>("pen");
  const [color, setColor] = createSignal(COLORS[0]?.value ?? "#e5484d");
  const [label, setLabel] = createSignal("");
  const [history, setHistory] = createSignal<History<Konva.Shape>>(emptyHistory());
  const [error, setError] = createSignal<string | null>(null);
  const [sending, setSending] = createSignal(false);
  const [ready, setReady] = createSignal(false);

  const commit = (shape: Konva.Shape) => setHistory((h) => added(h, shape));
  const onUndo = () => {
    const u = undo(history());
    u.shape?.remove();
    setHistory(u.history);
  };
  const onRedo = () => {
    const r = redo(history());
    if (r.shape) layer?.add(r.shape);
    setHistory(r.history);
  };

  onMount(() => {
    const img = new Image();
    img.onerror = () => setError("The picture could not be loaded.");
    img.onload = () => {
      const room = host.parentElement?.clientWidth ?? 800;
      const fit = fitInto(
        img.naturalWidth || 800,
        img.naturalHeight || 600,
        Math.max(240, room),
        window.innerHeight * 0.7,
      );
      scale = fit.scale;
      stage = new Konva.Stage({ container: host, width: fit.width, height: fit.height });
      const back = new Konva.Layer({ listening: false });
      back.add(new Konva.Rect({ width: fit.width, height: fit.height, fill: "#ffffff" }));
      back.add(new Konva.Image({ image: img, width: fit.width, height: fit.height }));
      layer = new Konva.Layer();
      stage.add(back, layer);
      wire(stage, layer);
      setReady(true);
    };
    img.src = props.src;
  });
  onCleanup(() => stage?.destroy());

  const wire = (st: Konva.Stage, ly: Konva.Layer) => {
    let drawing: Konva.Shape | null = null;
    let start = { x: 0, y: 0 };
    st.on("pointerdown", () => {
      const p = st.getPointerPosition();
      if (!p) return;
      start = p;
      const stroke = color();
      const t = tool();
      if (t === "text") {
        const text = label().trim() || "Note";
        const node = new Konva.Text({ x: p.x, y: p.y, text, fontSize: 20, fontStyle: "bold", fill: stroke });
        ly.add(node);
        commit(node);
        return;
      }
      drawing =
        t === "pen"
          ? new Konva.Line({
              points: [p.x, p.y, p.x, p.y],
              stroke,
              strokeWidth: 4,
              lineCap: "round",
              lineJoin: "round",
              tension: 0.3,
            })
          : t === "arrow"
            ? new Konva.Arrow({
                points: [p.x, p.y, p.x, p.y],
                stroke,
                fill: stroke,
                strokeWidth: 4,
                pointerLength: 14,
                pointerWidth: 14,
              })
            : new Konva.Rect({ x: p.x, y: p.y, width: 0, height: 0, stroke, strokeWidth: 4 });
      ly.add(drawing);
    });
    st.on("pointermove", () => {
      const p = st.getPointerPosition();
      if (!drawing || !p) return;
      if (drawing instanceof Konva.Arrow) drawing.points([start.x, start.y, p.x, p.y]);
      else if (drawing instanceof Konva.Line) drawing.points([...drawing.points(), p.x, p.y]);
      else if (drawing instanceof Konva.Rect)
        drawing.setAttrs({
          x: Math.min(start.x, p.x),
          y: Math.min(start.y, p.y),
          width: Math.abs(p.x - start.x),
          height: Math.abs(p.y - start.y),
        });
    });
    const end = () => {
      if (drawing) commit(drawing);
      drawing = null;
    };
    st.on("pointerup pointercancel", end);
    st.on("pointerleave", end);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== "z") return;
    e.preventDefault();
    if (e.shiftKey) onRedo();
    else onUndo();
  };

  const send = async () => {
    if (!stage) return;
    setSending(true);
    setError(null);
    try {
      const ratio = Math.min(1 / scale, MAX_EXPORT_SIDE / Math.max(stage.width(), stage.height()));
      const url = stage.toDataURL({ mimeType: "image/png", pixelRatio: Math.max(1, ratio) });
      const failed = await props.onSend(url.slice(url.indexOf(",") + 1));
      if (failed) setError(failed);
    } catch (e) {
      setError(`The drawing could not be exported: ${(e as Error).message}`);
    } finally {
      setSending(false);
    }
  };

  return (
    <section class="annotator stack" aria-label={`Annotate ${props.title}`} onKeyDown={onKeyDown}>
      <div class="annotator-tools row wrap" role="toolbar" aria-label="Drawing tools">
        <For each={TOOLS}>
          {(t) => (
            <button
              type="button"
              class="btn ghost"
              aria-pressed={tool() === t.id}
              onClick={() => setTool(t.id)}
              title={t.label}
            >
              <t.icon size={16} aria-hidden="true" /> {t.label}
            </button>
          )}
        </For>
        <Show when={tool() === "text"}>
          <input
            class="annotator-label"
            aria-label="Text to place"
            placeholder="Text, then tap the picture"
            value={label()}
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
        </Show>
        <fieldset class="annotator-colors">
          <legend class="sr-only">Colour</legend>
          <For each={COLORS}>
            {(c) => (
              <button
                type="button"
                class="annotator-swatch"
                aria-pressed={color() === c.value}
                aria-label={c.name}
                style={{ background: c.value }}
                onClick={() => setColor(c.value)}
              />
            )}
          </For>
        </fieldset>
        <button
          type="button"
          class="btn ghost icon"
          aria-label="Undo"
          title="Undo (Ctrl+Z)"
          disabled={history().shapes.length === 0}
          onClick={onUndo}
        >
          <Undo2 size={16} />
        </button>
        <button
          type="button"
          class="btn ghost icon"
          aria-label="Redo"
          title="Redo (Ctrl+Shift+Z)"
          disabled={history().undone.length === 0}
          onClick={onRedo}
        >
          <Redo2 size={16} />
        </button>
        <span class="spacer" />
        <button type="button" class="btn" onClick={() => props.onClose()}>
          <X size={16} aria-hidden="true" /> Done
        </button>
        <button
          type="button"
          class="btn primary"
          disabled={!ready() || sending()}
          onClick={() => void send()}
        >
          <Send size={16} aria-hidden="true" /> {sending() ? "Sending…" : "Send to chat"}
        </button>
      </div>
      <Show when={error()}>
        {(e) => (
          <p class="error" role="alert">
            {e()}
          </p>
        )}
      </Show>
      <div class="annotator-stage" data-shapes={history().shapes.length}>
        <div ref={host} />
      </div>
    </section>
  );
}
