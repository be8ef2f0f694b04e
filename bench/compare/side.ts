/**
 * What bench/compare.ts needs of a product, so every section runs the same steps on octo and on
 * opencode: start and stop conversations, prompt, and a per-conversation log of what its client
 * received (text deltas with arrival times, bytes, turn ends) in the shape of bench/stream's.
 */
import type { SessionLog } from "../stream/client.ts";

export interface Conversation {
  id: string;
  log: SessionLog;
}

export interface Side {
  readonly name: string;
  /** The processes whose descendants make the product's tree (see tree.ts). */
  roots(): number[];
  /** GB of memory `n` flooding conversations may take (from the 10-flood peaks), to skip what cannot fit. */
  memoryGb(n: number): number;
  /** What a browser loads on opening the project's page (its conversation list). */
  open(): Promise<void>;
  /** A new conversation, its client subscribed, ready for a prompt (the agent may still be starting). */
  create(): Promise<Conversation>;
  prompt(c: Conversation, text: string): Promise<void>;
  /** Ends the conversation and lets go of its client. */
  remove(c: Conversation): Promise<void>;
  stop(): Promise<void>;
}

/** Resolves once `check()` holds, re-checked on each event the conversation's client receives. */
export function waitLog(c: Conversation, what: string, check: () => boolean, ms = 120_000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.log.waiters.delete(waker);
      reject(
        new Error(
          `timed out waiting for ${what} on ${c.id}; events so far: ${c.log.events.slice(-12).join(", ")}`,
        ),
      );
    }, ms);
    const waker = () => {
      if (!check()) return;
      clearTimeout(timer);
      c.log.waiters.delete(waker);
      resolve();
    };
    c.log.waiters.add(waker);
  });
}

/** The `n`th end of a turn (octo: agent.idle; opencode: session.idle). */
export const waitIdle = (c: Conversation, n: number, ms?: number) =>
  waitLog(c, `turn end #${n}`, () => c.log.idles >= n, ms);

export const waitFirstDelta = (c: Conversation, after: number, ms?: number) =>
  waitLog(c, "a text delta", () => c.log.deltaTimes.length > after, ms);

/** A conversation that has answered one prompt (opencode titles a session on its first prompt). */
export async function warmConversation(side: Side): Promise<Conversation> {
  const c = await side.create();
  await side.prompt(c, "hello");
  await waitIdle(c, 1, 300_000);
  return c;
}
