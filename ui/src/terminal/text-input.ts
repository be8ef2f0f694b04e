/**
 * Text that reaches the terminal without a plain keydown: IME composition (CJK, dead keys such as
 * ¨ + u), dictation and phone keyboards (keyCode 229, text only in `beforeinput`), and Alt as Meta
 * (readline's Alt+b is ESC b). ghostty-web cancels every `beforeinput` and only reads
 * `compositionend`, so those texts were lost; this takes over both on the terminal's element.
 */
export function attachTextInput(el: HTMLElement, send: (data: string) => void): () => void {
  let composing = false;
  const clear = (target: EventTarget | null) => {
    if (target instanceof HTMLTextAreaElement) target.value = "";
  };
  const onCompositionStart = (e: CompositionEvent) => {
    composing = true;
    e.stopPropagation();
  };
  const onCompositionUpdate = (e: CompositionEvent) => e.stopPropagation();
  const onCompositionEnd = (e: CompositionEvent) => {
    composing = false;
    // ghostty-web would send it too (and then lose the next commit): only this listener sends it.
    e.stopPropagation();
    if (e.data) send(e.data);
    clear(e.target);
  };
  const onBeforeInput = (e: InputEvent) => {
    if (composing || e.isComposing) return; // committed by compositionend
    const data = textOf(e);
    if (data === null) return;
    e.preventDefault();
    e.stopPropagation();
    if (data) send(data);
    clear(e.target);
  };
  const listeners = [
    ["compositionstart", onCompositionStart],
    ["compositionupdate", onCompositionUpdate],
    ["compositionend", onCompositionEnd],
    ["beforeinput", onBeforeInput],
  ] as const;
  for (const [name, fn] of listeners) el.addEventListener(name, fn as EventListener, true);
  return () => {
    for (const [name, fn] of listeners) el.removeEventListener(name, fn as EventListener, true);
  };
}

/** What an input event without a keydown means to a shell; null for what is not ours to handle. */
export function textOf(e: Pick<InputEvent, "inputType" | "data">): string | null {
  switch (e.inputType) {
    case "insertText":
      return e.data ?? "";
    case "insertLineBreak":
    case "insertParagraph":
      return "\r";
    case "deleteContentBackward":
      return "\x7f";
    default:
      return null;
  }
}

/**
 * Alt (Option) as Meta: Alt plus a printable ASCII key is ESC and that key. AltGr arrives as
 * Ctrl+Alt and keeps typing its character. Returns the bytes, or null when the key is not such a chord.
 */
export function metaKey(
  e: Pick<KeyboardEvent, "altKey" | "ctrlKey" | "metaKey" | "key" | "code">,
): string | null {
  if (!e.altKey || e.ctrlKey || e.metaKey) return null;
  if (e.key.length === 1 && e.key >= " " && e.key <= "~") return `\x1b${e.key}`;
  // macOS Option turns letters into other characters (Option+b is ∫): fall back to the key's place,
  // except for its dead keys (Option+u, Option+e), which start an accent composition.
  if (e.key === "Dead") return null;
  const letter = /^Key([A-Z])$/.exec(e.code)?.[1];
  return letter ? `\x1b${letter.toLowerCase()}` : null;
}
