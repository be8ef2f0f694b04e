/**
 * A Bun socket with an outgoing queue. Bun's native sockets (lighter than node:net, which
 * would add ~5 MB to every runner) write what the kernel takes and report how much; the rest
 * waits here for `drain`. `buffered` lets event delivery pause instead of piling up memory.
 */
export class Wire {
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;

  constructor(private readonly socket: Bun.Socket<unknown>) {}

  get buffered(): number {
    return this.queued;
  }

  write(text: string): void {
    if (this.ended) return;
    const bytes = Buffer.from(text);
    if (this.queue.length > 0) {
      this.queue.push(bytes);
      this.queued += bytes.length;
      return;
    }
    const written = this.socket.write(bytes);
    if (written < bytes.length) {
      const rest = bytes.subarray(Math.max(0, written));
      this.queue.push(rest);
      this.queued += rest.length;
    }
  }

  /** Called on the socket's `drain`: true when everything queued has been written. */
  flush(): boolean {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      const written = this.socket.write(head);
      if (written <= 0) return false;
      this.queued -= Math.min(written, head.length);
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        return false;
      }
      this.queue.shift();
    }
    if (this.ended) this.socket.end();
    return true;
  }

  /** Close after whatever is queued has been written. */
  end(): void {
    this.ended = true;
    if (this.queue.length === 0) this.socket.end();
  }
}

/** True when something accepts connections on the unix socket (e.g. a live runner). */
export async function socketAnswers(path: string): Promise<boolean> {
  try {
    const s = await Bun.connect({ unix: path, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}
