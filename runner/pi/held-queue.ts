import type { AgentEventOf, ImagePart, QueuedItem } from "../../src/protocol/agent.ts";

/**
 * Follow-ups octo holds for a working agent (docs/decisions/0015-follow-up-queue.md).
 *
 * pi's own follow-up queue cannot be cleared or edited over RPC, and `abort` leaves it in place, so a
 * follow-up never goes to pi while it works: it waits here and is sent as a plain `prompt` when pi is
 * idle. Steering goes to pi at once (it is due at pi's next turn boundary, which only pi knows);
 * this module only merges pi's steering queue into the one `agent.queue` event clients see.
 */
export interface HeldMessage {
  client_id: string;
  text: string;
  images?: ImagePart[];
}

export class HeldQueue {
  private held: HeldMessage[] = [];
  /** pi's steering queue as of its last `queue_update`, with our client ids where known. */
  private steering: { text: string; client_id?: string }[] = [];

  get length(): number {
    return this.held.length;
  }

  add(m: HeldMessage): void {
    this.held.push(m);
  }

  /** Take one out (to drop it or to deliver it some other way). */
  take(clientId: string): HeldMessage | undefined {
    const i = this.held.findIndex((m) => m.client_id === clientId);
    return i === -1 ? undefined : this.held.splice(i, 1)[0];
  }

  edit(clientId: string, text: string): boolean {
    const m = this.held.find((x) => x.client_id === clientId);
    if (m) m.text = text;
    return m !== undefined;
  }

  /** The next follow-up to run, oldest first. */
  next(): HeldMessage | undefined {
    return this.held.shift();
  }

  clear(): void {
    this.held = [];
  }

  /** pi reported its steering queue; `ids` are the client ids still waiting in it, oldest first. */
  piSteering(texts: readonly string[], ids: readonly string[]): void {
    this.steering = texts.map((text, i) => {
      const id = ids[i];
      return id === undefined ? { text } : { text, client_id: id };
    });
  }

  get hasPiSteering(): boolean {
    return this.steering.length > 0;
  }

  /** The whole queue as clients see it. */
  event(): AgentEventOf<"agent.queue"> {
    const items: QueuedItem[] = [];
    for (const s of this.steering)
      if (s.client_id) items.push({ client_id: s.client_id, kind: "steer", text: s.text });
    for (const m of this.held)
      items.push({
        client_id: m.client_id,
        kind: "follow_up",
        text: m.text,
        ...(m.images?.length ? { images: m.images.length } : {}),
      });
    return {
      event: "agent.queue",
      steering: this.steering.map((s) => s.text),
      follow_up: this.held.map((m) => m.text),
      items,
    };
  }
}
