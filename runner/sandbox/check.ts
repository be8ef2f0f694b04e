import type { CheckRow } from "../../src/protocol/sandbox.ts";
import { runBattery } from "./escape/battery.ts";

const MARK: Record<CheckRow["outcome"], string> = { pass: "PASS", fail: "FAIL", skip: "SKIP" };

/**
 * `octo-sandbox check`: the escape battery against this machine (needs root: it creates two
 * throw-away `octo_esc*` accounts and removes them afterwards). Exit status 0 only if nothing failed.
 */
export async function runCheck(opts: { json: boolean }): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      "octo-sandbox: error[forbidden]: check needs root (it creates and removes test accounts)\n",
    );
    return 125;
  }
  const rows = await runBattery((row) => {
    if (opts.json) return;
    process.stdout.write(
      `${MARK[row.outcome]}  ${row.profile.padEnd(8)} ${row.id.padEnd(22)} ${row.title}\n`,
    );
    if (row.outcome === "fail")
      process.stdout.write(`      inside:  ${row.inside}\n      control: ${row.control}\n`);
  });
  const failed = rows.filter((r) => r.outcome === "fail").length;
  if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else
    process.stdout.write(
      `\n${rows.length - failed} of ${rows.length} checks passed (${rows.filter((r) => r.outcome === "skip").length} skipped)\n`,
    );
  return failed === 0 ? 0 : 1;
}
