import type { ProcessKind } from "../../src/protocol/runner.ts";
import { agentKind } from "./agent.ts";
import type { ProcessKindImpl } from "./kind.ts";
import { rawKind } from "./raw.ts";

export type { KindTranslator, OutputStream, ProcessStdin } from "./kind.ts";

export const PROCESS_KIND_IMPLS: Record<ProcessKind, ProcessKindImpl> = {
  raw: rawKind,
  agent: agentKind,
};
