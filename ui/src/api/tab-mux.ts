import { loadSession } from "../auth/auth-session.ts";
import { reportConnection } from "./connection-monitor.ts";
import { MuxClient } from "./mux-client.ts";

/**
 * The tab's one mux socket, opened by the signed-in frame (the sign-in pages never hold one). Its
 * state drives the connection indicator; an auth close re-checks the session, which sends the tab
 * to /login if it ended, saying why.
 */
let client: MuxClient | null = null;

export function mux(): MuxClient {
  if (!client) {
    client = new MuxClient({
      onStatus: (status) => reportConnection({ type: "mux", status }),
      onUnauthorized: () => void loadSession(),
      onInvalidFrame: (message) =>
        console.warn("octo: dropped a server frame that does not match the protocol:", message),
    });
    client.start();
  }
  return client;
}
