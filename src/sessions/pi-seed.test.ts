import { describe, expect, test } from "bun:test";
import type { Message } from "../protocol/agent.ts";
import { MAX_SEED_BYTES, piSeedSession } from "./pi-seed.ts";

const msg = (role: Message["role"], parts: Message["parts"], n: number): Message => ({
  id: `msg_${n.toString(16).padStart(28, "0")}`,
  role,
  parts,
  created_at: n,
});

const lines = (jsonl: string) =>
  jsonl
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("piSeedSession", () => {
  test("a v3 session: header in /workspace, then a chain of user and assistant messages", () => {
    const out = piSeedSession(
      [
        msg("user", [{ type: "text", text: "list files" }], 1),
        msg(
          "assistant",
          [
            { type: "thinking", text: "hidden" },
            { type: "text", text: "Looking." },
            { type: "tool_call", call_id: "c1", name: "bash", args: { command: "ls" } },
          ],
          2,
        ),
        msg(
          "tool",
          [{ type: "tool_result", call_id: "c1", name: "bash", output: "a.txt", is_error: false }],
          3,
        ),
        msg("assistant", [{ type: "text", text: "One file." }], 4),
        msg("system", [{ type: "text", text: "compacted" }], 5),
      ],
      "fx/fake-1",
      1000,
    );
    expect(out.endsWith("\n")).toBe(true);
    const [header, ...entries] = lines(out);
    expect(header).toMatchObject({ type: "session", version: 3, cwd: "/workspace" });
    expect(typeof header.id).toBe("string");
    expect(entries.map((e) => e.message.role)).toEqual(["user", "assistant"]);
    expect(entries.map((e) => e.parentId)).toEqual([null, entries[0].id]);
    expect(entries[0].message.content).toEqual([{ type: "text", text: "list files" }]);
    const reply = entries[1].message;
    expect(reply).toMatchObject({ provider: "fx", model: "fake-1", stopReason: "stop" });
    // Tool work becomes text in the assistant's turn; thinking is left out.
    expect(reply.content[0].text).toBe(
      'Looking.\n[tool call bash: {"command":"ls"}]\n[tool result bash: a.txt]\nOne file.',
    );
  });

  test("images of a user message are kept; long tool output is cut", () => {
    const out = lines(
      piSeedSession(
        [
          msg("user", [{ type: "image", mime: "image/png", data: "aGVsbG8=" }], 1),
          msg(
            "tool",
            [{ type: "tool_result", call_id: "c", name: "read", output: "x".repeat(5000), is_error: true }],
            2,
          ),
        ],
        null,
        1,
      ),
    );
    expect(out.length).toBe(3);
    expect(out[1].message.content).toEqual([{ type: "image", data: "aGVsbG8=", mimeType: "image/png" }]);
    const text = out[2].message.content[0].text as string;
    expect(text.startsWith("[tool result read (error): xxx")).toBe(true);
    expect(text.length).toBeLessThan(2100);
  });

  test("beyond the size cap the oldest messages are left out", () => {
    const big = "y".repeat(400_000);
    const history = Array.from({ length: 20 }, (_, i) =>
      msg(i % 2 ? "assistant" : "user", [{ type: "text", text: `${i} ${big}` }], i + 1),
    );
    const out = piSeedSession(history, "fx/fake-1", 1);
    expect(out.length).toBeLessThanOrEqual(MAX_SEED_BYTES);
    const entries = lines(out).slice(1);
    expect(entries.length).toBeLessThan(20);
    expect(entries.at(-1).message.content[0].text.startsWith("19 ")).toBe(true);
    expect(entries[0].parentId).toBeNull();
  });
});
