/** Small output helpers shared by `octo user` and `octoctl`. */

export function renderTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const formatTime = (ms: number | null | undefined): string =>
  ms ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : "-";

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** A password piped in (`--password-stdin`): everything up to EOF, minus one trailing newline. */
export async function readPasswordFromStdin(): Promise<string> {
  const text = await Bun.stdin.text();
  return text.replace(/\r?\n$/, "");
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const userRows = (
  users: { username: string; role: string; disabled: boolean; created_at: number; id: string }[],
) =>
  renderTable(
    ["USERNAME", "ROLE", "STATUS", "CREATED", "ID"],
    users.map((u) => [
      u.username,
      u.role,
      u.disabled ? "disabled" : "active",
      formatTime(u.created_at),
      u.id,
    ]),
  );
