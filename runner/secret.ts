const sha256 = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest();

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
export function secretMatches(given: string, expected: string): boolean {
  const a = sha256(given);
  const b = sha256(expected);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
