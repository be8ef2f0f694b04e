/**
 * A rendered piece of a page as a PNG, for annotation (decision 0031). The element is copied with
 * its computed styles written inline into an SVG `<foreignObject>`, which is drawn as an image onto
 * a canvas: the SVG is a `data:` URL, so Chromium does not taint the canvas and `toDataURL` works.
 * Used twice: by the Canvas tab on its rendered Markdown, and inside an HTML artifact's sandboxed
 * frame, where the server injects it as source text (`snapshotElement.toString()`), so it must stay
 * self-contained: no imports, no module-level names, only what a browser has.
 *
 * An image inside the element that cannot be copied (cross-origin, blocked, not loaded) becomes a
 * grey box of its size; so does a nested frame. A `<canvas>` is copied as its picture. Pseudo-elements
 * (`::before`/`::after`) and web fonts an SVG image cannot load are not reproduced.
 */
export interface SnapshotOptions {
  /** The longest the picture may be, in CSS pixels: wider or taller content is cut off. */
  maxWidth: number;
  maxHeight: number;
  /** The PNG data URL's length at most; a bigger result is redrawn at a smaller scale. */
  maxChars: number;
  /** Painted under the content where it is transparent. */
  background: string;
}

export async function snapshotElement(root: Element, opts: SnapshotOptions): Promise<string> {
  const doc = root.ownerDocument;
  const win = doc.defaultView;
  if (!win) throw new Error("the element is not in a window");
  const XHTML = "http://www.w3.org/1999/xhtml";
  const SKIP = new Set(["script", "noscript", "template", "style", "link", "meta", "title", "head"]);

  // Each tag's computed style in an empty document: only what differs is written out.
  const scratch = doc.createElement("iframe");
  scratch.setAttribute("aria-hidden", "true");
  scratch.style.cssText =
    "position:fixed;left:-10000px;top:0;width:100px;height:100px;border:0;visibility:hidden";
  (doc.body ?? doc.documentElement).appendChild(scratch);
  let clean: Document | null = null;
  try {
    clean = scratch.contentDocument;
  } catch {
    clean = null;
  }
  const baselines = new Map<string, Map<string, string>>();
  const baselineOf = (el: Element): Map<string, string> | null => {
    if (!clean?.body) return null;
    const key = `${el.namespaceURI}|${el.localName}`;
    let got = baselines.get(key);
    if (!got) {
      const probe = clean.createElementNS(el.namespaceURI ?? XHTML, el.localName);
      clean.body.appendChild(probe);
      const cs = clean.defaultView?.getComputedStyle(probe);
      got = new Map();
      if (cs)
        for (let i = 0; i < cs.length; i++) got.set(cs[i] as string, cs.getPropertyValue(cs[i] as string));
      probe.remove();
      baselines.set(key, got);
    }
    return got;
  };

  const placeholder = (w: number, h: number): Element => {
    const box = doc.createElementNS(XHTML, "div");
    box.setAttribute(
      "style",
      `display:inline-block;width:${Math.round(w)}px;height:${Math.round(h)}px;background:#d9d9d9;vertical-align:bottom`,
    );
    return box;
  };
  const pictureOf = (source: CanvasImageSource, w: number, h: number): string | null => {
    try {
      const c = doc.createElement("canvas");
      c.width = Math.max(1, Math.round(w));
      c.height = Math.max(1, Math.round(h));
      c.getContext("2d")?.drawImage(source, 0, 0, c.width, c.height);
      return c.toDataURL("image/png");
    } catch {
      return null; // tainted (cross-origin) or not drawable
    }
  };

  // Properties that change nothing in a still picture (reading each costs; custom properties are
  // already resolved into the others, and there are many on an app's page).
  const INERT =
    /^(--|animation|transition|cursor|pointer-events|user-select|-webkit-user|will-change|scroll-|overscroll|touch-action|caret|speak|view-|anchor|timeline|app-region|interactivity|interpolate-size|reading-)/;
  // An element's computed values, read once (its children compare against them).
  const valuesOf = (cs: CSSStyleDeclaration): Map<string, string> => {
    const values = new Map<string, string>();
    for (let i = 0; i < cs.length; i++) {
      const name = cs[i] as string;
      if (INERT.test(name)) continue;
      values.set(name, cs.getPropertyValue(name));
    }
    return values;
  };
  const styleOf = (el: Element, values: Map<string, string>, parent: Map<string, string> | null): string => {
    const base = baselineOf(el);
    let out = "";
    for (const [name, value] of values) {
      // Written when it differs from the tag's default, or from the parent (it would inherit wrong).
      if (base !== null && base.get(name) === value && (parent === null || parent.get(name) === value))
        continue;
      out += `${name}:${value};`;
    }
    return out;
  };

  const copy = (el: Element, parent: Map<string, string> | null): Node | null => {
    const tag = el.localName;
    if (SKIP.has(tag)) return null;
    const cs = win.getComputedStyle(el);
    if (cs.display === "none") return null;
    const values = valuesOf(cs);
    const rect = el.getBoundingClientRect();
    let out: Element;
    if (tag === "iframe" || tag === "frame" || tag === "object" || tag === "embed" || tag === "video") {
      out = placeholder(rect.width, rect.height);
      return out;
    }
    if (tag === "img" || tag === "canvas") {
      const ok =
        tag === "img" ? (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0 : true;
      const src = ok ? pictureOf(el as HTMLImageElement | HTMLCanvasElement, rect.width, rect.height) : null;
      if (!src) return placeholder(rect.width, rect.height);
      out = doc.createElementNS(XHTML, "img");
      out.setAttribute("src", src);
      out.setAttribute("style", styleOf(el, values, parent));
      return out;
    }
    out = el.cloneNode(false) as Element;
    for (const a of [...out.attributes])
      if (/^on/i.test(a.name) || a.name === "style" || a.name === "srcset") out.removeAttribute(a.name);
    if (tag === "input" || tag === "textarea" || tag === "select") {
      const field = el as HTMLInputElement;
      if (tag === "textarea") out.textContent = field.value;
      else if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) out.setAttribute("checked", "");
        else out.removeAttribute("checked");
      } else out.setAttribute("value", field.value);
    }
    out.setAttribute("style", styleOf(el, values, parent));
    for (const child of el.childNodes) {
      if (child.nodeType === 3) out.appendChild(doc.createTextNode(child.textContent ?? ""));
      else if (child.nodeType === 1) {
        const c = copy(child as Element, values);
        if (c) out.appendChild(c);
      }
    }
    return out;
  };

  let svg: string;
  let width: number;
  let height: number;
  try {
    const rect = root.getBoundingClientRect();
    width = Math.max(1, Math.min(opts.maxWidth, Math.ceil(Math.max(rect.width, root.scrollWidth))));
    height = Math.max(1, Math.min(opts.maxHeight, Math.ceil(Math.max(rect.height, root.scrollHeight))));
    const cloned = copy(root, null) as Element | null;
    if (!cloned) throw new Error("there is nothing to draw");
    // Placed at the top left of the picture, whatever its margins were in the page.
    cloned.setAttribute("style", `${cloned.getAttribute("style") ?? ""}margin:0;`);
    const body = new XMLSerializer().serializeToString(cloned);
    svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<foreignObject x="0" y="0" width="100%" height="100%">${body}</foreignObject></svg>`;
  } finally {
    scratch.remove();
  }

  const image = new Image();
  await new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = () => reject(new Error("the copy of the page could not be drawn"));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
  for (let scale = 1; scale >= 0.125; scale /= 2) {
    const c = doc.createElement("canvas");
    c.width = Math.max(1, Math.round(width * scale));
    c.height = Math.max(1, Math.round(height * scale));
    const g = c.getContext("2d");
    if (!g) throw new Error("no 2D canvas");
    g.fillStyle = opts.background;
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(image, 0, 0, c.width, c.height);
    const url = c.toDataURL("image/png");
    if (url.length <= opts.maxChars) return url;
  }
  throw new Error("the picture is too large");
}
