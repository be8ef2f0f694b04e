import { writeFileSync } from "node:fs";
import * as v from "valibot";
import { BrowserResultSchema } from "../../../src/protocol/browser.ts";
import type { Failure } from "../../../src/protocol/errors.ts";
import { callTool } from "./client.ts";

export const BROWSER_HELP = `octo-tool browser VERB [ARGS]

A real Chromium for this session, inside this sandbox (it reaches what you can reach: a dev server
on 127.0.0.1, and the web only as this sandbox's network rules allow). Started on first use; one per
session; closed with \`close\`, when the session ends, or after 10 idle minutes.

  open URL             load URL in the current tab
  snapshot             the page as an accessibility tree; elements carry refs like [@e3]
  click REF            click an element (REF as printed by snapshot: @e3)
  fill REF TEXT        replace a field's text
  select REF VALUE     choose an option (by value or label) in a <select>
  type TEXT            type into the focused element
  press KEY            press a key: Enter, Tab, Escape, ArrowDown, Control+a, …
  scroll up|down|left|right
  back | forward | reload
  url                  the current URL and title
  tabs                 list tabs (* marks the current one); tab N switches to tab N
  screenshot FILE      save a PNG of the page to FILE
  wait load|REF|TEXT   wait for the page to load, an element, or text to appear (30 s)
  eval JS              run JavaScript in the page (only if the project allows it:
                       [browser] allow_eval = true in .octo/project.toml)
  ask QUESTION         ask the user to do something in the browser (log in, solve a
                       captcha); waits until they hand it back, then prints what they did
  close                close the browser

The user watches the browser live in octo and can take control. While they hold it, your
commands wait (octo-tool says so) and then print what they did before the command's own output.

Every action prints the URL, the title and the snapshot lines that changed (+ added, - removed).
Refs stay the same for the same element while the page lives; take a new snapshot when unsure.`;

type Env = Record<string, string | undefined>;

/** A command may wait for the person to hand the browser back: long, but not for ever. */
const WAIT_FOR_USER_MS = 30 * 60_000;

/** argv → the verb's arguments, or a usage message. */
export function browserArgs(args: string[]): { verb: string; args: Record<string, unknown> } | string {
  const [verb, ...rest] = args;
  const all = rest.join(" ");
  const one = (name: string) => (rest.length === 1 ? { [name]: rest[0] } : null);
  switch (verb) {
    case undefined:
      return "usage: octo-tool browser VERB [ARGS] (octo-tool help browser)";
    case "open":
      return one("url") ? { verb, args: { url: rest[0] } } : "usage: octo-tool browser open URL";
    case "click":
    case "wait":
      if (rest.length !== 1 && verb === "click") return "usage: octo-tool browser click REF";
      if (!all) return "usage: octo-tool browser wait load|REF|TEXT";
      return verb === "click" ? { verb, args: { ref: rest[0] } } : { verb, args: { for: all } };
    case "fill":
    case "select": {
      const [ref, ...text] = rest;
      if (!ref || text.length === 0)
        return `usage: octo-tool browser ${verb} REF ${verb === "fill" ? "TEXT" : "VALUE"}`;
      return { verb, args: verb === "fill" ? { ref, text: text.join(" ") } : { ref, value: text.join(" ") } };
    }
    case "type":
      return all ? { verb, args: { text: all } } : "usage: octo-tool browser type TEXT";
    case "press":
      return one("key") ? { verb, args: { key: rest[0] } } : "usage: octo-tool browser press KEY";
    case "scroll":
      return one("direction")
        ? { verb, args: { direction: rest[0] } }
        : "usage: octo-tool browser scroll up|down|left|right";
    case "tab":
      return rest.length === 1 && /^\d+$/.test(rest[0] as string)
        ? { verb, args: { index: Number(rest[0]) } }
        : "usage: octo-tool browser tab N";
    case "screenshot":
      return rest.length === 1 ? { verb, args: {} } : "usage: octo-tool browser screenshot FILE";
    case "eval":
      return all ? { verb, args: { js: all } } : "usage: octo-tool browser eval JS";
    case "ask":
      return all ? { verb, args: { question: all } } : "usage: octo-tool browser ask QUESTION";
    default:
      if (rest.length > 0) return `octo-tool browser ${verb} takes no arguments`;
      return { verb, args: {} };
  }
}

export async function runBrowser(
  args: string[],
  env: Env,
  failLine: (code: string, message: string) => number,
): Promise<number> {
  const parsed = browserArgs(args);
  if (typeof parsed === "string") return failLine("bad_request", parsed);
  if (parsed.verb !== "close") {
    const lock = await callTool("browser", "lock", {}, env);
    if (lock.ok && (lock.value as { text?: string }).text?.startsWith("user"))
      process.stdout.write("The user has control of the browser; waiting for them to hand it back…\n");
  }
  if (parsed.verb === "ask")
    process.stdout.write("Asked the user; waiting for them to hand the browser back…\n");
  const r = await callTool("browser", parsed.verb, parsed.args, env, WAIT_FOR_USER_MS);
  if (!r.ok) return failLine((r as Failure).error.code, (r as Failure).error.message);
  const answer = v.safeParse(BrowserResultSchema, r.value);
  if (!answer.success) return failLine("internal", "the browser answer was not understood");
  if (parsed.verb === "screenshot" && answer.output.png_base64) {
    const file = args[1] as string;
    writeFileSync(file, Buffer.from(answer.output.png_base64, "base64"));
    process.stdout.write(`saved ${file}\n`);
  }
  process.stdout.write(answer.output.text);
  return 0;
}
