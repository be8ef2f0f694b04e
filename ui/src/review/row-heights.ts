/**
 * Row heights of a windowed list: each row's height (an estimate until it is measured), with the
 * offset of any row and the row at any offset in O(log n) — a Fenwick (binary indexed) tree of
 * heights. Pure: tested beside it.
 */
export class RowHeights {
  private tree: Float64Array;
  private heights: Float64Array;
  private measured: Uint8Array;
  private n = 0;

  constructor(
    /** The height a row is taken to have until measured, by row index. */
    private estimate: (i: number) => number,
    capacity = 64,
  ) {
    this.tree = new Float64Array(capacity + 1);
    this.heights = new Float64Array(capacity);
    this.measured = new Uint8Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  /** Sum of every row's height. */
  get total(): number {
    return this.n === 0 ? 0 : this.offsetOf(this.n);
  }

  height(i: number): number {
    return this.heights[i] ?? 0;
  }

  isMeasured(i: number): boolean {
    return this.measured[i] === 1;
  }

  /** Rows up to `n` (more rows appended at their estimate; fewer drops the tail). */
  resize(n: number): void {
    if (n === this.n) return;
    if (n > this.heights.length) {
      let cap = this.heights.length || 64;
      while (cap < n) cap *= 2;
      const heights = new Float64Array(cap);
      heights.set(this.heights.subarray(0, this.n));
      const measured = new Uint8Array(cap);
      measured.set(this.measured.subarray(0, this.n));
      this.heights = heights;
      this.measured = measured;
      this.tree = new Float64Array(cap + 1);
    }
    for (let i = this.n; i < n; i++) {
      this.heights[i] = this.estimate(i);
      this.measured[i] = 0;
    }
    this.n = n;
    this.rebuild();
  }

  /** A new estimate for the rows not yet measured (e.g. once the first row of a kind is measured). */
  reestimate(estimate: (i: number) => number): void {
    this.estimate = estimate;
    for (let i = 0; i < this.n; i++) if (!this.measured[i]) this.heights[i] = estimate(i);
    this.rebuild();
  }

  /** Row `i` measured at `h`; answers how much its height changed. */
  set(i: number, h: number): number {
    if (i < 0 || i >= this.n) return 0;
    this.measured[i] = 1;
    const d = h - (this.heights[i] ?? 0);
    if (d === 0) return 0;
    this.heights[i] = h;
    for (let k = i + 1; k <= this.n; k += k & -k) this.tree[k] = (this.tree[k] ?? 0) + d;
    return d;
  }

  /** Top of row `i` (the sum of the heights of rows 0..i-1); `offsetOf(length)` is the total. */
  offsetOf(i: number): number {
    let s = 0;
    for (let k = Math.min(Math.max(i, 0), this.n); k > 0; k -= k & -k) s += this.tree[k] ?? 0;
    return s;
  }

  /**
   * The row at offset `y`: the last row whose top is ≤ y (0 above the first row, the last row at or
   * past the end; 0 when empty).
   */
  indexAt(y: number): number {
    if (this.n === 0 || y <= 0) return 0;
    let pos = 0;
    let rest = y;
    let step = 1;
    while (step * 2 <= this.n) step *= 2;
    for (; step > 0; step >>= 1) {
      const k = pos + step;
      if (k <= this.n && (this.tree[k] ?? 0) <= rest) {
        pos = k;
        rest -= this.tree[k] ?? 0;
      }
    }
    // `pos` rows fit entirely at or above y: row `pos` holds y (clamped to the last row).
    return Math.min(pos, this.n - 1);
  }

  private rebuild(): void {
    this.tree.fill(0);
    for (let i = 1; i <= this.n; i++) {
      const t = (this.tree[i] ?? 0) + (this.heights[i - 1] ?? 0);
      this.tree[i] = t;
      const j = i + (i & -i);
      if (j <= this.n) this.tree[j] = (this.tree[j] ?? 0) + t;
    }
  }
}

/** The rows to render: those overlapping [top - overscan, bottom + overscan), as [start, end). */
export function visibleRange(
  h: RowHeights,
  top: number,
  bottom: number,
  overscan: number,
): { start: number; end: number } {
  if (h.length === 0) return { start: 0, end: 0 };
  const start = h.indexAt(Math.max(0, top - overscan));
  const end = Math.min(h.length, h.indexAt(bottom + overscan) + 1);
  return { start, end: Math.max(end, start + 1) };
}
