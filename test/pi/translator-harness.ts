import * as v from "valibot";
import { classifyLine } from "../../runner/pi/framing.ts";
import { PiTranslator } from "../../runner/pi/translate.ts";
import { type AgentEvent, agentEventSchema } from "../../src/protocol/agent.ts";

/** Helpers for the translator's unit tests: pi events as pi writes them, and a checked sink. */

/** A translator whose output is checked against the wire schema, with predictable message ids. */
export function setup() {
  const out: AgentEvent[] = [];
  let n = 0;
  const t = new PiTranslator(
    (e) => {
      const r = v.safeParse(agentEventSchema, e);
      if (!r.success) throw new Error(`invalid event ${JSON.stringify(e)}: ${r.issues[0]?.message}`);
      out.push(e);
    },
    { now: () => 1000, newMessageId: () => `msg_${(++n).toString(16).padStart(28, "0")}` },
  );
  const feed = (...events: object[]) => {
    for (const e of events) t.feed(classifyLine(JSON.stringify(e)));
  };
  const names = () => out.map((e) => e.event);
  const take = () => out.splice(0);
  return { t, out, feed, names, take };
}

export const mid = (n: number) => `msg_${n.toString(16).padStart(28, "0")}`;
export const user = (text: string) => ({ role: "user", content: [{ type: "text", text }], timestamp: 5 });
export const asst = (content: object[], extra: object = {}) => ({
  role: "assistant",
  content,
  provider: "fake",
  model: "fake-1",
  usage: { input: 100, output: 7, cacheRead: 0, cacheWrite: 0, totalTokens: 107, cost: { total: 0.25 } },
  stopReason: "stop",
  timestamp: 9,
  ...extra,
});
export const upd = (ame: object, snapshot: object[] = [{ type: "text", text: "snapshot runs ahead" }]) => ({
  type: "message_update",
  assistantMessageEvent: { ...ame, partial: { content: snapshot } },
  message: { role: "assistant", content: snapshot },
});
export const textDelta = (delta: string, ci = 0) => upd({ type: "text_delta", contentIndex: ci, delta });
