/**
 * The canonical, harness-neutral agent vocabulary (DESIGN.md "The mux WebSocket").
 * pi is the first adapter (runner/pi/); the server stores these events and the UI renders them.
 *
 * Wire rules: snake_case fields; streaming events carry deltas only, never the message so far;
 * a message is sent whole exactly once, in `stream.message_end` (the final truth).
 * Split by noun: messages and parts, commands (client → server), events (server → client).
 */
export * from "./agent-commands.ts";
export * from "./agent-events.ts";
export * from "./agent-message.ts";
