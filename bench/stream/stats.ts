export const pct = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};
export const median = (xs: readonly number[]): number => pct(xs, 50);
export const f1 = (x: number): string => x.toFixed(1);
export const f2 = (x: number): string => x.toFixed(2);
/** "median (min–max)" */
export const spread = (xs: readonly number[], fmt: (x: number) => string = f1): string =>
  `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
export const latency = (xs: readonly number[]): string =>
  `p50 ${f2(pct(xs, 50))} ms  p99 ${f2(pct(xs, 99))} ms  max ${f2(Math.max(...xs))} ms  (n=${xs.length})`;
