import { SANDBOX_ERROR_EXIT } from "./layout.ts";

/**
 * The relay started inside the sandbox before the command: socat listens on loopback ports of the
 * sandbox's own network namespace and forwards each connection to a unix socket bound in from
 * outside. Each socat reports "listening on" (`-d -d`) down one pipe, and the script blocks reading
 * it until every port is listening, then execs the command: the command never races the relay, and
 * nothing polls. A socat that cannot listen reports its error down the same pipe (exit 125 with its
 * message); once the reader is gone socat's later notices fail with EPIPE, which it is told to
 * ignore (SIGPIPE ignored in the relay's own subshell only, never in the command).
 */

export interface RelayForward {
  port: number;
  socket: string;
  /** Keep retrying a socket that is not there (yet) for this long before failing the connection. */
  waitMs?: number;
}

const RETRY_INTERVAL_S = 0.25;

export function relayScript(socat: string, forwards: RelayForward[]): string {
  const lines = ["set -eu", "(", "trap '' PIPE"];
  for (const { port, socket, waitMs } of forwards) {
    const retry = waitMs
      ? `,retry=${Math.ceil(waitMs / 1000 / RETRY_INTERVAL_S)},interval=${RETRY_INTERVAL_S}`
      : "";
    lines.push(
      `${socat} -d -d TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:${socket}${retry} </dev/null 2>&1 >/dev/null &`,
    );
  }
  lines.push(
    ") | {",
    "  n=0",
    "  while IFS= read -r line; do",
    '    case "$line" in',
    `      *" E "*) echo "octo-sandbox: relay failed: \${line#* E }" >&2; exit ${SANDBOX_ERROR_EXIT} ;;`,
    `      *" listening on "*) n=$((n + 1)); [ "$n" -lt ${forwards.length} ] || exit 0 ;;`,
    "    esac",
    "  done",
    '  echo "octo-sandbox: relay did not start" >&2',
    `  exit ${SANDBOX_ERROR_EXIT}`,
    "}",
    'exec "$@"',
  );
  return lines.join("\n");
}
