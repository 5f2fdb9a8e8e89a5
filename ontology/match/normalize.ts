// Token-level normalisation. Tokens keep their [start, end) offsets in the original text, so every
// normalised form maps back to the exact surface it came from (the offset map is per token).

export interface Token {
  start: number;      // offset of the first char in the original text
  end: number;        // offset after the last char (a possessive "'s" is inside the token)
  raw: string;        // original surface
  norm: string;       // canonical form used for dictionary lookup
  hyphenBefore: boolean; // joined to the previous token by a hyphen/slash with no space ("Klippel-Trenaunay")
}

const GREEK: Record<string, string> = {
  'α': 'alpha', 'β': 'beta', 'γ': 'gamma', 'δ': 'delta', 'ε': 'epsilon', 'ζ': 'zeta', 'η': 'eta', 'θ': 'theta',
  'ι': 'iota', 'κ': 'kappa', 'λ': 'lambda', 'μ': 'mu', 'ν': 'nu', 'ξ': 'xi', 'ο': 'omicron', 'π': 'pi', 'ρ': 'rho',
  'σ': 'sigma', 'ς': 'sigma', 'τ': 'tau', 'υ': 'upsilon', 'φ': 'phi', 'χ': 'chi', 'ψ': 'psi', 'ω': 'omega',
};
const GREEK_RE = /[α-ω]/g;

/** NFKC, Greek letters spelled out, diacritics removed, lower case. */
export function foldChars(s: string): string {
  // ASCII fast path: nearly all case-report text (a char loop: this runs for every new word of a text)
  if (isAscii(s)) return s.toLowerCase();
  let t = s.normalize('NFKC').toLowerCase().replace(GREEK_RE, (c) => GREEK[c] ?? c);
  t = t.normalize('NFD').replace(/\p{M}+/gu, '');
  return t.replace(/ß/g, 'ss').replace(/æ/g, 'ae').replace(/œ/g, 'oe').replace(/ø/g, 'o');
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/**
 * British -> American spelling, applied to both text and lexicon so either spelling matches the
 * other: haemoglobin/hemoglobin, oesophagus/esophagus, tumour/tumor, anaesthesia, centre, -ise.
 */
export function americanize(w: string): string {
  if (w.length < 4) return w;
  let t = w;
  if (t.includes('ae')) t = t.replace(/ae/g, 'e');
  if (t.includes('oe')) t = t.replace(/oe/g, 'e');
  if (t.length > 4 && t.endsWith('our')) t = t.slice(0, -3) + 'or';
  else if (t.length > 5 && t.endsWith('ours')) t = t.slice(0, -4) + 'ors';
  // -ise -> -ize after 3+ chars, -yse -> -yze after 2+ (no regex: this runs for every new word of a text)
  if (t.includes('is')) t = izeEnding(t, 'iz', IS_ENDINGS, 3);
  if (t.includes('ys')) t = izeEnding(t, 'yz', YS_ENDINGS, 2);
  if (t.length >= 5 && t.endsWith('tre')) t = t.slice(0, -3) + 'ter';
  if (t.endsWith('ogue')) t = t.slice(0, -2);
  return t;
}

// "is"/"ys" + one of these at the very end. No two of an inflection list can end the same word, so the
// first that ends it is the one the pattern /(.{n,})is(e|ed|…)$/ would take.
const IS_ENDINGS = ['ise', 'ised', 'ises', 'ising', 'isation', 'isations'];
const YS_ENDINGS = ['yse', 'ysed', 'yses', 'ysing'];

/** t with its ending "is…"/"ys…" spelled with z, when at least `minStem` chars (no line break) precede it. */
function izeEnding(t: string, z: string, endings: string[], minStem: number): string {
  for (let k = 0; k < endings.length; k++) {
    const e = endings[k];
    if (!t.endsWith(e)) continue;
    const p = t.length - e.length;
    if (p < minStem) return t;
    for (let i = p - minStem; i < p; i++) if (isLineTerminator(t.charCodeAt(i))) return t; // "." in the pattern
    return t.slice(0, p) + z + e.slice(2);
  }
  return t;
}

const isLineTerminator = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** Canonical form of one word (without context). */
export function canonWord(raw: string): string {
  let w = raw;
  if (endsPossessive(w)) w = w.slice(0, -2);
  return americanize(foldChars(w));
}

/** Ends in "'s" (any apostrophe, either case). */
function endsPossessive(w: string): boolean {
  const n = w.length;
  return n >= 2 && (w.charCodeAt(n - 1) | 32) === 115 && isApostrophe(w.charCodeAt(n - 2));
}

// Roman numerals are rewritten only after words that introduce a number, so the pronoun "I" and
// "IV" (intravenous) stay as they are: "type II" == "type 2", "factor VIII" == "factor 8".
export const NUMBER_CONTEXT = new Set(['type', 'types', 'class', 'grade', 'stage', 'group', 'factor', 'form', 'phase', 'part', 'subtype', 'level', 'degree', 'category', 'variant', 'complex']);
const ROMAN: Record<string, string> = {
  i: '1', ii: '2', iii: '3', iv: '4', v: '5', vi: '6', vii: '7', viii: '8', ix: '9', x: '10',
  xi: '11', xii: '12', xiii: '13', xiv: '14', xv: '15', xvi: '16', xvii: '17', xviii: '18', xix: '19', xx: '20',
};
/** "ii" -> "2"; with a letter suffix, as in "type IIa" / "stage IVb", -> "2a", "4b". */
export function romanToArabic(w: string): string | null {
  const plain = ROMAN[w];
  if (plain) return plain;
  const last = w.charCodeAt(w.length - 1);
  if (w.length < 2 || w.length > 6 || last < 97 || last > 101) return null; // cheap test first: this runs after every "type", "form", "group"
  const m = /^([ivx]{1,5})([a-e])$/.exec(w);
  return m && ROMAN[m[1]] ? ROMAN[m[1]] + m[2] : null;
}

/** Plural head -> singular candidates ("myxomas" -> "myxoma", "lymphangiectasias", "neuropathies"). */
export function singular(w: string): string | null {
  if (w.length < 4 || !w.endsWith('s') || w.endsWith('ss') || w.endsWith('us') || w.endsWith('is')) return null;
  if (w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.endsWith('ches') || w.endsWith('shes') || w.endsWith('xes') || w.endsWith('zes')) return w.slice(0, -2);
  return w.slice(0, -1);
}

// Words: letters/digits, an optional possessive. Hyphens and slashes split words (and are noted).
// A hand-written scanner: several times faster than a Unicode-property regex on long texts.
export const JOINERS = new Set(['-', '\u2010', '\u2011', '\u2012', '\u2013', '/']);
const UNICODE_WORD = /[\p{L}\p{N}\p{M}]/u;
// One byte per UTF-16 code unit: 0 unknown, 1 word char, 2 not. Filled lazily beyond ASCII.
export const WORD_CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) WORD_CLASS[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ? 1 : 2;

export function isWordChar(c: number): boolean {
  const k = WORD_CLASS[c];
  if (k !== 0) return k === 1;
  const w = UNICODE_WORD.test(String.fromCharCode(c));
  WORD_CLASS[c] = w ? 1 : 2;
  return w;
}

export const isApostrophe = (c: number) => c === 39 || c === 0x2019 || c === 0x2bc;

/** Tokenises text into words with offsets; `canon` lets callers cache canonWord. */
export function tokenize(text: string, canon: (raw: string) => string = canonWord): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let prevEnd = -2;
  let prevNorm = '';
  let i = 0;
  while (i < n) {
    if (!isWordChar(text.charCodeAt(i))) { i++; continue; }
    const start = i;
    while (i < n && isWordChar(text.charCodeAt(i))) i++;
    // possessive 's stays inside the token ("Wilson's")
    if (i + 1 < n && isApostrophe(text.charCodeAt(i)) && (text.charCodeAt(i + 1) | 32) === 115 && (i + 2 >= n || !isWordChar(text.charCodeAt(i + 2)))) i += 2;
    const raw = text.slice(start, i);
    let norm = canon(raw);
    if (NUMBER_CONTEXT.has(prevNorm)) norm = romanToArabic(norm) ?? norm;
    const hyphenBefore = start === prevEnd + 1 && JOINERS.has(text[prevEnd]);
    out.push({ start, end: i, raw, norm, hyphenBefore });
    prevEnd = i;
    prevNorm = norm;
  }
  return out;
}

/** Normalised string of a phrase: the canonical tokens joined by single spaces. */
export function normalizePhrase(text: string): string {
  return tokenize(text).map((t) => t.norm).join(' ');
}
