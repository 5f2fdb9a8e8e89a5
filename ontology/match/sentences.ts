// A small sentence splitter for prose that the extractor did not split (title, abstract, discussion).
// It keeps offsets and avoids breaking after common abbreviations ("Fig.", "e.g.", "et al.", "Dr.").
const NO_BREAK_AFTER = /(?:\b(?:fig|figs|e\.g|i\.e|et al|dr|mr|mrs|ms|vs|no|approx|ca|cf|resp|ref|refs|st|prof|inc|co|ltd|jr|sr|mg|ml|dl|vol|viz|eq)\.|\b[A-Z]\.)$/i;

// A stop, optionally followed by flattened citation numbers (".1 It", ".3-5 The"), then a capital.
const BOUNDARY = /[.!?](?:\d+(?:[,\u2013-]\d+)*)?(?=["')\]]*\s+["'(\[]*[A-Z0-9])|\n\s*\n/g;

export function splitSentences(text: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  BOUNDARY.lastIndex = 0;
  for (let m = BOUNDARY.exec(text); m; m = BOUNDARY.exec(text)) {
    const end = m.index + m[0].length;
    if (m[0][0] === '.') {
      const stop = m.index + 1;
      if (NO_BREAK_AFTER.test(text.slice(Math.max(start, stop - 12), stop))) continue;
      if (m[0].length > 1 && /\d/.test(text[m.index - 1] ?? '')) continue; // a decimal number, "2.5 Gy"
    }
    pushTrimmed(text, start, end, out);
    start = end;
  }
  pushTrimmed(text, start, text.length, out);
  return out;
}

function pushTrimmed(text: string, s: number, e: number, out: [number, number][]): void {
  while (s < e && /\s/.test(text[s])) s++;
  while (e > s && /\s/.test(text[e - 1])) e--;
  if (e > s) out.push([s, e]);
}

/** Index of the sentence containing offset `pos` (binary search over sorted spans). */
export function sentenceAt(spans: [number, number][], pos: number): number {
  let lo = 0, hi = spans.length - 1, best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid][0] <= pos) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return best;
}
