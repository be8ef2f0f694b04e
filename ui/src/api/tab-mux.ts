import { loadSession } from "../auth/auth-session.ts";
import { reportConnection } from "./connection-monitor.ts";
import { MuxClient } from "./mux-client.ts";

/**
 * The tab's one mux socket, opened on first use (a project view), so the sign-in page and the admin
 * pages never hold a socket. Its state drives the connection indicator; an auth close re-checks the
 * session, which sends the tab to /login if it ended.
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
