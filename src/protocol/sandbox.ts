import * as v from "valibot";

/**
 * Sandbox policy contracts: the TOML profile files, a project's `.octo/sandbox.toml`, the merged
 * policy `octo-sandbox` enforces, the egress proxy's log lines and the escape battery's rows.
 * Every key here is enforced by `runner/sandbox/`; a key that is not in these schemas is an error.
 */

export const NETWORK_MODES = ["none", "proxy", "open"] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** Narrowness order: a project may move a profile's mode only towards `none`. */
export const NETWORK_MODE_WIDTH: Record<NetworkMode, number> = { none: 0, proxy: 1, open: 2 };

const envName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name"),
);

/** A host path (`/usr`) or a path in the user's home (`~/.gitconfig`, bound under the sandbox home). */
const hostPath = v.pipe(
  v.string(),
  v.regex(/^(\/|~\/)[^\0]*$/, "expected an absolute path or one starting with ~/"),
  v.check((p) => !p.split("/").includes(".."), "must not contain .."),
);

/** A domain (`pypi.org`), a wildcard for its subdomains (`*.github.com`) or an IP literal. */
const domainPattern = v.pipe(
  v.string(),
  v.regex(/^(\*\.)?[A-Za-z0-9._:[\]-]+$/, "expected a domain, *.domain or an IP literal"),
);

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

/** Ports the egress proxy may dial (proxy mode); absent: 443 for CONNECT and 80 for plain HTTP. */
const allowPorts = v.pipe(
  v.array(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535))),
  v.minLength(1, 'expected at least one port (use network.mode = "none" for no egress)'),
);

/** Egress defaults: TLS through CONNECT, plain HTTP through absolute-URL requests. */
export const DEFAULT_EGRESS_PORTS = { connect: [443], http: [80] } as const;

const limitsEntries = {
  /** Tasks in this sandbox (its pids cgroup's pids.max); RLIMIT_NPROC of the account without one (0032). */
  processes: v.optional(positiveInt),
  /** RLIMIT_NOFILE. */
  open_files: v.optional(positiveInt),
  /** RLIMIT_AS per process, in MiB. */
  memory_mb: v.optional(positiveInt),
  /** RLIMIT_CPU per process, in seconds. */
  cpu_seconds: v.optional(positiveInt),
  /** RLIMIT_FSIZE: largest file a process may write, in MiB. */
  file_size_mb: v.optional(positiveInt),
  /** Size of each private tmpfs (/tmp, the sandbox home), in MiB: tmpfs lives in RAM. */
  tmp_mb: v.optional(positiveInt),
  /**
   * How many nice levels (0–19) everything in the sandbox runs below the runner: agents and shells
   * yield the CPU to the server and runner. A project may only raise it.
   */
  nice: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(19))),
};

export const ProfileFileSchema = v.strictObject({
  description: v.optional(v.string()),
  filesystem: v.optional(
    v.strictObject({
      read_only: v.optional(v.array(hostPath)),
      read_write: v.optional(v.array(hostPath)),
      deny: v.optional(v.array(hostPath)),
    }),
  ),
  network: v.optional(
    v.strictObject({
      mode: v.optional(v.picklist(NETWORK_MODES)),
      allow: v.optional(v.array(domainPattern)),
      allow_ports: v.optional(allowPorts),
      block_private: v.optional(v.boolean()),
    }),
  ),
  env: v.optional(
    v.strictObject({
      pass: v.optional(v.array(envName)),
      set: v.optional(
        v.record(
          envName,
          v.pipe(
            v.string(),
            v.check((s) => !s.includes("\0"), "no NUL"),
          ),
        ),
      ),
    }),
  ),
  limits: v.optional(v.strictObject(limitsEntries)),
});
export type ProfileFile = v.InferOutput<typeof ProfileFileSchema>;

/** A project's `.octo/sandbox.toml`: may only tighten, so it has no `env.set` and no description. */
export const ProjectPolicyFileSchema = v.strictObject({
  filesystem: v.optional(
    v.strictObject({
      read_only: v.optional(v.array(hostPath)),
      read_write: v.optional(v.array(hostPath)),
      deny: v.optional(v.array(hostPath)),
    }),
  ),
  network: v.optional(
    v.strictObject({
      mode: v.optional(v.picklist(NETWORK_MODES)),
      allow: v.optional(v.array(domainPattern)),
      allow_ports: v.optional(allowPorts),
      block_private: v.optional(v.boolean()),
    }),
  ),
  env: v.optional(v.strictObject({ pass: v.optional(v.array(envName)) })),
  limits: v.optional(v.strictObject(limitsEntries)),
});
export type ProjectPolicyFile = v.InferOutput<typeof ProjectPolicyFileSchema>;

export interface Limits {
  processes?: number;
  open_files?: number;
  memory_mb?: number;
  cpu_seconds?: number;
  file_size_mb?: number;
  tmp_mb?: number;
  nice?: number;
}

/** Ports the egress proxy dials, per kind of request (`network.allow_ports` sets both). */
export interface EgressPorts {
  connect: number[];
  http: number[];
}

/** The fully resolved policy: every field present, ready for the bwrap argv builder. */
export interface SandboxPolicy {
  profile: string;
  description: string;
  /** Where each layer came from, for `--print` and error messages. */
  sources: string[];
  filesystem: { read_only: string[]; read_write: string[]; deny: string[] };
  network: { mode: NetworkMode; allow: string[]; block_private: boolean; ports: EgressPorts };
  env: { pass: string[]; set: Record<string, string> };
  limits: Limits;
}

export const EgressLogLineSchema = v.strictObject({
  time: v.string(),
  user: v.string(),
  project: v.string(),
  method: v.string(),
  host: v.string(),
  port: v.number(),
  /** The address actually dialed (empty when refused before resolving). */
  address: v.string(),
  allowed: v.boolean(),
  reason: v.string(),
  bytes_up: v.number(),
  bytes_down: v.number(),
});
export type EgressLogLine = v.InferOutput<typeof EgressLogLineSchema>;

export const CHECK_OUTCOMES = ["pass", "fail", "skip"] as const;

/** One row of `octo-sandbox check`: the attempt inside must fail, its control outside must succeed. */
export const CheckRowSchema = v.strictObject({
  id: v.string(),
  title: v.string(),
  profile: v.string(),
  outcome: v.picklist(CHECK_OUTCOMES),
  inside: v.string(),
  control: v.string(),
});
export type CheckRow = v.InferOutput<typeof CheckRowSchema>;
