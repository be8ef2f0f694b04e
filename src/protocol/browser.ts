import * as v from "valibot";
import { idSchema } from "./ids.ts";

/**
 * The agent browser (decision 0017). The runner talks to one browser driver per session over the
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
  "ask",
  "close",
  "lock",
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
  ask: v.strictObject({ question: v.pipe(v.string(), v.minLength(1), v.maxLength(2000)) }),
  close: v.strictObject({}),
  /** Who holds the browser now, answered at once (octo-tool says so before a call that will wait). */
  lock: v.strictObject({}),
} satisfies Record<BrowserVerb, v.GenericSchema>;

const coord = v.pipe(v.number(), v.minValue(-100_000), v.maxValue(100_000));
const modifiers = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(15)), 0);

/** What the person sends while they hold the browser (CDP Input.*), and the lock itself. */
export const BrowserControlSchema = v.variant("type", [
  v.strictObject({ type: v.literal("take") }),
  v.strictObject({ type: v.literal("release") }),
  v.strictObject({
    type: v.literal("mouse"),
    kind: v.picklist(["mousePressed", "mouseReleased", "mouseMoved", "mouseWheel"]),
    x: coord,
    y: coord,
    button: v.optional(v.picklist(["none", "left", "middle", "right"]), "none"),
    click_count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3)), 0),
    delta_x: v.optional(coord, 0),
    delta_y: v.optional(coord, 0),
    modifiers,
  }),
  v.strictObject({
    type: v.literal("key"),
    kind: v.picklist(["keyDown", "keyUp"]),
    key: v.pipe(v.string(), v.maxLength(32)),
    code: v.optional(v.pipe(v.string(), v.maxLength(32)), ""),
    text: v.optional(v.pipe(v.string(), v.maxLength(8)), ""),
    modifiers,
  }),
  /** Typed or pasted text (clipboard paste, a phone keyboard's composed input). */
  v.strictObject({ type: v.literal("text"), text: v.pipe(v.string(), v.maxLength(64 * 1024)) }),
]);
export type BrowserControl = v.InferOutput<typeof BrowserControlSchema>;

const driverId = v.pipe(v.number(), v.integer(), v.minValue(0));
export const DriverCommandSchema = v.union([
  v.strictObject({ id: driverId, verb: v.picklist(BROWSER_VERBS), args: v.record(v.string(), v.unknown()) }),
  v.strictObject({ id: driverId, control: BrowserControlSchema }),
]);
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

// ── live view: driver → runner → server → UI ────────────────────────────────────────────────────

/** Who drives the page: the agent, the person (a lock), nobody; `closed` when the browser is gone. */
export const BROWSER_DRIVERS = ["agent", "user", "idle", "closed"] as const;
export type BrowserDriverState = (typeof BROWSER_DRIVERS)[number];

export const BrowserTabSchema = v.strictObject({ url: v.string(), title: v.string(), current: v.boolean() });

/** The browser's state as a viewer shows it (URL bar, tabs, the agent's current action, who drives). */
export const BrowserStateSchema = v.strictObject({
  driver: v.picklist(BROWSER_DRIVERS),
  url: v.string(),
  title: v.string(),
  tabs: v.array(BrowserTabSchema),
  /** What the agent is doing now (`click @e3`), or null between commands. */
  action: v.nullable(v.string()),
  /** A question the agent asked the person (`octo-tool browser ask`), or null. */
  ask: v.nullable(v.string()),
});
export type BrowserState = v.InferOutput<typeof BrowserStateSchema>;

const jpegBase64 = v.pipe(v.string(), v.maxLength(4 * 1024 * 1024));
const dim = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000));

/** Lines the driver pushes besides answers; the runner stamps them with the session. */
export const DriverPushSchema = v.variant("event", [
  v.strictObject({ event: v.literal("frame"), data: jpegBase64, width: dim, height: dim }),
  v.strictObject({ event: v.literal("state"), state: BrowserStateSchema }),
]);
export type DriverPush = v.InferOutput<typeof DriverPushSchema>;

const sessionId = idSchema("ses");

/** Runner → server pushes (no request id). Frames are latest-only: the runner drops what it cannot send. */
export const RunnerBrowserEventSchema = v.variant("event", [
  v.strictObject({
    event: v.literal("browser.frame"),
    session: sessionId,
    data: jpegBase64,
    width: dim,
    height: dim,
  }),
  v.strictObject({ event: v.literal("browser.state"), session: sessionId, state: BrowserStateSchema }),
]);
export type RunnerBrowserEvent = v.InferOutput<typeof RunnerBrowserEventSchema>;

// ── mux `browser` channel ───────────────────────────────────────────────────────────────────────

const muxSeq = v.pipe(v.number(), v.integer(), v.minValue(0));
const onSession = { session_id: idSchema("ses") };

/**
 * client → server on `{ch:"browser"}`. `watch` sends the current state and newest frame at once;
 * after that a frame is sent only once the previous one was acked (`ack {seq}`), always the newest:
 * a slow client skips frames, nothing queues.
 */
export const browserCommandSchemas = {
  /** `frames: false` watches the state only (the chat shows the agent's `ask` with it). */
  watch: v.strictObject({ ...onSession, frames: v.optional(v.boolean(), true) }),
  unwatch: v.strictObject({ ...onSession, frames: v.optional(v.boolean(), true) }),
  ack: v.strictObject({ ...onSession, seq: muxSeq }),
  /** Take the browser (the agent's commands wait) or hand it back (they go on, with a note). */
  control: v.strictObject({ ...onSession, take: v.boolean() }),
  /** Mouse, keyboard, wheel, touch (as mouse) and paste, while this user holds the browser. */
  input: v.strictObject({ ...onSession, input: BrowserControlSchema }),
} as const;
export type BrowserCommandName = keyof typeof browserCommandSchemas;
export type BrowserCommand<N extends BrowserCommandName> = v.InferOutput<(typeof browserCommandSchemas)[N]>;
export const isBrowserCommandName = (cmd: string): cmd is BrowserCommandName =>
  Object.hasOwn(browserCommandSchemas, cmd);

/** server → client on `{ch:"browser"}`. */
export const browserEventSchema = v.variant("event", [
  v.strictObject({
    ch: v.literal("browser"),
    event: v.literal("frame"),
    ...onSession,
    seq: muxSeq,
    data: jpegBase64,
    width: dim,
    height: dim,
  }),
  v.strictObject({
    ch: v.literal("browser"),
    event: v.literal("state"),
    ...onSession,
    state: BrowserStateSchema,
  }),
]);
export type BrowserEvent = v.InferOutput<typeof browserEventSchema>;
