import { createSignal } from "solid-js";
import {
  type ConnectionEvent,
  type ConnectionStatus,
  connectionStatus,
  initialConnection,
  reduceConnection,
} from "./connection-state.ts";
import { onHttpOutcome } from "./http.ts";

/** Live connection status for the indicator, fed by the HTTP client, the browser and (later) the mux. */
const [state, setState] = createSignal(
  initialConnection(typeof navigator === "undefined" || navigator.onLine),
);
export const connection = (): ConnectionStatus => connectionStatus(state());
export const reportConnection = (event: ConnectionEvent) => setState((s) => reduceConnection(s, event));

onHttpOutcome((o) => reportConnection({ type: "http", reachable: o !== "network" }));
if (typeof window !== "undefined") {
  window.addEventListener("online", () => reportConnection({ type: "browser", online: true }));
  window.addEventListener("offline", () => reportConnection({ type: "browser", online: false }));
}
