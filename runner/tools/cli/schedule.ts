import { ProposeAnswer } from "../../../src/protocol/schedules.ts";
import { parseArgs } from "./args.ts";
import { callTool } from "./client.ts";
import { answerOf, failLine, notUnderstood } from "./fail.ts";

type Env = Record<string, string | undefined>;

export const SCHEDULE_HELP = `octo-tool schedule propose --name NAME --cron EXPR [--tz ZONE] --prompt TEXT [--model P/M]

Proposes a schedule for this project: at each time the cron expression gives (in the time zone,
default UTC) a new conversation starts with PROMPT. It does NOT run until the person confirms it in
the Schedules tab, so tell them you proposed it. Cron: five fields, minute hour day month weekday
(e.g. "0 9 * * 1-5" is 09:00 on weekdays), or @daily, @hourly, @weekly.
  --prompt -   reads the prompt from stdin`;

export async function runSchedule(args: string[], env: Env): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== "propose")
    return failLine(
      "bad_request",
      "usage: octo-tool schedule propose --name N --cron EXPR --tz Z --prompt P",
    );
  const p = parseArgs(rest, { value: ["name", "cron", "tz", "prompt", "model"] });
  if (typeof p === "string") return failLine("bad_request", p);
  if (p.words.length > 0) return failLine("bad_request", `unexpected words: ${p.words.join(" ")}`);
  for (const need of ["name", "cron", "prompt"])
    if (!p.values[need]) return failLine("bad_request", `--${need} is needed`);
  const prompt = p.values.prompt === "-" ? await new Response(Bun.stdin.stream()).text() : p.values.prompt;
  const r = await callTool(
    "schedule",
    "propose",
    {
      name: p.values.name,
      cron: p.values.cron,
      ...(p.values.tz ? { tz: p.values.tz } : {}),
      prompt,
      ...(p.values.model ? { model: p.values.model } : {}),
    },
    env,
  );
  if (!r.ok) return failLine(r.error.code, r.error.message);
  const s = answerOf(ProposeAnswer, r.value)?.schedule;
  if (!s) return notUnderstood();
  process.stdout.write(
    `Proposed schedule ${s.id} "${s.name}": ${s.cron} (${s.timezone}).\n` +
      "It waits for the person to confirm it in the Schedules tab; it does not run before that.\n",
  );
  return 0;
}
