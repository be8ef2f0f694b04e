/**
 * Stable element refs over Playwright's aria snapshots. Playwright numbers elements afresh in every
 * snapshot (`[ref=s<generation>e<n>]`); a model needs a ref that still means the same element after
 * the page changed a little. An element is known by its role, its name and which occurrence of that
 * pair it is; the first time such a key is seen it gets the next `@eN`, and keeps it for the page's
 * life. Resolving a stable ref maps it to the latest snapshot's own number.
 */

const REF = / \[ref=s(\d+)e(\d+)\]/;
const KEY = /^\s*- (\w+)(?: "((?:[^"\\]|\\.)*)")?/;

export interface Rendered {
  /** The snapshot with `[@eN]` refs. */
  text: string;
  generation: number;
}

export class RefTable {
  private next = 1;
  private readonly byKey = new Map<string, number>();
  /** Stable ref → Playwright's element number in `generation`. */
  private current = new Map<number, number>();
  private generation = 0;

  /** Renders a raw Playwright snapshot (taken with `ref: true`) with stable refs. */
  render(raw: string): Rendered {
    const seen = new Map<string, number>();
    const current = new Map<number, number>();
    let generation = this.generation;
    const lines = raw.split("\n").map((line) => {
      const ref = REF.exec(line);
      if (!ref) return line;
      generation = Number(ref[1]);
      const keyMatch = KEY.exec(line);
      const base = keyMatch ? `${keyMatch[1]}|${keyMatch[2] ?? ""}` : line.replace(REF, "").trim();
      const nth = (seen.get(base) ?? 0) + 1;
      seen.set(base, nth);
      const key = `${base}|${nth}`;
      let stable = this.byKey.get(key);
      if (stable === undefined) {
        stable = this.next++;
        this.byKey.set(key, stable);
      }
      current.set(stable, Number(ref[2]));
      return line.replace(REF, ` [@e${stable}]`);
    });
    this.current = current;
    this.generation = generation;
    return { text: lines.join("\n"), generation };
  }

  /** Playwright's selector for a stable ref in the latest snapshot, or null when it is gone. */
  selector(ref: string): string | null {
    const n = Number(ref.replace(/^@?e/, ""));
    const id = this.current.get(n);
    return id === undefined ? null : `aria-ref=s${this.generation}e${id}`;
  }
}

/** Lines added and removed between two snapshots, for "what changed" after an action. */
export function snapshotDiff(before: string, after: string, max = 25): string[] {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const line of text.split("\n")) if (line.trim()) m.set(line, (m.get(line) ?? 0) + 1);
    return m;
  };
  const a = count(before);
  const b = count(after);
  const out: string[] = [];
  for (const line of before.split("\n")) {
    const left = a.get(line) ?? 0;
    if (left > (b.get(line) ?? 0)) {
      out.push(`- ${line.trim()}`);
      a.set(line, left - 1);
    }
  }
  const a2 = count(before);
  for (const line of after.split("\n")) {
    const left = b.get(line) ?? 0;
    if (left > (a2.get(line) ?? 0)) {
      out.push(`+ ${line.trim()}`);
      b.set(line, left - 1);
    }
  }
  if (out.length <= max) return out;
  return [...out.slice(0, max), `… ${out.length - max} more changed lines (run snapshot)`];
}
