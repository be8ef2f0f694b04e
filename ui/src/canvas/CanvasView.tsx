import { useNavigate } from "@solidjs/router";
import PenLine from "lucide-solid/icons/pen-line";
import Upload from "lucide-solid/icons/upload";
import {
  createEffect,
  createMemo,
  createResource,
  createSignal,
  For,
  lazy,
  onCleanup,
  Show,
  Suspense,
} from "solid-js";
import type { ApiResult } from "../api/http.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { relativeTime } from "../components/time.ts";
import { MarkdownPreview } from "../files/Preview.tsx";
import { watchChanges } from "../records/watch-changes.ts";
import type { CanvasArtifact, CanvasRevision } from "./canvas-api.ts";
import * as api from "./canvas-api.ts";
import { renderMermaid, svgDataUrl } from "./mermaid.ts";
import { sendImageToChat } from "./send-to-chat.ts";
import { snapshotFrame, snapshotRendered } from "./snapshot.ts";
import "./canvas.css";

const Annotator = lazy(() => import("./Annotator.tsx"));

const publisher = (p: CanvasArtifact["updated_by"]) => (p.kind === "person" ? p.username : "the agent");
const KIND_LABEL: Record<CanvasArtifact["kind"], string> = {
  markdown: "Markdown",
  html: "HTML",
  svg: "SVG",
  image: "Image",
  mermaid: "Mermaid",
};

/**
 * The Canvas tab: what the agent (`octo-tool canvas publish`) and the person published, rendered,
 * live. HTML runs in a sandboxed frame with no network (its bytes come with a CSP that forbids it);
 * pictures and diagrams can be drawn on and sent to the chat as an image.
 */
export default function CanvasView(props: { projectId: string }) {
  const navigate = useNavigate();
  const [list, setList] = createSignal<ApiResult<{ artifacts: CanvasArtifact[] }>>();
  const [selected, setSelected] = createSignal<string | null>(null);
  const load = async () => {
    const r = await api.listArtifacts(props.projectId);
    setList(r);
    const first = r.ok ? r.value.artifacts[0]?.id : undefined;
    if (r.ok && !r.value.artifacts.some((a) => a.id === selected())) setSelected(first ?? null);
  };
  void load();
  onCleanup(watchChanges(props.projectId, "canvas", () => void load()));

  const current = createMemo(() => {
    const r = list();
    return r?.ok ? (r.value.artifacts.find((a) => a.id === selected()) ?? null) : null;
  });

  const [uploadError, setUploadError] = createSignal<string | null>(null);
  const upload = async (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    const r = await api.uploadArtifact(props.projectId, file);
    if (!r.ok) return setUploadError(r.error.message);
    setUploadError(null);
    setSelected(r.value.artifact.id);
    void load();
  };

  return (
    <div class="canvas-tab">
      <div class="canvas-head row wrap">
        <p class="muted small">
          What the agent publishes with <code>octo-tool canvas publish FILE</code> shows here.
        </p>
        <span class="spacer" />
        <label class="btn">
          <Upload size={16} aria-hidden="true" /> Publish a file
          <input
            type="file"
            class="sr-only"
            aria-label="Publish a file"
            accept=".md,.markdown,.html,.htm,.svg,.mmd,.mermaid,image/png,image/jpeg,image/webp,image/gif"
            onChange={(e) => {
              void upload(e.currentTarget.files);
              e.currentTarget.value = "";
            }}
          />
        </label>
      </div>
      <Show when={uploadError()}>
        {(e) => (
          <p class="error" role="alert">
            {e()}
          </p>
        )}
      </Show>
      <Loaded result={list()}>
        {(r) => (
          <Show
            when={r().artifacts.length > 0}
            fallback={<p class="empty muted">Nothing on the canvas yet.</p>}
          >
            <div class="canvas-layout">
              <ul class="canvas-list" aria-label="Artifacts">
                <For each={r().artifacts}>
                  {(a) => (
                    <li>
                      <button
                        type="button"
                        class="canvas-item"
                        data-artifact={a.id}
                        aria-current={selected() === a.id ? "true" : undefined}
                        onClick={() => setSelected(a.id)}
                      >
                        <span class="canvas-item-title">{a.title}</span>
                        <span class="muted small">
                          <span class="badge">{KIND_LABEL[a.kind]}</span> rev {a.revision} ·{" "}
                          {publisher(a.updated_by)} · {relativeTime(a.updated_at)}
                        </span>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
              <Show when={current()} keyed>
                {(a) => (
                  <ArtifactPane
                    projectId={props.projectId}
                    artifact={a}
                    onDeleted={() => void load()}
                    onSent={(sessionId) => navigate(`/projects/${props.projectId}/chat?session=${sessionId}`)}
                  />
                )}
              </Show>
            </div>
          </Show>
        )}
      </Loaded>
    </div>
  );
}

/** One artifact: its revision picker, the rendered revision, and the annotator. */
function ArtifactPane(props: {
  projectId: string;
  artifact: CanvasArtifact;
  onDeleted: () => void;
  onSent: (sessionId: string) => void;
}) {
  // null: follow the newest revision (a new publish shows at once); a number: the one picked.
  const [picked, setPicked] = createSignal<number | null>(null);
  const [detail] = createResource(
    () => `${props.artifact.id}:${props.artifact.revision}`,
    () => api.getArtifact(props.projectId, props.artifact.id),
  );
  const revisions = (): CanvasRevision[] => {
    const d = detail();
    return d?.ok ? d.value.revisions : [];
  };
  const shown = createMemo((): CanvasRevision | null => {
    const want = picked() ?? props.artifact.revision;
    return revisions().find((r) => r.revision === want) ?? null;
  });
  const url = () => {
    const r = shown();
    return r ? api.contentUrl(props.projectId, props.artifact.id, r.revision) : "";
  };
  const [annotating, setAnnotating] = createSignal<string | null>(null);
  const [mermaidSvg, setMermaidSvg] = createSignal<string | null>(null);

  const remove = async () => {
    const r = await api.deleteArtifact(props.projectId, props.artifact.id);
    if (r.ok) props.onDeleted();
    return r.ok ? null : r.error.message;
  };
  const annotateSource = (): string | null => {
    const r = shown();
    if (!r) return null;
    if (r.kind === "image" || r.kind === "svg") return url();
    if (r.kind === "mermaid") return mermaidSvg() ? svgDataUrl(mermaidSvg() as string) : null;
    return null;
  };
  // Markdown and HTML are drawn into a picture first: Markdown by the app, HTML by its own frame.
  let renderBox: HTMLDivElement | undefined;
  const [preparing, setPreparing] = createSignal(false);
  const [annotateError, setAnnotateError] = createSignal<string | null>(null);
  // The frame's own script listens only once its document has loaded.
  const [frameLoaded, setFrameLoaded] = createSignal<string | null>(null);
  const canAnnotate = () => {
    const kind = shown()?.kind;
    if (kind === "html") return frameLoaded() === url();
    return kind === "markdown" || annotateSource() !== null;
  };
  const startAnnotating = async () => {
    setAnnotateError(null);
    const direct = annotateSource();
    if (direct) return setAnnotating(direct);
    setPreparing(true);
    try {
      const frame = renderBox?.querySelector<HTMLIFrameElement>("iframe.canvas-frame");
      // Markdown may still be rendering (its text and the renderer load on their own): wait for it.
      const article = frame ? null : await rendered(renderBox, "article.markdown-body", 10_000);
      if (!frame && !article) return setAnnotateError("The artifact has not finished rendering; try again.");
      const got = frame ? await snapshotFrame(frame) : await snapshotRendered(article as Element);
      if (got.ok) {
        setFrameLoaded(null); // the frame is shown again, and loaded again, after annotating
        setAnnotating(got.png);
      } else setAnnotateError(got.message);
    } finally {
      setPreparing(false);
    }
  };
  const send = async (png: string) => {
    const r = shown();
    const sent = await sendImageToChat(
      props.projectId,
      `Annotated canvas artifact "${props.artifact.title}" (revision ${r?.revision ?? props.artifact.revision}).`,
      { type: "image", mime: "image/png", data: png },
    );
    if (!sent.ok) return sent.message;
    setAnnotating(null);
    props.onSent(sent.sessionId);
    return null;
  };

  return (
    <section class="canvas-pane card stack" aria-label={props.artifact.title}>
      <div class="row wrap canvas-pane-head">
        <h2 class="canvas-title">{props.artifact.title}</h2>
        <span class="spacer" />
        <label class="canvas-revision small">
          Revision
          <select
            aria-label="Revision"
            value={String(picked() ?? props.artifact.revision)}
            onChange={(e) => {
              const n = Number(e.currentTarget.value);
              setPicked(n === props.artifact.revision ? null : n);
            }}
          >
            <For each={revisions()}>
              {(r) => (
                <option value={String(r.revision)}>
                  {r.revision} — {relativeTime(r.created_at)} by {publisher(r.published_by)}
                </option>
              )}
            </For>
          </select>
        </label>
        <Show when={!annotating() && canAnnotate()}>
          <button
            type="button"
            class="btn"
            disabled={preparing()}
            aria-busy={preparing() ? "true" : undefined}
            onClick={() => void startAnnotating()}
          >
            <PenLine size={16} aria-hidden="true" /> {preparing() ? "Preparing…" : "Annotate"}
          </button>
        </Show>
        <ConfirmButton
          label="Delete"
          title={`Delete "${props.artifact.title}"?`}
          message={<p>Every revision of it goes. This cannot be undone.</p>}
          danger
          confirmLabel="Delete"
          onConfirm={remove}
        />
      </div>
      <p class="muted small canvas-path" title={props.artifact.path}>
        {props.artifact.path}
      </p>
      <Show when={annotateError()}>
        {(e) => (
          <p class="error" role="alert" data-testid="annotate-error">
            {e()}
          </p>
        )}
      </Show>
      <Show when={annotating()} keyed>
        {(src) => (
          <Suspense fallback={<p class="muted">Loading the drawing tools…</p>}>
            <Annotator
              src={src}
              title={props.artifact.title}
              onClose={() => setAnnotating(null)}
              onSend={send}
            />
          </Suspense>
        )}
      </Show>
      <Show when={!annotating() && shown()} keyed>
        {(r) => (
          <div class="canvas-render" data-kind={r.kind} data-revision={r.revision} ref={renderBox}>
            <Rendered
              kind={r.kind}
              url={url()}
              title={r.title}
              onMermaid={setMermaidSvg}
              onFrameLoad={setFrameLoaded}
            />
          </div>
        )}
      </Show>
    </section>
  );
}

/** The element matching `selector` inside `box`, once it is there (null after `ms`). */
function rendered(box: Element | undefined, selector: string, ms: number): Promise<Element | null> {
  const now = box?.querySelector(selector);
  if (!box || now) return Promise.resolve(now ?? null);
  return new Promise((resolve) => {
    const done = (el: Element | null) => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(el);
    };
    const observer = new MutationObserver(() => {
      const el = box.querySelector(selector);
      if (el) done(el);
    });
    const timer = setTimeout(() => done(null), ms);
    observer.observe(box, { childList: true, subtree: true });
  });
}

function Rendered(props: {
  kind: CanvasArtifact["kind"];
  url: string;
  title: string;
  onMermaid: (svg: string | null) => void;
  onFrameLoad: (url: string) => void;
}) {
  if (props.kind === "html")
    return (
      <iframe
        class="canvas-frame"
        title={props.title}
        src={props.url}
        sandbox="allow-scripts"
        referrerpolicy="no-referrer"
        onLoad={() => props.onFrameLoad(props.url)}
      />
    );
  if (props.kind === "image" || props.kind === "svg")
    return <img class="canvas-image" src={props.url} alt={props.title} />;
  const [text] = createResource(() => props.url, api.fetchText);
  if (props.kind === "markdown")
    return (
      <Show when={text() !== undefined} fallback={<p class="muted">Loading…</p>}>
        <Show when={text() !== null} fallback={<p class="error">Could not load it.</p>}>
          <MarkdownPreview text={text() ?? ""} />
        </Show>
      </Show>
    );
  const [diagram] = createResource(text, (source) => renderMermaid(source));
  createEffect(() => {
    const d = diagram();
    props.onMermaid(d && "svg" in d ? d.svg : null);
  });
  return (
    <Show when={diagram()} fallback={<p class="muted">Drawing the diagram…</p>}>
      {(d) => {
        const out = d();
        return "svg" in out ? (
          <img class="canvas-image canvas-mermaid" src={svgDataUrl(out.svg)} alt={props.title} />
        ) : (
          <p class="error">This Mermaid diagram has an error: {out.error}</p>
        );
      }}
    </Show>
  );
}
