import type { Client } from "../http/client.ts";
import { AgentTab } from "../sessions/harness.ts";
import type { Frame } from "../terminals/harness.ts";

/**
 * A tab that answers the server's heartbeat, as the UI does: on a loaded machine an agent may take
 * longer to start than the server lets a silent socket live.
 */
export async function openTab(url: string, c: Client): Promise<AgentTab> {
  const t = await AgentTab.open(url, c.cookie);
  t.mux.ws.addEventListener("message", (m) => {
    const f = JSON.parse(String(m.data)) as Frame;
    if (f.ch === "system" && f.event === "ping")
      t.mux.ws.send(JSON.stringify({ ch: "system", cmd: "pong", ts: f.ts }));
  });
  return t;
}
