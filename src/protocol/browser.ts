import * as v from "valibot";

/**
 * The agent browser (decision 0011). The runner talks to one browser driver per session over the
 * driver's stdin/stdout, JSON lines: a command `{id, verb, args}` gets exactly one answer
 * `{id, ok, data | error}`. The driver holds Chromium's CDP pipe; Chromium runs inside the session's
 * sandbox.
 */

/** Every verb `octo-tool browser` knows, in help order. */
export const BROWSER_VERBS = [
  "open",
  "snapshot",
  "click",
  "fill",
  "type",
  "press",
  "scroll",
  "select",
  "back",
  "forward",
  "reload",
  "url",
  "tabs",
  "tab",
  "screenshot",
  "wait",
  "eval",
  "close",
] as const;
export type BrowserVerb = (typeof BROWSER_VERBS)[number];

const text = v.pipe(v.string(), v.maxLength(64 * 1024));
const ref = v.pipe(v.string(), v.regex(/^@?e\d{1,6}$/, "an element ref such as @e3"));

/** Each verb's arguments, checked in the runner before a line reaches the driver. */
export const BrowserArgsSchemas = {
  open: v.strictObject({ url: v.pipe(v.string(), v.maxLength(8192)) }),
  snapshot: v.strictObject({}),
  click: v.strictObject({ ref }),
  fill: v.strictObject({ ref, text }),
  type: v.strictObject({ text }),
  press: v.strictObject({ key: v.pipe(v.string(), v.maxLength(64)) }),
  scroll: v.strictObject({ direction: v.picklist(["up", "down", "left", "right"]) }),
  select: v.strictObject({ ref, value: text }),
  back: v.strictObject({}),
  forward: v.strictObject({}),
  reload: v.strictObject({}),
  url: v.strictObject({}),
  tabs: v.strictObject({}),
  tab: v.strictObject({ index: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)) }),
  screenshot: v.strictObject({}),
  wait: v.strictObject({ for: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)) }),
  eval: v.strictObject({ js: text }),
  close: v.strictObject({}),
} satisfies Record<BrowserVerb, v.GenericSchema>;

export const DriverCommandSchema = v.strictObject({
  id: v.pipe(v.number(), v.integer(), v.minValue(0)),
  verb: v.picklist(BROWSER_VERBS),
  args: v.record(v.string(), v.unknown()),
});
export type DriverCommand = v.InferOutput<typeof DriverCommandSchema>;

/** What an action answers: text for the model, plus a PNG for `screenshot`. */
export const BrowserResultSchema = v.strictObject({
  text: v.string(),
  png_base64: v.optional(v.string()),
});
export type BrowserResult = v.InferOutput<typeof BrowserResultSchema>;

export const DriverLineSchema = v.union([
  v.strictObject({ id: v.number(), ok: v.literal(true), data: BrowserResultSchema }),
  v.strictObject({
    id: v.number(),
    ok: v.literal(false),
    error: v.strictObject({ code: v.string(), message: v.string() }),
  }),
]);
export type DriverLine = v.InferOutput<typeof DriverLineSchema>;

/** The `[browser]` table of a project's `.octo/project.toml` (read-only to the agent). Strict. */
export const ProjectBrowserSettingsSchema = v.strictObject({
  /** `octo-tool browser eval JS` runs page JavaScript only when this is true. */
  allow_eval: v.optional(v.boolean(), false),
});
