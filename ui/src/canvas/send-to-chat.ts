import type { ImagePart } from "../../../src/protocol/agent.ts";
import { mux } from "../api/tab-mux.ts";
import { agentStarted } from "../chat/agent-started.ts";
import { listSessions } from "../chat/chat-api.ts";
import { clientId } from "../chat/chat-composer.ts";
import { sortSessions } from "../chat/chat-sessions.ts";

const random = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);

/**
 * Sends an image with a line of text to the project's conversation: the most recently active one,
 * or a new one when there is none. A busy agent gets it queued for when it is done (follow-up),
 * like the composer's Enter. Resolves with the conversation's id, or an error message.
 */
export async function sendImageToChat(
  projectId: string,
  text: string,
  image: ImagePart,
): Promise<{ ok: true; sessionId: string } | { ok: false; message: string }> {
  const client = mux();
  const listed = await listSessions(projectId);
  if (!listed.ok) return { ok: false, message: listed.error.message };
  let sessionId = sortSessions(listed.value.sessions)[0]?.id;
  let created = false;
  if (!sessionId) {
    const r = await client.request("agent", "session.create", { project_id: projectId });
    if (!r.ok) return { ok: false, message: `Could not start a conversation: ${r.error.message}` };
    sessionId = (r.data as { session_id: string }).session_id;
    created = true;
    await agentStarted(client, sessionId);
  }
  const body = { session_id: sessionId, message: text, images: [image] };
  let sent = await client.request("agent", "prompt", { ...body, client_id: clientId(random, Date.now()) });
  if (!sent.ok && sent.error.code === "busy")
    sent = await client.request("agent", "follow_up", { ...body, client_id: clientId(random, Date.now()) });
  if (!sent.ok) {
    if (created) await client.request("agent", "session.delete", { session_id: sessionId });
    return { ok: false, message: `Could not send: ${sent.error.message}` };
  }
  return { ok: true, sessionId };
}
