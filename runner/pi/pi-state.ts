import type { AgentState, ThinkingLevel } from "../../src/protocol/agent.ts";
import type { ErrorBody } from "../../src/protocol/errors.ts";

/** pi `get_state` data → canonical AgentState; pi's failure strings → stable error codes. */

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const LEVELS = new Set<string>(["off", "minimal", "low", "medium", "high", "xhigh"]);

export const modelRef = (model: unknown): string | undefined =>
  isObj(model) && typeof model.provider === "string" && typeof model.id === "string"
    ? `${model.provider}/${model.id}`
    : undefined;

export function toAgentState(data: unknown): AgentState {
  const d = isObj(data) ? data : {};
  const level = typeof d.thinkingLevel === "string" && LEVELS.has(d.thinkingLevel) ? d.thinkingLevel : "off";
  const state: AgentState = {
    thinking_level: level as ThinkingLevel,
    streaming: d.isStreaming === true,
    compacting: d.isCompacting === true,
    message_count: typeof d.messageCount === "number" ? d.messageCount : 0,
    pending_count: typeof d.pendingMessageCount === "number" ? d.pendingMessageCount : 0,
    harness_session: {
      id: typeof d.sessionId === "string" ? d.sessionId : "",
      ...(typeof d.sessionFile === "string" ? { file: d.sessionFile } : {}),
    },
  };
  const model = modelRef(d.model);
  if (model) state.model = model;
  if (typeof d.sessionName === "string") state.name = d.sessionName;
  return state;
}

/** pi reports failures as free text; these are the ones a client can act on. */
export function piFailure(command: string, error: unknown): ErrorBody {
  const message = typeof error === "string" && error.length > 0 ? error : `${command} failed`;
  if (/already processing|streamingBehavior/i.test(message)) {
    return { code: "busy", message: "the agent is working: use steer or follow_up to queue a message" };
  }
  if (/not found|does not exist|no such/i.test(message)) return { code: "not_found", message };
  if (/^Unknown command/i.test(message) || command === "parse") return { code: "unknown_command", message };
  return { code: "agent_failed", message };
}
