/** argon2id through Bun.password; parameters chosen for ~50 ms per hash on a small server core. */
const ARGON2 = { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 } as const;

export const hashPassword = (password: string): Promise<string> => Bun.password.hash(password, ARGON2);

export const verifyPassword = (password: string, hash: string): Promise<boolean> =>
  Bun.password.verify(password, hash).catch(() => false);

let dummyHash: Promise<string> | undefined;

/**
 * Spend the same work as a real check when there is no user to check against, so a wrong user name
 * answers no faster than a wrong password.
 */
export async function verifyAgainstNobody(password: string): Promise<false> {
  dummyHash ??= hashPassword(generatePassword());
  await verifyPassword(password, await dummyHash);
  return false;
}

/** A password a person can type: 4 groups of 5 from an unambiguous alphabet (~100 bits). */
export function generatePassword(): string {
  return randomGroups(4, 5);
}

/** `groups` groups of `size` characters from a 31-letter alphabet without look-alikes, joined by `-`. */
export function randomGroups(groups: number, size: number): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % alphabet.length);
  while (out.length < groups * size) {
    for (const b of crypto.getRandomValues(new Uint8Array(groups * size))) {
      if (b < limit && out.length < groups * size) out.push(alphabet[b % alphabet.length] as string);
    }
  }
  return Array.from({ length: groups }, (_, i) => out.slice(i * size, (i + 1) * size).join("")).join("-");
}
