/**
 * The relay started inside the sandbox before the command: socat listens on loopback ports of the
 * sandbox's own network namespace and forwards each connection to a unix socket bound in from
 * outside. The script waits until every port is listening (reading /proc/net/tcp with shell
 * builtins, no forks) and then execs the command, so the command never races the relay.
 */

export interface RelayForward {
  port: number;
  socket: string;
  /** Keep retrying a socket that is not there (yet) for this long before failing the connection. */
  waitMs?: number;
}

const RETRY_INTERVAL_S = 0.25;

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, "0");

export function relayScript(socat: string, forwards: RelayForward[]): string {
  const lines = ["set -eu"];
  for (const { port, socket, waitMs } of forwards) {
    const retry = waitMs
      ? `,retry=${Math.ceil(waitMs / 1000 / RETRY_INTERVAL_S)},interval=${RETRY_INTERVAL_S}`
      : "";
    lines.push(
      `${socat} TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:${socket}${retry} </dev/null &`,
    );
  }
  lines.push(
    "octo_wait_listen() {",
    "  tries=0",
    '  while [ "$tries" -lt 50000 ]; do',
    '    while read -r _ local _ state _; do [ "$local" = "$1" ] && [ "$state" = 0A ] && return 0; done </proc/net/tcp',
    "    tries=$((tries + 1))",
    "  done",
    '  echo "octo-sandbox: relay on $1 did not start" >&2',
    "  exit 125",
    "}",
  );
  for (const { port } of forwards) lines.push(`octo_wait_listen 0100007F:${hexPort(port)}`);
  lines.push('exec "$@"');
  return lines.join("\n");
}
