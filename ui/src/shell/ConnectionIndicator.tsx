import { connection } from "../api/connection-monitor.ts";

const TEXT = { online: "Connected", reconnecting: "Reconnecting…", offline: "Offline" } as const;

/** A small dot; words only when something is wrong. Announced politely when it changes. */
export function ConnectionIndicator() {
  return (
    <span class="conn" data-state={connection()} role="status" aria-live="polite" title={TEXT[connection()]}>
      <span class="conn-dot" aria-hidden="true" />
      <span classList={{ "sr-only": connection() === "online" }}>{TEXT[connection()]}</span>
    </span>
  );
}
