import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * Memories: short notes an agent or a person keeps for later, per project or per user (a user
 * memory is offered in all of that user's projects). Searched with SQLite FTS5 (bm25).
 */

export const MAX_MEMORY_CHARS = 4000;
export const MAX_TAGS = 12;

const text = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "a memory needs text"),
  v.maxLength(MAX_MEMORY_CHARS, `a memory has at most ${MAX_MEMORY_CHARS} characters`),
);
export const TagSchema = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.regex(/^[a-z0-9][a-z0-9_:.-]{0,39}$/, "a tag is 1-40 characters: letters, digits, _ : . -"),
);
const tags = v.pipe(v.array(TagSchema), v.maxLength(MAX_TAGS, `at most ${MAX_TAGS} tags`));
export const MemoryIdSchema = idSchema("mem");
const limit = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50));

/** Where a memory came from: a person (in the UI) or an agent session (and its message, if known). */
export const MemorySourceSchema = v.variant("kind", [
  v.strictObject({ kind: v.literal("person"), user_id: idSchema("usr"), username: v.string() }),
  v.strictObject({
    kind: v.literal("session"),
    session_id: idSchema("ses"),
    message_id: v.nullable(v.string()),
  }),
]);
export type MemorySource = v.InferOutput<typeof MemorySourceSchema>;

export const MemorySchema = v.strictObject({
  id: MemoryIdSchema,
  /** null: a user memory, offered in every project of its user. */
  project_id: v.nullable(idSchema("prj")),
  scope: v.picklist(["project", "user"]),
  text: v.string(),
  tags: v.array(v.string()),
  pinned: v.boolean(),
  source: MemorySourceSchema,
  /** Who changed it last (the same shape as `source`). */
  updated_by: MemorySourceSchema,
  created_at: v.number(),
  updated_at: v.number(),
});
export type Memory = v.InferOutput<typeof MemorySchema>;

// ── HTTP bodies and queries ────────────────────────────────────────────────────────────────────

export const CreateMemoryBody = v.strictObject({
  text,
  tags: v.optional(tags, []),
  scope: v.optional(v.picklist(["project", "user"]), "project"),
  pinned: v.optional(v.boolean(), false),
});
export type CreateMemoryInput = v.InferOutput<typeof CreateMemoryBody>;

export const UpdateMemoryBody = v.strictObject({
  text: v.optional(text),
  tags: v.optional(tags),
  pinned: v.optional(v.boolean()),
});
export type UpdateMemoryInput = v.InferOutput<typeof UpdateMemoryBody>;

export const MemoryQuery = v.strictObject({
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(500))),
  tag: v.optional(TagSchema),
  limit: v.optional(v.pipe(v.string(), v.transform(Number), limit)),
});

// ── tool area `memory` (octo-tool memory …) ─────────────────────────────────────────────────────

export const MemoryToolArgs = {
  add: v.strictObject({
    text,
    tags: v.optional(tags, []),
    user: v.optional(v.boolean(), false),
    message_id: v.optional(v.pipe(v.string(), v.maxLength(100))),
  }),
  search: v.strictObject({
    query: v.pipe(v.string(), v.trim(), v.minLength(1, "an empty query"), v.maxLength(500)),
    limit: v.optional(limit, 5),
  }),
  list: v.strictObject({ limit: v.optional(limit, 50) }),
  show: v.strictObject({ id: MemoryIdSchema }),
  edit: v.strictObject({ id: MemoryIdSchema, text }),
  forget: v.strictObject({ id: MemoryIdSchema }),
};

export const MemoryListAnswer = v.strictObject({ memories: v.array(MemorySchema) });
export const MemoryAnswer = v.strictObject({ memory: MemorySchema });
