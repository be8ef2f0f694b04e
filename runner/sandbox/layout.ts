/** Fixed paths and ports inside every sandbox: one home for them so docs, argv and tests agree. */
export const SANDBOX = {
  workspace: "/workspace",
  home: "/home/sandbox",
  runDir: "/run/octo",
  llmSocket: "/run/octo/llm.sock",
  /**
   * The user's gateway directory (`--gateway-dir`), bound whole: the relay connects to the socket
   * by name there, so it reaches a restarted gateway's new socket file too.
   */
  gatewayDir: "/run/octo/gateway",
  gatewayLlmSocket: "/run/octo/gateway/llm.sock",
  /** How long the relay retries connecting to a gateway socket that is away (a restart). */
  gatewayWaitMs: 60_000,
  /** A link into `toolDir`, where the runner's per-session socket directory is bound. */
  toolSocket: "/run/octo/tool.sock",
  toolDir: "/run/octo/tool",
  egressSocket: "/run/octo/egress.sock",
  hostname: "octo",
  /** Loopback ports of the relay inside the sandbox's own network namespace. */
  llmPort: 7701,
  egressPort: 3128,
  /** bwrap reads the seccomp program from this inherited descriptor. */
  seccompFd: 3,
} as const;

/** Sandbox-managed variables: `--env` may not override them. */
export const RESERVED_ENV = new Set([
  "HOME",
  "TMPDIR",
  "OCTO_SANDBOX",
  "OCTO_PROJECT",
  "OCTO_LLM_URL",
  "OCTO_TOOL_SOCKET",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "http_proxy",
  "https_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
]);

/** Destinations an extra `--ro` bind may not cover or shadow. */
export const PROTECTED_DESTINATIONS = [
  "/",
  "/workspace",
  "/proc",
  "/dev",
  "/run/octo",
  "/tmp",
  "/home/sandbox",
];

/** Exit status when the sandbox itself refuses or fails (as `env` and container runtimes do). */
export const SANDBOX_ERROR_EXIT = 125;
