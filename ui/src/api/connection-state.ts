/**
 * The connection indicator's state: a pure reducer over what the HTTP client, the browser and the mux
 * socket report. "reconnecting" while a socket retries; "offline" when the browser or the server is gone.
 */

export type ConnectionStatus = "online" | "reconnecting" | "offline";
export type MuxStatus = "idle" | "connecting" | "open" | "retrying";

export interface ConnectionState {
  browserOnline: boolean;
  /** The last HTTP request reached the server. */
  serverReachable: boolean;
  mux: MuxStatus;
}

export type ConnectionEvent =
  | { type: "browser"; online: boolean }
  | { type: "http"; reachable: boolean }
  | { type: "mux"; status: MuxStatus };

export const initialConnection = (browserOnline = true): ConnectionState => ({
  browserOnline,
  serverReachable: true,
  mux: "idle",
});

export function reduceConnection(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  switch (event.type) {
    case "browser":
      return state.browserOnline === event.online ? state : { ...state, browserOnline: event.online };
    case "http":
      return state.serverReachable === event.reachable
        ? state
        : { ...state, serverReachable: event.reachable };
    case "mux":
      // An open socket proves the server is reachable, whatever an older request said.
      return {
        ...state,
        mux: event.status,
        serverReachable: event.status === "open" ? true : state.serverReachable,
      };
  }
}

export function connectionStatus(state: ConnectionState): ConnectionStatus {
  if (!state.browserOnline) return "offline";
  if (state.mux === "retrying" || state.mux === "connecting") return "reconnecting";
  if (!state.serverReachable) return "offline";
  return "online";
}
