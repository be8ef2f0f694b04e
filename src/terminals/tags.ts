import { isId } from "../protocol/ids.ts";

/**
 * The runner tag of a terminal's process: `terminal:<usr_…>:<prj_…>:<trm_…>`. The runner keeps
 * tags across server restarts, so a restarted server learns from it which shells exist and
 * whose they are (in single-user mode one runner serves every platform user).
 */
export interface TerminalTag {
  owner: string;
  project: string;
  terminal: string;
}

const PREFIX = "terminal";

export const terminalTag = (t: TerminalTag): string => `${PREFIX}:${t.owner}:${t.project}:${t.terminal}`;

export function parseTerminalTag(tag: string | null): TerminalTag | null {
  if (!tag) return null;
  const [prefix, owner, project, terminal, ...rest] = tag.split(":");
  if (prefix !== PREFIX || rest.length > 0) return null;
  if (!isId("usr", owner) || !isId("prj", project) || !isId("trm", terminal)) return null;
  return { owner, project, terminal };
}
