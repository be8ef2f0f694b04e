import { basename } from "node:path";

/**
 * The entry of the one compiled binary. `octo-runner` and `octo-sandbox` (like `octoctl`) are
 * symlinks to `octo`: each embedded copy of the Bun runtime was ~100 MB, three of them two thirds of
 * a release (docs/decisions/0013-one-binary-three-names.md). A compiled binary sees the name it was
 * started by only in argv0. Each program is imported on demand, so a sandbox start evaluates only
 * the sandbox's modules.
 */
const invoked = basename(process.argv0);
if (invoked === "octo-sandbox") await (await import("../runner/sandbox/main.ts")).sandboxMain();
else if (invoked === "octo-runner") await (await import("../runner/main.ts")).runnerMain();
else await (await import("./main.ts")).octoMain();
