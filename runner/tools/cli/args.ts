/** What a verb accepts: `value` options take the next word, `many` may repeat, `flag`s take none. */
export interface OptionSpec {
  value?: readonly string[];
  many?: readonly string[];
  flag?: readonly string[];
}

export interface Parsed {
  values: Record<string, string>;
  lists: Record<string, string[]>;
  flags: Set<string>;
  words: string[];
}

/** `--name value`, `--name=value` and `--flag` anywhere among the words; `--` ends options. */
export function parseArgs(args: readonly string[], spec: OptionSpec): Parsed | string {
  const out: Parsed = { values: {}, lists: {}, flags: new Set(), words: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      out.words.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      out.words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (spec.flag?.includes(name)) {
      if (eq >= 0) return `--${name} takes no value`;
      out.flags.add(name);
      continue;
    }
    const isMany = spec.many?.includes(name) ?? false;
    if (!isMany && !spec.value?.includes(name)) return `unknown option --${name}`;
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) return `--${name} needs a value`;
    if (isMany) out.lists[name] = [...(out.lists[name] ?? []), value];
    else out.values[name] = value;
  }
  return out;
}

/** A whole number option, or a message saying what is wrong. */
export function intOption(parsed: Parsed, name: string): number | undefined | string {
  const raw = parsed.values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : `--${name} needs a whole number`;
}
