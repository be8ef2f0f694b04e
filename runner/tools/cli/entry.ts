#!/usr/bin/env bun
import { octoTool } from "./main.ts";

/**
 * `octo-tool` inside a sandbox. Shipped as a JavaScript bundle (`lib/octo/tool/octo-tool.js`) that
 * the runner's binary runs as a Bun runtime, like pi, so its libraries (Readability, linkedom,
 * Turndown, pdf.js) cost the runner's own memory nothing; from source this file runs directly.
 */
process.exit(await octoTool(process.argv.slice(2)));
