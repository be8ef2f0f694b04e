/**
 * Which client-chosen `client_id` a user message that pi echoes back belongs to.
 *
 * pi's user messages carry no id of ours, so we follow pi's own bookkeeping instead of matching
 * text: a prompt sent while idle becomes the next user message that does not come out of a queue;
 * steer and follow-up messages wait in pi's queues, and pi emits `queue_update` (with the message
 * removed) immediately before the `message_start` of a message it takes out of a queue. pi rejects
 * a prompt while busy, so at most one prompt is ever on its way: a single slot suffices, and a
 * stale slot (an extension command that never produced a message) is replaced by the next prompt.
 */
type Obj = Record<string, unknown>;

export class UserMessageAttribution {
  private prompt: string | undefined;
  private readonly steering: string[] = [];
  private readonly followUp: string[] = [];
  private steeringSeen = 0;
  private followUpSeen = 0;
  /** Taken out of a queue by the last queue_update; valid only for the very next event. */
  private dequeued: string[] = [];
  private dequeuedFresh = false;

  expectPrompt(clientId: string): void {
    this.prompt = clientId;
  }
  expectQueued(queue: "steer" | "follow_up", clientId: string): void {
    (queue === "steer" ? this.steering : this.followUp).push(clientId);
  }
  /** The command was refused: nothing will come of it. */
  forget(clientId: string): void {
    if (this.prompt === clientId) this.prompt = undefined;
    for (const q of [this.steering, this.followUp]) {
      const i = q.lastIndexOf(clientId);
      if (i !== -1) q.splice(i, 1);
    }
  }

  /** Client ids of the steering messages pi reports as waiting in its queue, oldest first. */
  waitingSteering(): string[] {
    return this.steering.slice(0, this.steeringSeen);
  }

  /** pi's queues were emptied behind its back (its session was reloaded): nothing in them will come. */
  clearQueues(): void {
    this.steering.length = 0;
    this.followUp.length = 0;
    this.steeringSeen = 0;
    this.followUpSeen = 0;
    this.dequeued = [];
  }

  /** Called for every pi event before it is translated. */
  observe(type: string, e: Obj): void {
    if (type === "queue_update") {
      const steering = Array.isArray(e.steering) ? e.steering.length : 0;
      const followUp = Array.isArray(e.followUp) ? e.followUp.length : 0;
      this.dequeued = [];
      if (steering < this.steeringSeen)
        this.dequeued.push(...this.steering.splice(0, this.steeringSeen - steering));
      if (followUp < this.followUpSeen)
        this.dequeued.push(...this.followUp.splice(0, this.followUpSeen - followUp));
      this.steeringSeen = steering;
      this.followUpSeen = followUp;
      this.dequeuedFresh = true;
      return;
    }
    if (this.dequeuedFresh) this.dequeuedFresh = false;
    else this.dequeued = []; // a queue shrank without a user message following: it was cleared
  }

  /** The client_id for a user message that is starting now, if any. */
  take(): string | undefined {
    const fromQueue = this.dequeued.shift();
    if (fromQueue !== undefined) return fromQueue;
    const p = this.prompt;
    this.prompt = undefined;
    return p;
  }
}
