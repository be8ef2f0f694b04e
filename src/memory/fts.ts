/** Words that carry no meaning for ranking; leaving them out keeps bm25 on the words that do. */
const STOPWORDS = new Set(
  (
    "a an and are as at be but by do does did for from has have how i in is it its me my of on or our " +
    "so that the their them there these this to was we were what when where which who why will with " +
    "you your should would could can about into than then"
  ).split(" "),
);

/** The distinct words of `input` that search looks for (stopwords out, unless nothing else is left). */
export function ftsTerms(input: string): string[] {
  const words = (input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 32);
  const meaningful = words.filter((w) => !STOPWORDS.has(w));
  return [...new Set(meaningful.length > 0 ? meaningful : words)];
}

/**
 * An FTS5 query from a person's or a model's words: every word quoted (so FTS5 syntax in the input
 * is just text), OR-ed so that bm25 ranks partial matches, the last word as a prefix (search as you
 * type). Null when nothing searchable is left.
 */
export function ftsQuery(input: string): string | null {
  const words = (input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 32);
  const chosen = ftsTerms(input);
  if (chosen.length === 0) return null;
  const terms = chosen.map((w) => `"${w}"`);
  const lastWord = words.at(-1);
  if (lastWord && /[\p{L}\p{N}]$/u.test(input) && chosen.includes(lastWord)) {
    const last = `"${lastWord}"`;
    terms.splice(terms.indexOf(last), 1, `${last}*`);
  }
  return terms.join(" OR ");
}
