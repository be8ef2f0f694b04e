import { parseArgs } from "node:util";
import { startServer } from "../server/start.ts";

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      config: { type: "string" },
      "log-format": { type: "string" },
    },
    strict: true,
  });
  const logFormat = values["log-format"];
  if (logFormat && logFormat !== "text" && logFormat !== "json") {
    console.error(`octo serve: --log-format must be text or json, not ${logFormat}`);
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    console.error(`octo serve: --port must be a number from 0 to 65535, not ${values.port}`);
    return 2;
  }
  // Handlers go in before start-up: a signal while the runner is still starting must not kill us mid-way.
  let pendingSignal: string | undefined;
  let onSignal: (signal: string) => void = (signal) => {
    pendingSignal ??= signal;
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
  const started = await startServer({
    startRunner: true,
    path: values.config,
    host: values.host,
    port,
    logFormat: logFormat as "text" | "json" | undefined,
  });
  if (!started.ok) {
    console.error(`octo serve: ${started.error.message}`);
    return 1;
  }
  const server = started.value;
  if (server.firstAdmin) {
    // Printed once, on first start only; only the hash is stored.
    console.log(
      [
        "",
        "  First start: an admin account was created.",
        `    user:     ${server.firstAdmin.username}`,
        `    password: ${server.firstAdmin.password}`,
        "  Sign in and change the password; it will not be shown again.",
        "",
      ].join("\n"),
    );
  }
  console.log(`octo is running at ${server.url}`);
  await new Promise<void>((resolve) => {
    onSignal = (signal: string) => {
      server.ctx.log.info("shutting down", { signal });
      server.stop().then(resolve, resolve);
    };
    if (pendingSignal) onSignal(pendingSignal);
  });
  return 0;
}
