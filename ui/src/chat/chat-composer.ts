import type { Usage, WorkingPhase } from "../../../src/protocol/agent.ts";
import type { SendKind } from "./chat-state.ts";

/**
 * Composer rules, pure: which send a key press means, which images may be attached, and the numbers
 * of the context gauge and the cost meter.
 */

/**
 * Enter sends a prompt when the agent is idle. While it works a prompt would be refused (`busy`), so
 * Enter queues the message for when it is done (follow-up), the choice that never interrupts; the
 * other one, steering, is its own button.
 */
export function sendKindFor(working: WorkingPhase | null, busyChoice: "steer" | "follow_up"): SendKind {
  return working ? busyChoice : "prompt";
}

export const SEND_LABELS: Record<SendKind, string> = {
  prompt: "Send",
  steer: "Interrupt after this step",
  follow_up: "Queue for when it's done",
};
/** What the buttons show, so that one row holds them (each is the start of its full label). */
export const SHORT_SEND_LABELS: Record<SendKind, string> = {
  prompt: "Send",
  steer: "Interrupt",
  follow_up: "Queue",
};

/** One image, before base64 (which grows it by a third); the mux refuses frames above 8 MiB. */
export const MAX_IMAGE_BYTES = 3 * 1024 * 1024;
export const MAX_TOTAL_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGES = 8;
const IMAGE_MIME = /^image\/(png|jpeg|gif|webp)$/;

export interface ImageCandidate {
  name: string;
  type: string;
  size: number;
}

/** Which candidates fit next to those already attached; the rest come back with the reason. */
export function acceptImages(
  attached: readonly { size: number }[],
  candidates: readonly ImageCandidate[],
): { accepted: ImageCandidate[]; refused: { name: string; reason: string }[] } {
  let total = attached.reduce((n, a) => n + a.size, 0);
  let count = attached.length;
  const accepted: ImageCandidate[] = [];
  const refused: { name: string; reason: string }[] = [];
  for (const c of candidates) {
    const name = c.name || "pasted image";
    if (!IMAGE_MIME.test(c.type)) refused.push({ name, reason: "not a PNG, JPEG, GIF or WebP image" });
    else if (c.size > MAX_IMAGE_BYTES) refused.push({ name, reason: `larger than ${mb(MAX_IMAGE_BYTES)}` });
    else if (count >= MAX_IMAGES) refused.push({ name, reason: `at most ${MAX_IMAGES} images per message` });
    else if (total + c.size > MAX_TOTAL_IMAGE_BYTES)
      refused.push({ name, reason: `images of one message must stay under ${mb(MAX_TOTAL_IMAGE_BYTES)}` });
    else {
      accepted.push(c);
      total += c.size;
      count++;
    }
  }
  return { accepted, refused };
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** What the model holds after the last reply: its input (incl. cache) plus what it wrote. */
export function contextTokens(last: Usage | null): number {
  if (!last) return 0;
  const t = last.tokens;
  return t.input + t.cache_read + t.cache_write + t.output;
}

export function contextGauge(
  last: Usage | null,
  window: number | undefined,
): { used: number; window: number | null; fraction: number | null; level: "ok" | "high" | "full" } {
  const used = contextTokens(last);
  if (!window || window <= 0) return { used, window: null, fraction: null, level: "ok" };
  const fraction = Math.min(1, used / window);
  return { used, window, fraction, level: fraction >= 0.9 ? "full" : fraction >= 0.7 ? "high" : "ok" };
}

export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 2 : 1)}M`;
}

export function formatCost(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.01) return "<$0.01";
  if (usd < 100) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd)}`;
}

/** A client id for a send: unique per tab, valid for the protocol (`[A-Za-z0-9_.:-]{1,100}`). */
export function clientId(random: () => string, now: number): string {
  return `c${now.toString(36)}.${random()
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 16)}`;
}
