// Sentence spans for prose the extractor did not split (title, abstract, discussion): the same
// splitter as the case timeline (pipeline/extract/sentences.ts), as [start, end) pairs.
import { splitSentences as splitSpans } from '../../pipeline/core/sentences.ts';

export function splitSentences(text: string): [number, number][] {
  return splitSpans(text).map((s) => [s.start, s.end]);
}

/** Index of the sentence containing `pos` (binary search over sorted spans), or the last one before it. */
export function sentenceAt(spans: [number, number][], pos: number): number {
  let lo = 0, hi = spans.length - 1, best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid][0] <= pos) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return best;
}
