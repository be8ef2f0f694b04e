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

  // Each tag's computed style with nothing but the browser's own styles: only what differs is written
  // out. Taken in a shadow tree (the page's style sheets do not reach into it) under a host whose
  // properties are all reset, so it inherits what an empty document's body would give it; far cheaper
  // than a scratch frame, which needs a document of its own.
  const host = doc.createElement("div");
  host.setAttribute("aria-hidden", "true");
  host.style.cssText =
    "all:initial;position:fixed;left:-10000px;top:0;width:100px;height:100px;contain:strict";
  let clean: ShadowRoot | null = null;
  try {
    clean = host.attachShadow({ mode: "closed" });
    (doc.body ?? doc.documentElement).appendChild(host);
  } catch {
    clean = null;
  }
  // The properties a still picture depends on: box, layout, colour, text, tables, lists, SVG paint.
  // Only these are read (Chromium lists ~480, and each read costs about the same): not animation,
  // interaction, scrolling or custom properties (those are already resolved into these). Longhands
  // only, so none is written twice; a name the browser does not know reads as "" and is skipped.
  // Every inherited property is in ALWAYS; a group of non-inherited ones is read only when the
  // element can show it (its value otherwise changes nothing in the picture).
  // biome-ignore format: a long list, kept dense
  const ALWAYS = [
    "display", "position", "float", "clear", "box-sizing", "width", "height", "min-width", "min-height",
    "max-width", "max-height", "aspect-ratio", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding-top", "padding-right", "padding-bottom", "padding-left", "border-top-style",
    "border-right-style", "border-bottom-style", "border-left-style", "border-top-left-radius",
    "border-top-right-radius", "border-bottom-right-radius", "border-bottom-left-radius",
    "border-image-source", "outline-style", "column-count", "column-width", "column-span", "overflow-x",
    "overflow-y", "scrollbar-color", "visibility",
    "z-index", "opacity", "isolation", "mix-blend-mode", "filter", "backdrop-filter", "clip", "clip-path",
    "mask-image", "contain", "zoom", "shape-outside", "transform", "translate", "rotate", "scale",
    "perspective", "color", "background-color", "background-image", "background-clip", "box-shadow",
    "text-shadow", "box-decoration-break", "-webkit-box-decoration-break", "-webkit-text-fill-color",
    "-webkit-text-stroke-width", "-webkit-text-stroke-color", "accent-color", "color-scheme", "appearance",
    "forced-color-adjust", "font-family", "font-size", "font-style", "font-weight", "font-stretch",
    "font-size-adjust", "font-variant-caps", "font-variant-ligatures", "font-variant-numeric",
    "font-variant-east-asian", "font-variant-alternates", "font-variant-position", "font-feature-settings",
    "font-variation-settings", "font-kerning", "font-optical-sizing", "font-synthesis-weight",
    "font-synthesis-style", "font-synthesis-small-caps", "-webkit-font-smoothing", "text-rendering",
    "line-height", "letter-spacing", "word-spacing", "text-align", "text-align-last", "text-indent",
    "text-transform", "text-decoration-line", "text-decoration-skip-ink", "text-underline-offset",
    "text-underline-position", "text-emphasis-style", "text-emphasis-color", "text-emphasis-position",
    "white-space", "white-space-collapse", "text-wrap-mode", "text-wrap-style", "word-break",
    "overflow-wrap", "line-break", "hyphens", "tab-size", "direction", "unicode-bidi", "writing-mode",
    "text-orientation", "text-combine-upright", "vertical-align", "list-style-type", "list-style-position",
    "list-style-image", "counter-reset", "counter-increment", "counter-set", "quotes", "table-layout",
    "border-collapse", "-webkit-border-horizontal-spacing", "-webkit-border-vertical-spacing",
    "caption-side", "empty-cells", "image-rendering", "font-variant-emoji", "font-palette",
    "font-language-override", "ruby-position", "text-autospace", "text-spacing-trim", "text-justify",
    "hyphenate-character", "math-depth", "math-style", "math-shift", "-webkit-text-security",
    "content-visibility", "initial-letter", "-webkit-box-reflect", "offset-path",
    // SVG paint is inherited: an HTML parent's value reaches an inline SVG.
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray",
    "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "paint-order",
    "clip-rule", "marker-start", "marker-mid", "marker-end", "text-anchor", "dominant-baseline",
    "color-interpolation", "color-interpolation-filters", "shape-rendering",
  ];
  // Each side's width and colour, when its style draws a line.
  // biome-ignore format: a long list, kept dense
  const SIDES = [
    ["border-top-width", "border-top-color"],
    ["border-right-width", "border-right-color"],
    ["border-bottom-width", "border-bottom-color"],
    ["border-left-width", "border-left-color"],
  ];
  const OUTLINE = ["outline-width", "outline-color", "outline-offset"];
  const OFFSETS = ["top", "right", "bottom", "left"]; // when positioned
  // When the overflow is not visible.
  const CLIPPED = ["text-overflow", "scrollbar-gutter", "scrollbar-width", "resize", "overflow-clip-margin"];
  // biome-ignore format: a long list, kept dense
  const BORDER_IMAGE = [
    "border-image-slice", "border-image-width", "border-image-outset", "border-image-repeat",
  ];
  // biome-ignore format: a long list, kept dense
  const BACKGROUND = [
    "background-position-x", "background-position-y", "background-size", "background-repeat",
    "background-origin", "background-attachment", "background-blend-mode",
  ];
  // biome-ignore format: a long list, kept dense
  const TRANSFORMED = [
    "transform-origin", "transform-style", "transform-box", "perspective-origin", "backface-visibility",
    "offset-distance", "offset-rotate", "offset-anchor", "offset-position",
  ];
  const DECORATION = ["text-decoration-style", "text-decoration-color", "text-decoration-thickness"];
  const COLUMNS = ["column-fill", "column-rule-width", "column-rule-style", "column-rule-color"];
  // A flex, grid or old-style box container, and an item of one.
  // biome-ignore format: a long list, kept dense
  const CONTAINER = [
    "flex-direction", "flex-wrap", "justify-content", "justify-items", "align-content", "align-items",
    "row-gap", "column-gap", "grid-template-columns", "grid-template-rows", "grid-template-areas",
    "grid-auto-columns", "grid-auto-rows", "grid-auto-flow", "-webkit-box-orient", "-webkit-box-direction",
    "-webkit-box-align", "-webkit-box-pack", "-webkit-line-clamp",
  ];
  // biome-ignore format: a long list, kept dense
  const ITEM = [
    "flex-grow", "flex-shrink", "flex-basis", "order", "align-self", "justify-self", "-webkit-box-flex",
    "-webkit-box-ordinal-group",
    "grid-column-start", "grid-column-end", "grid-row-start", "grid-row-end",
  ];
  const REPLACED = ["object-fit", "object-position"];
  // biome-ignore format: a long list, kept dense
  const MASK = [
    "mask-size", "mask-repeat", "mask-origin", "mask-clip", "mask-composite", "mask-mode",
    "-webkit-mask-position-x", "-webkit-mask-position-y",
  ];
  const SHAPE = ["shape-margin", "shape-image-threshold"];
  // biome-ignore format: a long list, kept dense
  const SVG_ONLY = [
    "stop-color", "stop-opacity", "flood-color", "flood-opacity", "lighting-color", "baseline-shift",
    "alignment-baseline", "vector-effect", "mask-type", "cx", "cy", "r", "rx", "ry", "x", "y", "d",
  ];
  const PROPS = [
    ...ALWAYS,
    ...SIDES.flat(),
    ...OUTLINE,
    ...OFFSETS,
    ...CLIPPED,
    ...BORDER_IMAGE,
    ...BACKGROUND,
    ...TRANSFORMED,
    ...DECORATION,
    ...COLUMNS,
    ...CONTAINER,
    ...ITEM,
    ...REPLACED,
    ...MASK,
    ...SHAPE,
    ...SVG_ONLY,
  ];
  const COUNT = PROPS.length;
  const INDEX = new Map(PROPS.map((name, i) => [name, i]));
  const at = (name: string) => INDEX.get(name) as number;
  const DISPLAY = at("display");
  const BOXLIKE = /flex|grid|box|contents/; // "contents": its children are its parent's items
  // Index i of the array is PROPS[i]; "" where not read.
  const readInto = (cs: CSSStyleDeclaration, values: string[], names: readonly string[]) => {
    for (const name of names) values[at(name)] = cs.getPropertyValue(name);
  };
  const readAll = (cs: CSSStyleDeclaration): string[] => PROPS.map((name) => cs.getPropertyValue(name));
  const read = (cs: CSSStyleDeclaration, el: Element, parent: string[] | null): string[] => {
    const v = new Array<string>(COUNT).fill("");
    readInto(cs, v, ALWAYS);
    const get = (name: string) => v[at(name)] as string;
    for (const [width, color] of SIDES) {
      const style = get(`${(width as string).slice(0, -6)}-style`);
      if (style !== "none" && style !== "hidden") readInto(cs, v, [width as string, color as string]);
    }
    if (get("outline-style") !== "none") readInto(cs, v, OUTLINE);
    if (get("position") !== "static") readInto(cs, v, OFFSETS);
    if (get("overflow-x") !== "visible" || get("overflow-y") !== "visible") readInto(cs, v, CLIPPED);
    if (get("border-image-source") !== "none") readInto(cs, v, BORDER_IMAGE);
    if (get("background-image") !== "none") readInto(cs, v, BACKGROUND);
    if (
      get("transform") !== "none" ||
      get("translate") !== "none" ||
      get("rotate") !== "none" ||
      get("scale") !== "none" ||
      get("offset-path") !== "none" ||
      get("perspective") !== "none"
    )
      readInto(cs, v, TRANSFORMED);
    if (get("text-decoration-line") !== "none") readInto(cs, v, DECORATION);
    if (get("mask-image") !== "none") readInto(cs, v, MASK);
    if (get("shape-outside") !== "none") readInto(cs, v, SHAPE);
    if (get("column-count") !== "auto" || get("column-width") !== "auto") readInto(cs, v, COLUMNS);
    if (BOXLIKE.test(get("display")) || get("column-count") !== "auto" || get("column-width") !== "auto")
      readInto(cs, v, CONTAINER);
    if (parent === null || BOXLIKE.test(parent[DISPLAY] as string)) readInto(cs, v, ITEM);
    const tag = el.localName;
    if (tag === "img" || tag === "canvas") readInto(cs, v, REPLACED);
    if (el.namespaceURI === "http://www.w3.org/2000/svg") readInto(cs, v, SVG_ONLY);
    return v;
  };
  const baselines = new Map<string, string[] | null>();
  const baselineOf = (el: Element): string[] | null => {
    if (!clean) return null;
    const key = `${el.namespaceURI}|${el.localName}`;
    let got = baselines.get(key);
    if (got === undefined) {
      const probe = doc.createElementNS(el.namespaceURI ?? XHTML, el.localName);
      clean.appendChild(probe);
      got = readAll(win.getComputedStyle(probe));
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

  const styleOf = (el: Element, values: string[], parent: string[] | null): string => {
    const base = baselineOf(el);
    let out = "";
    for (let i = 0; i < COUNT; i++) {
      const value = values[i] as string;
      if (value === "") continue;
      // Written when it differs from the tag's default, or from the parent (it would inherit wrong).
      if (base !== null && base[i] === value && (parent === null || parent[i] === value)) continue;
      out += `${PROPS[i]}:${value};`;
    }
    return out;
  };

  const copy = (el: Element, parent: string[] | null): Node | null => {
    const tag = el.localName;
    if (SKIP.has(tag)) return null;
    const cs = win.getComputedStyle(el);
    if (cs.display === "none") return null;
    const values = read(cs, el, parent);
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
    host.remove();
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
