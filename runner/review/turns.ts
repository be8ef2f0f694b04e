import type { AgentCommand } from "../../src/protocol/agent-commands.ts";
import type { Result } from "../../src/protocol/errors.ts";
import { agentActivity } from "./agents.ts";
import { storeFor } from "./store.ts";

const USER_MESSAGES = new Set(["prompt", "steer", "follow_up"]);

interface Agent {
  handle(c: AgentCommand): Promise<Result<unknown>>;
}

/**
 * An agent's checkpoints: one before each user message reaches pi (keyed by the session and the
 * message's client id), one when a turn ends (so later edits by the person can be told apart), and
 * the agent's working state for restores. Runs in the runner, outside the sandbox.
 */
export function turnCheckpoints(project: string, initialSession: string, agent: () => Agent) {
  const store = storeFor(project);
  let session = initialSession;
  let lastClientId: string | undefined;
  let working = false;
  const register = () =>
    agentActivity.register(project, session, () => agent().handle({ cmd: "abort", session_id: session }));
  register();
  return {
    /** The agent now works for another session (a spare took over a conversation). */
    rekey(to: string): void {
      agentActivity.unregister(project, session);
      session = to;
      register();
    },
    /** Before a command reaches pi: a user message first gets its checkpoint. */
    async before(c: AgentCommand): Promise<void> {
      if (!USER_MESSAGES.has(c.cmd) || !("client_id" in c)) return;
      lastClientId = c.client_id;
      try {
        await store.take("turn", { session, client_id: c.client_id });
      } catch (e) {
        // The prompt still goes: losing the person's message is worse than a missing checkpoint.
        console.error(`checkpoint before ${c.client_id} failed: ${(e as Error).message}`);
      }
    },
    observe(event: string): void {
      if (event === "agent.working" && !working) {
        working = true;
        agentActivity.set(project, session, true);
      } else if (event === "agent.idle" && working) {
        working = false;
        const clientId = lastClientId;
        void store
          .take("turn_end", { session, ...(clientId ? { client_id: clientId } : {}) })
          .catch((e) => console.error(`checkpoint after a turn failed: ${(e as Error).message}`))
          .finally(() => agentActivity.set(project, session, false));
      }
    },
    end(): void {
      agentActivity.unregister(project, session);
    },
  };
}
