// Text reuse between a model-visible sentence and text that must stay hidden (a caption, a gold finding):
// runs of words it copies, and the share of a finding's content words it repeats. Scores only: the
// filter's config holds the thresholds (filter.captionShingleWords, filter.findingOverlap).
import { americanize, foldChars } from '../../ontology/match/normalize.ts';

// Function words and picture words: a run of them alone is no copied caption, and they carry no finding.
const STOP = new Set(('a an the of in on at to and or with without from by for as is are was were be been has have had this that these those '
  + 'which who its their his her he she it there showing shows shown show image images figure fig panel arrow arrows arrowhead case patient '
  + 'left right view axial coronal sagittal also both after before during into than then when where while not no').split(' '));

export interface WordTok { start: number; end: number; w: string }

export function words(text: string): WordTok[] {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ start: m.index!, end: m.index! + m[0].length, w: americanize(foldChars(m[0])) }));
}

/** Spans of `text` that copy at least `n` consecutive words of `hidden` (with ≥ 2 content words among them). */
export function copiedRuns(text: string, hidden: string, n: number): { start: number; end: number; text: string }[] {
  const h = words(hidden).map((t) => t.w);
  const grams = new Set<string>();
  for (let i = 0; i + n <= h.length; i++) grams.add(h.slice(i, i + n).join(' '));
  const t = words(text);
  const out: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i + n <= t.length; i++) {
    const win = t.slice(i, i + n);
    if (win.filter((x) => !STOP.has(x.w) && !/^\d+$/.test(x.w)).length < 2) continue;
    if (!grams.has(win.map((x) => x.w).join(' '))) continue;
    const start = win[0].start;
    const end = win[n - 1].end;
    const last = out[out.length - 1];
    if (last && start <= last.end) { last.end = end; last.text = text.slice(last.start, end); } else out.push({ start, end, text: text.slice(start, end) });
  }
  return out;
}

const stem = (w: string): string => w.replace(/(?:ies|es|s|ed|ing|ly)$/, '');

/** Content words of a finding (simple suffix stripping: "enlarged" ~ "enlarge", "areas" ~ "area"). */
export function contentWords(text: string): Set<string> {
  return new Set(words(text).map((t) => t.w).filter((w) => w.length >= 3 && !STOP.has(w) && !/^\d+$/.test(w)).map(stem));
}

/** The share of the finding's content words that the sentence repeats (0 when the finding has fewer than 3). */
export function findingOverlap(sentence: string, finding: string): number {
  const f = contentWords(finding);
  if (f.size < 3) return 0;
  const s = contentWords(sentence);
  let n = 0;
  for (const w of f) if (s.has(w)) n++;
  return n / f.size;
}
