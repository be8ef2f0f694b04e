import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import {
  CANVAS_CHUNK_BYTES,
  CANVAS_KINDS,
  type CanvasArtifact,
  CanvasBeginAnswer,
  CanvasDetailAnswer,
  type CanvasKind,
  CanvasListAnswer,
  CanvasPublishAnswer,
  MAX_CANVAS_BYTES,
} from "../../../src/protocol/canvas.ts";
import type { Result } from "../../../src/protocol/errors.ts";
import { type OptionSpec, parseArgs } from "./args.ts";
import { callTool } from "./client.ts";
import { answerOf, failLine, notUnderstood } from "./fail.ts";

type Env = Record<string, string | undefined>;

export const CANVAS_HELP = `octo-tool canvas <verb> ...

The project's canvas shows what you publish to the user, rendered, in the Canvas tab: Markdown,
HTML (with its own inline JavaScript and CSS; it runs sandboxed with no network, so inline
everything it needs), SVG, images (PNG, JPEG, WebP, GIF) and Mermaid diagrams (.mmd). Publishing
the same file again makes a new revision of the same artifact; the user sees it at once.

  publish FILE [--title T] [--kind K]   publish FILE (at most ${MAX_CANVAS_BYTES / 1024 / 1024} MiB); the kind comes
                                        from the extension (.md .html .svg .mmd .png .jpg .webp .gif)
                                        or the content; K is one of: ${CANVAS_KINDS.join(", ")}
  list                                  the project's artifacts, newest first
  show ID                               one artifact and its revisions`;

const SPECS: Record<string, OptionSpec> = {
  publish: { value: ["title", "kind"] },
  list: {},
  show: {},
};

const date = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
const by = (a: CanvasArtifact["updated_by"]) =>
  a.kind === "person" ? `person ${a.username}` : `session ${a.session_id}`;
const kib = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`);

export function formatArtifacts(list: CanvasArtifact[]): string {
  if (list.length === 0) return "The canvas is empty.\n";
  return `${[
    `Canvas artifacts (${list.length}):`,
    "",
    ...list.map(
      (a) => `${a.id}  ${a.title}  [${a.kind}; revision ${a.revision}; ${kib(a.size)}]\n   ${a.path}`,
    ),
  ].join("\n")}\n`;
}

/** Sends the file: inline when it fits one tool line, else as a chunked upload. */
async function send(
  path: string,
  bytes: Uint8Array,
  extra: { title?: string; kind?: CanvasKind },
  env: Env,
): Promise<Result<unknown>> {
  const call = (verb: string, args: Record<string, unknown>) => callTool("canvas", verb, args, env);
  if (bytes.length <= CANVAS_CHUNK_BYTES)
    return call("publish", { path, ...extra, content: Buffer.from(bytes).toString("base64") });
  const begun = await call("begin", { size: bytes.length });
  if (!begun.ok) return begun;
  const b = answerOf(CanvasBeginAnswer, begun.value);
  if (!b) return { ok: false, error: { code: "internal", message: "the answer was not understood" } };
  for (let offset = 0; offset < bytes.length; offset += CANVAS_CHUNK_BYTES) {
    const data = Buffer.from(bytes.subarray(offset, offset + CANVAS_CHUNK_BYTES)).toString("base64");
    const sent = await call("chunk", { upload: b.upload, offset, data });
    if (!sent.ok) return sent;
  }
  return call("publish", { path, ...extra, upload: b.upload });
}

export async function runCanvas(args: string[], env: Env): Promise<number> {
  const [verb, ...rest] = args;
  const spec = verb ? SPECS[verb] : undefined;
  if (!verb || !spec) return failLine("bad_request", "usage: octo-tool canvas publish|list|show ...");
  const p = parseArgs(rest, spec);
  if (typeof p === "string") return failLine("bad_request", p);

  if (verb === "publish") {
    const [file, ...more] = p.words;
    if (!file || more.length > 0)
      return failLine("bad_request", "usage: octo-tool canvas publish FILE [--title T] [--kind K]");
    const kind = p.values.kind;
    if (kind !== undefined && !(CANVAS_KINDS as readonly string[]).includes(kind))
      return failLine("unknown_kind", `--kind must be one of: ${CANVAS_KINDS.join(", ")}`);
    const path = resolve(file);
    let bytes: Uint8Array;
    try {
      if (!statSync(path).isFile()) return failLine("bad_request", `${file} is not a file`);
      bytes = readFileSync(path);
    } catch (e) {
      return failLine("not_found", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const r = await send(
      path,
      bytes,
      {
        ...(p.values.title !== undefined ? { title: p.values.title } : {}),
        ...(kind ? { kind: kind as CanvasKind } : {}),
      },
      env,
    );
    if (!r.ok) return failLine(r.error.code, r.error.message);
    const done = answerOf(CanvasPublishAnswer, r.value);
    if (!done) return notUnderstood();
    const a = done.artifact;
    process.stdout.write(
      done.created
        ? `Published ${a.id} "${a.title}" (${a.kind}, ${kib(a.size)}): the user sees it in the Canvas tab.\n`
        : `Published revision ${a.revision} of ${a.id} "${a.title}" (${a.kind}, ${kib(a.size)}).\n`,
    );
    return 0;
  }
  if (verb === "list") {
    if (p.words.length > 0) return failLine("bad_request", "usage: octo-tool canvas list");
    const r = await callTool("canvas", "list", {}, env);
    if (!r.ok) return failLine(r.error.code, r.error.message);
    const list = answerOf(CanvasListAnswer, r.value)?.artifacts;
    if (!list) return notUnderstood();
    process.stdout.write(formatArtifacts(list));
    return 0;
  }
  const [id, ...more] = p.words;
  if (!id || more.length > 0) return failLine("bad_request", "usage: octo-tool canvas show ID");
  const r = await callTool("canvas", "show", { id }, env);
  if (!r.ok) return failLine(r.error.code, r.error.message);
  const d = answerOf(CanvasDetailAnswer, r.value);
  if (!d) return notUnderstood();
  const a = d.artifact;
  process.stdout.write(
    `${[
      `ID: ${a.id}`,
      `Title: ${a.title}`,
      `Kind: ${a.kind}  Size: ${kib(a.size)}`,
      `Source: ${a.path}`,
      `Revisions (${d.revisions.length}):`,
      ...d.revisions.map(
        (r) => `  ${r.revision}. ${date(r.created_at)}  ${r.kind}, ${kib(r.size)}, by ${by(r.published_by)}`,
      ),
    ].join("\n")}\n`,
  );
  return 0;
}
