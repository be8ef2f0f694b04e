#!/usr/bin/env bun
import { runDriver } from "./main.ts";

/**
 * The browser driver's entry. Shipped as a JavaScript bundle (`lib/octo/browser/driver.js`) that the
 * runner's binary runs as a Bun runtime, so Playwright never loads into the runner itself; from
 * source this file runs directly.
 */
process.exit(await runDriver(process.argv.slice(2)));
