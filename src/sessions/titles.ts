import type { AgentEvent } from "../protocol/agent-events.ts";
import type { SessionRow } from "../storage/sessions.ts";
import type { SessionContext } from "./context.ts";

/** A title from the first user message: its first line, shortened at a word boundary. */
export function autoTitle(text: string): string {
  const line = text.trim().split("\n")[0]?.trim() ?? "";
  if (line.length <= 60) return line || "New session";
  const cut = line.slice(0, 60);
  const space = cut.lastIndexOf(" ");
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The title an untitled session gets from a batch: from the batch's first user message, if any. */
export function titleFromEvents(events: readonly AgentEvent[]): string | null {
  const first = events.find((e) => e.event === "stream.message_end" && e.message.role === "user");
  if (first?.event !== "stream.message_end") return null;
  const text = first.message.parts.find((p) => p.type === "text");
  return text?.type === "text" ? autoTitle(text.text) : null;
}

/** Store a session's new title and tell its watchers. */
export function retitle(ctx: SessionContext, row: SessionRow, title: string): void {
  ctx.repo.update(row.id, { title }, ctx.now());
  ctx.publish(row, [{ event: "session.title_changed", title }]);
}
