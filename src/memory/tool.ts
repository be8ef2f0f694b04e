import { decode } from "../protocol/decode.ts";
import { ok } from "../protocol/errors.ts";
import { MemoryToolArgs } from "../protocol/memory.ts";
import type { ToolArea, ToolContext } from "../tools/dispatcher.ts";
import type { Actor, MemoryService, Scope } from "./service.ts";

const scopeOf = (ctx: ToolContext): Scope => ({ userId: ctx.user.id, projectId: ctx.projectId });
const actorOf = (ctx: ToolContext, messageId?: string): Actor => ({
  kind: "session",
  userId: ctx.user.id,
  sessionId: ctx.sessionId,
  ...(messageId ? { messageId } : {}),
});

/**
 * The message a call came from: the session's latest assistant message (pi ends the message that
 * asks for a tool before the tool runs), or null when it cannot be told.
 */
export type MessageOf = (ctx: ToolContext) => string | null;

/** `octo-tool memory …` → the area `memory`: the session's project and user come from its token. */
export function memoryArea(memory: MemoryService, messageOf: MessageOf = () => null): ToolArea {
  return {
    async add(args, ctx) {
      const a = decode(MemoryToolArgs.add, args, "memory add");
      if (!a.ok) return a;
      const made = memory.add(scopeOf(ctx), actorOf(ctx, a.value.message_id ?? messageOf(ctx) ?? undefined), {
        text: a.value.text,
        tags: a.value.tags,
        scope: a.value.user ? "user" : "project",
      });
      return made.ok ? ok({ memory: made.value }) : made;
    },
    async search(args, ctx) {
      const a = decode(MemoryToolArgs.search, args, "memory search");
      if (!a.ok) return a;
      return ok({ memories: await memory.search(scopeOf(ctx), a.value.query, { limit: a.value.limit }) });
    },
    async list(args, ctx) {
      const a = decode(MemoryToolArgs.list, args, "memory list");
      if (!a.ok) return a;
      return ok({ memories: memory.list(scopeOf(ctx), { limit: a.value.limit }) });
    },
    async show(args, ctx) {
      const a = decode(MemoryToolArgs.show, args, "memory show");
      if (!a.ok) return a;
      const m = memory.get(scopeOf(ctx), a.value.id);
      return m.ok ? ok({ memory: m.value }) : m;
    },
    async edit(args, ctx) {
      const a = decode(MemoryToolArgs.edit, args, "memory edit");
      if (!a.ok) return a;
      const m = memory.update(scopeOf(ctx), actorOf(ctx), a.value.id, { text: a.value.text });
      return m.ok ? ok({ memory: m.value }) : m;
    },
    async forget(args, ctx) {
      const a = decode(MemoryToolArgs.forget, args, "memory forget");
      if (!a.ok) return a;
      const m = memory.forget(scopeOf(ctx), actorOf(ctx), a.value.id);
      return m.ok ? ok({ memory: m.value }) : m;
    },
  };
}

/** What `latestAssistantMessage` needs of a user's history store. */
interface MessageHistory {
  currentSeq(sessionId: string): number;
  messages(sessionId: string, opts: { afterSeq?: number; limit?: number }): { id: string; role: string }[];
}

/** The id of the session's most recent assistant message (looked for among its last 200 events). */
export function latestAssistantMessage(history: MessageHistory, sessionId: string): string | null {
  const afterSeq = Math.max(0, history.currentSeq(sessionId) - 200);
  return (
    history
      .messages(sessionId, { afterSeq, limit: 500 })
      .filter((m) => m.role === "assistant")
      .at(-1)?.id ?? null
  );
}
