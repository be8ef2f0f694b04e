/**
 * When to try the socket again: exponential backoff with full jitter (so a server restart is not
 * met by every tab at the same instant), capped; and right away when the network or the tab wakes up.
 */
export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 15_000;

export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Close codes after which retrying cannot help until the user signs in again. */
export const isAuthClose = (code: number): boolean => code === 4401 || code === 4403 || code === 1008;
