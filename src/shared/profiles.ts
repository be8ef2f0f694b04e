import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import defaultToml from "../../profiles/default.toml" with { type: "text" };
import minimalToml from "../../profiles/minimal.toml" with { type: "text" };
import openToml from "../../profiles/open.toml" with { type: "text" };
import strictToml from "../../profiles/strict.toml" with { type: "text" };
import { fail, ok, type Result } from "../protocol/errors.ts";
import {
  DEFAULT_EGRESS_PORTS,
  type EgressPorts,
  ProfileFileSchema,
  type SandboxPolicy,
} from "../protocol/sandbox.ts";
import { normalizeAllowPattern } from "./hosts.ts";

/** Profiles compiled into the binary; files in the override directories replace them by name. */
const EMBEDDED: Record<string, string> = {
  minimal: minimalToml as unknown as string,
  default: defaultToml as unknown as string,
  strict: strictToml as unknown as string,
  open: openToml as unknown as string,
};

export const SYSTEM_PROFILES_DIR = "/etc/octo/profiles";
const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface ProfileSourceOptions {
  /** Directories searched before the embedded profiles, first match wins. */
  overrideDirs?: string[];
}

/** `$OCTO_PROFILES_DIR` (tests, development) then `/etc/octo/profiles`. */
export function defaultOverrideDirs(env: Record<string, string | undefined> = process.env): string[] {
  return [env.OCTO_PROFILES_DIR, SYSTEM_PROFILES_DIR].filter((d): d is string => !!d);
}

export interface ProfileListing {
  name: string;
  source: string;
  description: string;
}

export function listProfiles(opts: ProfileSourceOptions = {}): ProfileListing[] {
  const names = new Set(Object.keys(EMBEDDED));
  for (const dir of opts.overrideDirs ?? defaultOverrideDirs()) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      const name = file.replace(/\.toml$/, "");
      if (file.endsWith(".toml") && PROFILE_NAME.test(name)) names.add(name);
    }
  }
  return [...names].sort().map((name) => {
    const loaded = loadProfile(name, opts);
    const source = findProfileText(name, opts)?.source ?? "?";
    return {
      name,
      source,
      description: loaded.ok ? loaded.value.description : `invalid: ${loaded.error.message}`,
    };
  });
}

function findProfileText(
  name: string,
  opts: ProfileSourceOptions,
): { text: string; source: string } | undefined {
  for (const dir of opts.overrideDirs ?? defaultOverrideDirs()) {
    const path = join(dir, `${name}.toml`);
    if (existsSync(path)) return { text: readFileSync(path, "utf8"), source: path };
  }
  const embedded = EMBEDDED[name];
  return embedded === undefined ? undefined : { text: embedded, source: `embedded:${name}.toml` };
}

export function loadProfile(name: string, opts: ProfileSourceOptions = {}): Result<SandboxPolicy> {
  if (!PROFILE_NAME.test(name))
    return fail("sandbox_profile_not_found", `invalid profile name ${JSON.stringify(name)}`);
  const found = findProfileText(name, opts);
  if (!found) return fail("sandbox_profile_not_found", `unknown sandbox profile "${name}"`);
  return parseProfile(name, found.text, found.source);
}

export function parseToml(text: string, source: string): Result<unknown> {
  try {
    return ok(Bun.TOML.parse(text));
  } catch (error) {
    return fail("sandbox_policy_invalid", `${source}: not valid TOML: ${(error as Error).message}`);
  }
}

/** Turns valibot issues into one message naming the file and the dotted key. */
export function describeIssues(source: string, issues: v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const key = v.getDotPath(issue) ?? "(top level)";
      if (issue.type === "strict_object" && issue.expected === "never")
        return `${source}: unknown key "${key}"`;
      return `${source}: key "${key}": ${issue.message}`;
    })
    .join("; ");
}

export function parseProfile(name: string, text: string, source: string): Result<SandboxPolicy> {
  const raw = parseToml(text, source);
  if (!raw.ok) return raw;
  const parsed = v.safeParse(ProfileFileSchema, raw.value);
  if (!parsed.success) return fail("sandbox_policy_invalid", describeIssues(source, parsed.issues));
  const file = parsed.output;
  const mode = file.network?.mode ?? "none";
  const allow: string[] = [];
  for (const pattern of file.network?.allow ?? []) {
    const normalized = normalizeAllowPattern(pattern);
    if (!normalized.ok)
      return fail("sandbox_policy_invalid", `${source}: key "network.allow": ${normalized.error.message}`);
    allow.push(normalized.value);
  }
  const policy: SandboxPolicy = {
    profile: name,
    description: file.description ?? "",
    sources: [source],
    filesystem: {
      read_only: file.filesystem?.read_only ?? [],
      read_write: file.filesystem?.read_write ?? [],
      deny: file.filesystem?.deny ?? [],
    },
    network: {
      mode,
      allow,
      block_private: file.network?.block_private ?? true,
      ports: egressPorts(file.network?.allow_ports),
    },
    env: { pass: file.env?.pass ?? [], set: file.env?.set ?? {} },
    limits: { ...file.limits },
  };
  const unenforceable = unenforceableKeys(policy, {
    blockPrivate: file.network?.block_private !== undefined,
    allowPorts: file.network?.allow_ports !== undefined,
  });
  if (unenforceable) return fail("sandbox_policy_invalid", `${source}: ${unenforceable}`);
  return ok(policy);
}

/** `network.allow_ports` names the ports for CONNECT and plain HTTP alike; absent, the defaults. */
export function egressPorts(allowPorts: number[] | undefined): EgressPorts {
  if (allowPorts === undefined)
    return { connect: [...DEFAULT_EGRESS_PORTS.connect], http: [...DEFAULT_EGRESS_PORTS.http] };
  const ports = [...new Set(allowPorts)].sort((a, b) => a - b);
  return { connect: ports, http: [...ports] };
}

/** Keys that would be accepted but have no effect in the chosen mode are errors, never ignored. */
export function unenforceableKeys(
  policy: SandboxPolicy,
  given: { blockPrivate?: boolean; allowPorts?: boolean },
): string | undefined {
  const mode = policy.network.mode;
  if (mode !== "proxy" && policy.network.allow.length > 0)
    return `key "network.allow" is only enforced in proxy mode (network.mode is "${mode}")`;
  if (mode !== "proxy" && given.blockPrivate)
    return `key "network.block_private" is only enforced in proxy mode (network.mode is "${mode}")`;
  if (mode !== "proxy" && given.allowPorts)
    return `key "network.allow_ports" is only enforced in proxy mode (network.mode is "${mode}")`;
  return undefined;
}
