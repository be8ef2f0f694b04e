// A TCP → unix socket relay on 127.0.0.1, standing in for the relay that octo-sandbox runs inside
// the sandbox's network namespace (`OCTO_LLM_URL=http://127.0.0.1:<port>` → the bound-in socket).

import type { Socket } from "bun";

interface End {
  peer: Socket<End> | null;
  /** Bytes not yet accepted by this socket (it was not connected yet, or its buffer was full). */
  queue: Uint8Array[];
}

/** Writes what the socket takes now and queues the rest for its next `drain`. */
function send(socket: Socket<End>, bytes: Uint8Array): void {
  if (socket.data.queue.length > 0) {
    socket.data.queue.push(bytes);
    return;
  }
  const written = socket.write(bytes);
  if (written < bytes.byteLength) socket.data.queue.push(bytes.slice(Math.max(0, written)));
}

function flush(socket: Socket<End>): void {
  const queue = socket.data.queue;
  socket.data.queue = [];
  for (const bytes of queue) send(socket, bytes);
}

const handlers = {
  data(socket: Socket<End>, bytes: Uint8Array) {
    const peer = socket.data.peer;
    if (peer) send(peer, new Uint8Array(bytes));
    else socket.data.queue.push(new Uint8Array(bytes));
  },
  drain: flush,
  close(socket: Socket<End>) {
    socket.data.peer?.end();
  },
  error(socket: Socket<End>) {
    socket.data.peer?.end();
  },
};

export interface Relay {
  url: string;
  stop(): void;
}

export function startRelay(unixPath: string): Relay {
  const listener = Bun.listen<End>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      ...handlers,
      open(client) {
        client.data = { peer: null, queue: [] };
        Bun.connect<End>({
          unix: unixPath,
          socket: {
            ...handlers,
            open(upstream) {
              // Bytes the client sent before we were connected are waiting in its own queue.
              upstream.data = { peer: client, queue: client.data.queue };
              client.data = { peer: upstream, queue: [] };
              flush(upstream);
            },
          },
        }).catch(() => client.end());
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}`, stop: () => listener.stop(true) };
}
