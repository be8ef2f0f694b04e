import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, renderDefaultConfig, renderEffectiveConfig } from "../config/index.ts";

export async function configCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { config: { type: "string" }, force: { type: "boolean" } },
    strict: true,
  });
  if (sub === "show") {
    const r = loadConfig({ path: values.config });
    if (!r.ok) {
      console.error(`octo config: ${r.error.message}`);
      return 1;
    }
    process.stdout.write(renderEffectiveConfig(r.value));
    return 0;
  }
  if (sub === "init") {
    const r = loadConfig({ path: undefined });
    const target = values.config ?? (r.ok ? r.value.configFile : undefined);
    if (!target) {
      console.error("octo config init: cannot work out where to write; pass --config FILE");
      return 1;
    }
    if (existsSync(target) && !values.force) {
      console.error(`octo config init: ${target} exists; pass --force to overwrite`);
      return 1;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, renderDefaultConfig(), { mode: 0o600 });
    console.log(`wrote ${target}`);
    return 0;
  }
  console.error("usage: octo config show|init [--config FILE] [--force]");
  return 2;
}
