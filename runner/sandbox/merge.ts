import * as v from "valibot";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import {
  type EgressPorts,
  type Limits,
  NETWORK_MODE_WIDTH,
  type ProjectPolicyFile,
  ProjectPolicyFileSchema,
  type SandboxPolicy,
} from "../../src/protocol/sandbox.ts";
import { normalizeAllowPattern, patternCovers } from "../../src/shared/hosts.ts";
import { describeIssues, parseToml, unenforceableKeys } from "../../src/shared/profiles.ts";

const pathCovers = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}/`);

/**
 * Intersection of two allow-lists where an entry may cover narrower entries (paths, domain
 * patterns). Every project entry must be covered by the profile: asking for more is an error,
 * never silently dropped.
 */
function intersect(
  key: string,
  profile: string[],
  project: string[] | undefined,
  covers: (outer: string, inner: string) => boolean,
): Result<string[]> {
  if (project === undefined) return ok(profile);
  const loosening = project.find((entry) => !profile.some((outer) => covers(outer, entry)));
  if (loosening !== undefined)
    return fail("sandbox_policy_invalid", `key "${key}": "${loosening}" is not allowed by the profile`);
  const kept = new Set<string>();
  for (const entry of project) kept.add(entry);
  for (const entry of profile) if (project.some((outer) => covers(outer, entry))) kept.add(entry);
  return ok([...kept]);
}

/**
 * A project's `network.allow_ports` keeps, per kind of request, only the profile's ports it lists;
 * a port the profile allows for neither kind is an error.
 */
function narrowPorts(profile: EgressPorts, project: number[] | undefined): Result<EgressPorts> {
  if (project === undefined) return ok(profile);
  const wider = project.find((port) => !profile.connect.includes(port) && !profile.http.includes(port));
  if (wider !== undefined)
    return fail(
      "sandbox_policy_invalid",
      `key "network.allow_ports": ${wider} is not allowed by the profile`,
    );
  return ok({
    connect: profile.connect.filter((port) => project.includes(port)),
    http: profile.http.filter((port) => project.includes(port)),
  });
}

function lowerLimits(profile: Limits, project: Limits | undefined): Result<Limits> {
  const merged: Limits = { ...profile };
  for (const [key, value] of Object.entries(project ?? {}) as [keyof Limits, number | undefined][]) {
    if (value === undefined) continue;
    const current = profile[key];
    // Niceness tightens upwards: a project may yield more CPU, never claim more.
    if (key === "nice") {
      if (current !== undefined && value < current)
        return fail(
          "sandbox_policy_invalid",
          `key "limits.nice": ${value} is below the profile's ${current}`,
        );
      merged.nice = value;
      continue;
    }
    if (current !== undefined && value > current)
      return fail(
        "sandbox_policy_invalid",
        `key "limits.${key}": ${value} is above the profile's ${current}`,
      );
    merged[key] = value;
  }
  return ok(merged);
}

/** Parses a project's `.octo/sandbox.toml` text (or an already parsed object) and tightens `profile`. */
export function mergeProjectPolicy(
  profile: SandboxPolicy,
  projectToml: string | unknown,
  source = ".octo/sandbox.toml",
): Result<SandboxPolicy> {
  const raw = typeof projectToml === "string" ? parseToml(projectToml, source) : ok(projectToml);
  if (!raw.ok) return raw;
  const parsed = v.safeParse(ProjectPolicyFileSchema, raw.value);
  if (!parsed.success) return fail("sandbox_policy_invalid", describeIssues(source, parsed.issues));
  const merged = tighten(profile, parsed.output);
  if (!merged.ok) return fail("sandbox_policy_invalid", `${source}: ${merged.error.message}`);
  return ok({ ...merged.value, sources: [...profile.sources, source] });
}

function tighten(profile: SandboxPolicy, project: ProjectPolicyFile): Result<SandboxPolicy> {
  const fs = project.filesystem;
  const readOnly = intersect("filesystem.read_only", profile.filesystem.read_only, fs?.read_only, pathCovers);
  if (!readOnly.ok) return readOnly;
  const readWrite = intersect(
    "filesystem.read_write",
    profile.filesystem.read_write,
    fs?.read_write,
    pathCovers,
  );
  if (!readWrite.ok) return readWrite;

  const mode = project.network?.mode ?? profile.network.mode;
  if (NETWORK_MODE_WIDTH[mode] > NETWORK_MODE_WIDTH[profile.network.mode])
    return fail(
      "sandbox_policy_invalid",
      `key "network.mode": "${mode}" is wider than the profile's "${profile.network.mode}"`,
    );
  if ((project.network?.allow?.length ?? 0) > 0 && mode !== "proxy")
    return fail(
      "sandbox_policy_invalid",
      `key "network.allow" is only enforced in proxy mode (network.mode is "${mode}")`,
    );
  const patterns: string[] = [];
  for (const pattern of project.network?.allow ?? []) {
    const normalized = normalizeAllowPattern(pattern);
    if (!normalized.ok)
      return fail("sandbox_policy_invalid", `key "network.allow": ${normalized.error.message}`);
    patterns.push(normalized.value);
  }
  const allow = intersect(
    "network.allow",
    profile.network.allow,
    project.network?.allow ? patterns : undefined,
    patternCovers,
  );
  if (!allow.ok) return allow;
  if (project.network?.block_private === false && profile.network.block_private)
    return fail(
      "sandbox_policy_invalid",
      `key "network.block_private": the profile blocks private addresses`,
    );

  const ports = narrowPorts(profile.network.ports, project.network?.allow_ports);
  if (!ports.ok) return ports;
  if (project.network?.allow_ports !== undefined && mode !== "proxy")
    return fail(
      "sandbox_policy_invalid",
      `key "network.allow_ports" is only enforced in proxy mode (network.mode is "${mode}")`,
    );

  const envPass = intersect("env.pass", profile.env.pass, project.env?.pass, (a, b) => a === b);
  if (!envPass.ok) return envPass;
  const limits = lowerLimits(profile.limits, project.limits);
  if (!limits.ok) return limits;

  const policy: SandboxPolicy = {
    ...profile,
    filesystem: {
      read_only: readOnly.value,
      read_write: readWrite.value,
      deny: [...new Set([...profile.filesystem.deny, ...(fs?.deny ?? [])])],
    },
    // Narrowing to a mode without a proxy drops the allow-list: it would have nothing to enforce.
    network: {
      mode,
      allow: mode === "proxy" ? allow.value : [],
      block_private:
        mode === "proxy" ? (project.network?.block_private ?? profile.network.block_private) : true,
      ports: ports.value,
    },
    env: { pass: envPass.value, set: profile.env.set },
    limits: limits.value,
  };
  const unenforceable = unenforceableKeys(policy, {});
  if (unenforceable) return fail("sandbox_policy_invalid", unenforceable);
  return ok(policy);
}
