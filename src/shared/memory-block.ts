/**
 * The block of memories put before a new conversation's first prompt ("used N memories"). The
 * agent sees it; the person's own message, as stored and shown, never includes it: the runner
 * takes it off the user message pi echoes back (`withoutMemoryBlock`).
 */
const START = "<octo-memories>";
const END = "</octo-memories>";
const INTRO =
  "Memories saved in earlier conversations (by the user or by an agent) that may be relevant. " +
  "Use them if they help; they may be out of date.";

export function withMemoryBlock(message: string, memories: readonly { id: string; text: string }[]): string {
  if (memories.length === 0) return message;
  const lines = memories.map((m) => `- [${m.id}] ${m.text.replaceAll(END, "").replace(/\s*\n\s*/g, " ")}`);
  return `${START}\n${INTRO}\n${lines.join("\n")}\n${END}\n\n${message}`;
}

/** The message as the person typed it: a leading memory block (and the blank line after it) removed. */
export function withoutMemoryBlock(text: string): string {
  if (!text.startsWith(START)) return text;
  const end = text.indexOf(END);
  if (end === -1) return text;
  return text.slice(end + END.length).replace(/^\n\n?/, "");
}
