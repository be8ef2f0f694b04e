/**
 * Mermaid diagrams to SVG, with the `mermaid` package loaded on first use (its own chunk). It runs
 * in the page under the UI's CSP: it needs no eval and only inline styles, which the policy allows.
 * `securityLevel: "strict"` has mermaid sanitise labels and drop click handlers; plain-SVG labels
 * (`htmlLabels: false`, no `<foreignObject>`) keep the picture drawable onto a canvas for annotation.
 */
let loaded: Promise<typeof import("mermaid").default> | null = null;
let counter = 0;

function load() {
  loaded ??= import("mermaid").then((m) => {
    m.default.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      htmlLabels: false,
      flowchart: { htmlLabels: false },
      theme: document.documentElement.dataset.theme === "dark" ? "dark" : "default",
    });
    return m.default;
  });
  return loaded;
}

/** The diagram as an SVG string, or an error message. */
export async function renderMermaid(source: string): Promise<{ svg: string } | { error: string }> {
  try {
    const mermaid = await load();
    const { svg } = await mermaid.render(`octo-mermaid-${++counter}`, source);
    return { svg };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** An SVG string as a data: URL (for `<img>` and for drawing onto a canvas). */
export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}
