export { DEFAULTS, type LoadedConfig, type LoadOptions, loadConfig } from "./load.ts";
export { modeOf, type ServerMode } from "./mode.ts";
export { renderDefaultConfig, renderEffectiveConfig } from "./render.ts";
export {
  type Config,
  ConfigSchema,
  type LlmModelConfig,
  type LlmProviderConfig,
  parseDuration,
} from "./schema.ts";
