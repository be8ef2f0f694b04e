import type { MuxClient } from "../api/mux-client.ts";

/** Resolves when the session's agent reported its state (it is running), failed, or after 3 minutes. */
export function agentStarted(mux: MuxClient, sessionId: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, 180_000);
    const unsubscribe = mux.subscribe(sessionId, {
      afterSeq: () => seen,
      onEvent: (frame) => {
        seen = Math.max(seen, frame.seq);
        const e = frame.event;
        if (e === "session.state" || e === "agent.error" || e === "session.closed") queueMicrotask(done);
      },
    });
  });
}
