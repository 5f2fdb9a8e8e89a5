// Sentence splitting with exact character offsets. A small rule-based scanner rather than natural's
// SentenceTokenizer: natural returns strings without offsets (re-finding them is fragile with repeated
// sentences) and splits after "Fig." and "i.v."; clinical text needs a medical abbreviation list.

const NUM = String.raw`(?:#\s*)?(?:no\.?\s*)?(?:\d+|[ivx]+|one|two|three|four|five|[a-e])`;

/** A title naming one patient among several: "Case 1", "Case II", "Clinical Case #1", "Patient 2", "Case report 1". */
// (the splitter must not end a sentence at "Case 1." headings; extract/rules.ts reads titles with it too)
export const CASE_N_RE = new RegExp(String.raw`^(?:(?:clinical|illustrative)\s+)?(?:case|patient|proband)(?:\s+(?:report|presentation|description))?\s*${NUM}\b`, 'i');

export interface Span { start: number; end: number }

// Tokens (lower-cased, without the final period) after which a period never ends a sentence.
const NO_SPLIT = new Set([
  'dr', 'drs', 'mr', 'mrs', 'ms', 'prof', 'st', 'jr', 'sr', 'vs', 'v', 'cf', 'ca', 'approx', 'fig', 'figs',
  'no', 'nos', 'vol', 'pp', 'p', 'eq', 'ref', 'refs', 'tab', 'suppl', 'al', 'e.g', 'i.e', 'eg', 'ie', 'i.v', 'i.m',
  's.c', 'p.o', 'b.i.d', 't.i.d', 'q.i.d', 'q.d', 'o.d', 'p.r.n', 'h.s', 'a.m', 'p.m', 'viz', 'resp', 'incl',
  'sp', 'spp', 'var', 'subsp', 'min', 'max', 'mo', 'wk', 'wks', 'yr', 'yrs', 'hr', 'hrs', 'inc', 'ltd', 'co',
  'dept', 'univ', 'mt', 'ft', 'gen', 'lt', 'col', 'capt', 'sgt', 'esp', 'nr', 'ed', 'eds',
]);

// Tokens that stay abbreviations only when the next word starts in lower case ("etc. and", but "etc. The").
const SOFT = new Set(['etc', 'min', 'max', 'mo', 'wk', 'wks', 'yr', 'yrs', 'hr', 'hrs']);

function isSpace(c: number): boolean { return c === 32 || c === 10 || c === 9 || c === 13 || c === 160; }
// ASCII decided by code (the splitter runs over every text extract and align see); other chars by case mapping
function isUpper(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (ch.length === 1 && c < 128) return c >= 65 && c <= 90;
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}
function isLower(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (ch.length === 1 && c < 128) return c >= 97 && c <= 122;
  return ch !== ch.toUpperCase() && ch === ch.toLowerCase();
}

/** The word (letters and inner periods) that ends just before position `dot`. */
function wordBefore(text: string, dot: number): string {
  let s = dot;
  while (s > 0) {
    const c = text.charCodeAt(s - 1); // [A-Za-z.]
    if (c === 46 || ((c | 32) >= 97 && (c | 32) <= 122)) s--; else break;
  }
  return text.slice(s, dot);
}

// [.?!"”’')\]]: what may follow a sentence's stop inside it
const isCloser = (c: number) => c === 46 || c === 63 || c === 33 || c === 34 || c === 0x201d || c === 0x2019 || c === 39 || c === 41 || c === 93;

function opensSentence(ch: string): boolean {
  return isUpper(ch) || /[0-9"“‘'(\[]/.test(ch);
}

/** Whether the period/?/! at `i` ends a sentence, given the next non-space char at `next`. */
function endsAt(text: string, i: number, next: number): boolean {
  const ch = text[i];
  const nextCh = text[next] ?? '';
  if (ch !== '.') return !isLower(nextCh);
  const word = wordBefore(text, i);
  const lw = word.toLowerCase();
  if (!opensSentence(nextCh)) return false;
  if (lw.length === 1 && isUpper(word)) return false;         // initials: "J. Smith", "A. fumigatus"
  if (SOFT.has(lw)) return isUpper(nextCh);
  if (NO_SPLIT.has(lw)) return false;
  if (/^([a-z]\.)+[a-z]$/i.test(word) && word.length <= 7) return false; // "e.g", "i.v", "U.S"
  return true;
}

/** "opacities (Figure 1).Computed": closing bracket, digit or lower-case word, then a capitalised word. */
function missingSpaceBreak(text: string, dot: number, next: number): boolean {
  if (!/^[A-Z][a-z]{2}/.test(text.slice(next, next + 3))) return false;
  const prev = text[dot - 1] ?? '';
  if (prev === ')' || prev === ']' || /[0-9]/.test(prev)) return true;
  if (!isLower(prev)) return false;
  const word = wordBefore(text, dot);
  return word.length > 2 && !word.includes('.') && !NO_SPLIT.has(word.toLowerCase());
}

/**
 * Splits `text` (one paragraph or several joined by blank lines) into sentence spans.
 * Paragraph breaks ("\n\n") always end a sentence; spans exclude surrounding whitespace.
 */
export function splitSentences(text: string): Span[] {
  const spans: Span[] = [];
  const n = text.length;
  let start = 0;
  const push = (s: number, e: number) => {
    while (s < e && isSpace(text.charCodeAt(s))) s++;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    if (e > s) spans.push({ start: s, end: e });
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 && text.charCodeAt(i + 1) === 10) { push(start, i); start = i + 2; i++; continue; }
    if (c !== 46 && c !== 63 && c !== 33) continue; // . ? !
    // closing quotes/brackets and repeated punctuation belong to this sentence
    let j = i + 1;
    while (j < n && isCloser(text.charCodeAt(j))) j++;
    if (j >= n) continue;
    if (!isSpace(text.charCodeAt(j))) {
      // "3.5", "e.g.," and "U.S.A" never split; "(Figure 4).During" (a missing space in the source) does
      if (c === 46 && missingSpaceBreak(text, i, j)) { push(start, j); start = j; i = j - 1; }
      continue;
    }
    let k = j;
    while (k < n && isSpace(text.charCodeAt(k))) {
      if (text.charCodeAt(k) === 10 && text.charCodeAt(k + 1) === 10) break;
      k++;
    }
    if (k >= n || (text.charCodeAt(k) === 10 && text.charCodeAt(k + 1) === 10)) continue;
    if (!endsAt(text, i, k)) continue;
    push(start, j);
    start = k;
    i = k - 1;
  }
  push(start, n);
  return spans;
}

const RUN_IN_WORD = /^(?:[A-Z0-9][\w'’()-]*|of|the|and|or|in|on|at|to|for|with|a|an|&)$/;

/**
 * A paragraph that opens with a run-in heading ("<italic>Histopathology</italic>. Biopsy of …")
 * splits into a one-line heading and the sentence it introduces; the heading is merged into that
 * sentence, so the timeline has no heading-only "sentences". A heading: at the start of a paragraph,
 * at most 6 words, each capitalised (or a short function word), ending with "." or ":".
 */
export function joinRunInHeadings(text: string, spans: Span[]): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < spans.length; i++) {
    const sp = spans[i];
    const next = spans[i + 1];
    const atParagraph = sp.start === 0 || /\n\s*\n\s*$/.test(text.slice(Math.max(0, sp.start - 4), sp.start));
    const body = text.slice(sp.start, sp.end);
    const words = body.replace(/[.:]$/, '').split(/[\s/]+/).filter(Boolean);
    // "Case 1." / "Patient 2:" stay apart: they open a patient's timeline (see cases.ts)
    const heading = atParagraph && /[.:]$/.test(body) && words.length > 0 && words.length <= 6 && words.every((w) => RUN_IN_WORD.test(w))
      && !CASE_N_RE.test(body.replace(/[.:]$/, ''));
    const sameParagraph = next !== undefined && !/\n\s*\n/.test(text.slice(sp.end, next.start));
    if (heading && sameParagraph) { out.push({ start: sp.start, end: next.end }); i++; } else out.push(sp);
  }
  return out;
}
