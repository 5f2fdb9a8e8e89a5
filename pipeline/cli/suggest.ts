// "did you mean …?": the closest known name within a small edit distance (natural's Damerau-Levenshtein,
// so a swapped pair of letters counts as one edit), or a unique name the input is a prefix of.
import { DamerauLevenshteinDistance } from 'natural/lib/natural/distance/levenshtein_distance.js';

export function closest(input: string, known: readonly string[]): string | null {
  const word = input.toLowerCase();
  if (!word) return null;
  const max = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  let best: { name: string; d: number } | null = null;
  for (const name of known) {
    const d = DamerauLevenshteinDistance(word, name.toLowerCase());
    if (d <= max && (!best || d < best.d)) best = { name, d };
  }
  if (best) return best.name;
  const prefixed = known.filter((n) => n.toLowerCase().startsWith(word));
  return prefixed.length === 1 ? prefixed[0] : null;
}

/** " (did you mean X?)", or "" when nothing is close. */
export function didYouMean(input: string, known: readonly string[], show: (s: string) => string = (s) => s): string {
  const c = closest(input, known);
  return c ? ` (did you mean ${show(c)}?)` : '';
}
