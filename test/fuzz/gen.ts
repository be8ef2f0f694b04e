/**
 * Seeded input generation for the fuzzers: random values, random bytes, and structure-aware
 * mutations of valid messages. Same seed, same inputs (reproduce a failure with OCTO_FUZZ_SEED).
 */

export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

/** The fuzz budget and seed, from the environment: OCTO_FUZZ_MS (total, default 20 s), OCTO_FUZZ_SEED. */
export function fuzzSettings(): { totalMs: number; seed: number } {
  const totalMs = Number(process.env.OCTO_FUZZ_MS ?? 20_000);
  const fromEnv = process.env.OCTO_FUZZ_SEED;
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  return { totalMs: Number.isFinite(totalMs) && totalMs > 0 ? totalMs : 20_000, seed };
}

const NASTY_STRINGS = [
  "",
  " ",
  "..",
  "../../etc/passwd",
  "/",
  "a/b",
  "\u0000",
  "\u2028\u2029",
  "\ud800",
  "%00",
  "💥".repeat(50),
  "x".repeat(70),
  "x".repeat(5000),
  "ses_00000000000000000000000000000000",
  "prj_00000000000000000000000000000000",
  "trm_00000000000000000000000000000000",
  "__proto__",
  "constructor",
  "<script>",
  "NaN",
  "-1",
  "true",
  "null",
];
const NASTY_NUMBERS = [0, -0, -1, 1, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, 0.5, 65_536, 4_294_967_296];

export function randomString(r: Rng): string {
  if (r.chance(0.5)) return r.pick(NASTY_STRINGS);
  const n = r.int(r.chance(0.9) ? 20 : 300);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.chance(0.8) ? 32 + r.int(95) : r.int(0x10000));
  return s;
}

export function randomValue(r: Rng, depth = 0): unknown {
  const k = r.int(depth > 3 ? 5 : 8);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.chance(0.5) ? r.pick(NASTY_NUMBERS) : r.int(1000);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    case 6: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[randomString(r)] = randomValue(r, depth + 1);
      return o;
    }
    default: {
      // deep nesting
      let v: unknown = 1;
      for (let i = r.int(2000); i > 0; i--) v = [v];
      return v;
    }
  }
}

/** One structure-aware change to a copy of a valid message. */
export function mutate(r: Rng, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(msg);
  const rounds = 1 + r.int(3);
  for (let i = 0; i < rounds; i++) {
    const target = pickObject(r, out);
    const keys = Object.keys(target);
    const key = keys.length ? r.pick(keys) : "x";
    switch (r.int(6)) {
      case 0:
        delete target[key];
        break;
      case 1:
        target[key] = randomValue(r);
        break;
      case 2:
        target[randomString(r)] = randomValue(r);
        break;
      case 3:
        target[key] = typeof target[key] === "string" ? `${target[key]}${randomString(r)}` : randomString(r);
        break;
      case 4:
        target[key] = r.pick(NASTY_NUMBERS);
        break;
      default:
        target[key] = r.chance(0.5) ? [target[key]] : { value: target[key] };
    }
  }
  return out;
}

function pickObject(r: Rng, root: Record<string, unknown>): Record<string, unknown> {
  let cur = root;
  for (let depth = 0; depth < 4 && r.chance(0.4); depth++) {
    const inner = Object.values(cur).filter(
      (v): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v),
    );
    if (!inner.length) break;
    cur = r.pick(inner);
  }
  return cur;
}

/** Text that is not valid JSON, or barely is. */
export function randomText(r: Rng): string {
  const forms = [
    () => randomString(r),
    () => "{",
    () => '{"ch":',
    () => "[]",
    () => "null",
    () => '"just a string"',
    () => "1e999",
    () => JSON.stringify(randomValue(r)),
    () => `{"id":"x"${",".repeat(r.int(5))}}`,
    () => Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256))).toString("latin1"),
  ];
  return r.pick(forms)();
}

/** Either random text or a mutated (sometimes untouched) seed, as text. */
export function nextInput(r: Rng, seeds: Record<string, unknown>[]): { text: string; value?: unknown } {
  if (r.chance(0.2)) return { text: randomText(r) };
  const seed = r.pick(seeds);
  const value = r.chance(0.15) ? seed : mutate(r, seed);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return { text: randomText(r) };
  }
  return { text, value };
}
