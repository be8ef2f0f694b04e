/**
 * Keys a phone keyboard lacks, as the bytes a terminal expects. Each accessible name starts with
 * the key's visible text (what a voice-control user says), then spells it out.
 */
export const KEY_BAR = [
  { label: "Esc", aria: "Esc (Escape)", data: "\x1b" },
  { label: "Tab", aria: "Tab", data: "\t" },
  { label: "Ctrl", aria: "Ctrl (Control, applies to the next key)", data: null },
  { label: "←", aria: "Left arrow", data: "\x1b[D" },
  { label: "↑", aria: "Up arrow", data: "\x1b[A" },
  { label: "↓", aria: "Down arrow", data: "\x1b[B" },
  { label: "→", aria: "Right arrow", data: "\x1b[C" },
  { label: "|", aria: "Pipe", data: "|" },
  { label: "~", aria: "Tilde", data: "~" },
  { label: "/", aria: "Slash", data: "/" },
  { label: "-", aria: "Dash", data: "-" },
] as const;

/**
 * Ctrl applied to typed text: letters and `@[\]^_` become their control codes (Ctrl-C → 0x03),
 * `?` becomes DEL; only the first character is affected, the rest passes through.
 */
export function withCtrl(data: string): string {
  if (data.length === 0) return data;
  const first = data[0] as string;
  const rest = data.slice(1);
  const upper = first.toUpperCase();
  const code = upper.charCodeAt(0);
  if (code >= 0x40 && code <= 0x5f) return String.fromCharCode(code & 0x1f) + rest;
  if (first === "?") return `\x7f${rest}`;
  if (first === " ") return `\x00${rest}`;
  return data;
}
