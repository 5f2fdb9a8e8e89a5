// Abbreviation definitions in running text (Schwartz & Hearst 2003): "long form (SF)" and the
// reverse "SF (long form)". Offsets are into the given text.
export interface AbbrevDef {
  short: string;
  shortStart: number;
  shortEnd: number;
  longStart: number;
  longEnd: number;
  long: string;
}

// an ASCII char by its code (the regex is slow where it runs per char, as in bestLongFormStart)
const isAlnum = (c: string | undefined) => !!c && (c.length === 1 && c.charCodeAt(0) < 128 ? isAlnumAscii(c.charCodeAt(0)) : /[\p{L}\p{N}]/u.test(c));

/** A plausible short form: 2-10 chars, at most 2 words, starts alphanumeric, has a capital letter. */
export function looksLikeShortForm(s: string): boolean {
  if (s.length < 2 || s.length > 10) return false;
  if (spaceRuns(s) > 1) return false; // s.split(/\s+/) has more than 2 pieces
  if (!isAlnum(s[0]) || !hasUpper(s)) return false;
  return isAsciiText(s) ? hasLetterAscii(s) : /\p{L}/u.test(s);
}

// ASCII versions of the Unicode-property regexes on the definition path: each such regex costs milliseconds to
// compile in a fresh process, and nearly all text is ASCII.
function hasLetterAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i) | 32; if (c >= 97 && c <= 122) return true; }
  return false;
}

function countAlnumAscii(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (isAlnumAscii(s.charCodeAt(i))) n++;
  return n;
}

/** /([\p{L}\p{N}][\p{L}\p{N}\-]{1,9})\s*$/u.exec(w) for an ASCII w, as [match, group 1] (the leftmost match). */
function shortFormBeforeAscii(w: string): [string, string] | null {
  let e = w.length;
  while (e > 0 && isSpaceAscii(w.charCodeAt(e - 1))) e--;
  let run = e; // the run of letters, digits and hyphens that ends at e
  while (run > 0 && (isAlnumAscii(w.charCodeAt(run - 1)) || w.charCodeAt(run - 1) === 45)) run--;
  for (let p = Math.max(run, e - 10); p <= e - 2; p++) if (isAlnumAscii(w.charCodeAt(p))) return [w.slice(p), w.slice(p, e)];
  return null;
}

const isSpaceAscii = (c: number) => (c >= 9 && c <= 13) || c === 32;

// Char loops for what runs on every bracket of a text (most are "(Figure 1)", "(n = 12)", "(2015)").
// JavaScript's \s: these code units.
const isJsSpace = (c: number) => (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;

/** How many runs of \s the string has. */
function spaceRuns(s: string): number {
  let runs = 0, inRun = false;
  for (let i = 0; i < s.length; i++) {
    const sp = isJsSpace(s.charCodeAt(i));
    if (sp && !inRun) runs++;
    inRun = sp;
  }
  return runs;
}

/** /\p{Lu}/u.test(s), with an ASCII capital decided without the regex. */
function hasUpper(s: string): boolean {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
    if (c > 127) ascii = false;
  }
  return !ascii && /\p{Lu}/u.test(s);
}

/** Schwartz & Hearst's backward character match; returns the offset in `lf` where the long form starts. */
export function bestLongFormStart(sf: string, lf: string): number {
  if (isAsciiText(sf) && isAsciiText(lf)) return bestLongFormStartAscii(sf, lf);
  let s = sf.length - 1;
  let l = lf.length - 1;
  while (s >= 0) {
    const c = sf[s].toLowerCase();
    if (!isAlnum(c)) { s--; continue; }
    while ((l >= 0 && lf[l].toLowerCase() !== c) || (s === 0 && l > 0 && isAlnum(lf[l - 1]))) l--;
    if (l < 0) return -1;
    l--; s--;
  }
  return lf.lastIndexOf(' ', l) + 1;
}

// The same match on char codes, for ASCII text (nearly all): per char a lower-casing and a regex test otherwise.
function bestLongFormStartAscii(sf: string, lf: string): number {
  let s = sf.length - 1;
  let l = lf.length - 1;
  while (s >= 0) {
    const c = lowerAscii(sf.charCodeAt(s));
    if (!isAlnumAscii(c)) { s--; continue; }
    while ((l >= 0 && lowerAscii(lf.charCodeAt(l)) !== c) || (s === 0 && l > 0 && isAlnumAscii(lf.charCodeAt(l - 1)))) l--;
    if (l < 0) return -1;
    l--; s--;
  }
  return lf.lastIndexOf(' ', l) + 1;
}

const lowerAscii = (c: number) => (c >= 65 && c <= 90 ? c | 32 : c);
const isAlnumAscii = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function isAsciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

function wordCount(s: string): number {
  if (!isAsciiText(s)) return (s.match(/[\p{L}\p{N}]+/gu) ?? []).length;
  let n = 0, inWord = false;
  for (let i = 0; i < s.length; i++) {
    const w = isAlnumAscii(s.charCodeAt(i));
    if (w && !inWord) n++;
    inWord = w;
  }
  return n;
}

function validLong(sf: string, long: string): boolean {
  const n = wordCount(long);
  const alnum = isAsciiText(sf) ? countAlnumAscii(sf) : sf.replace(/[^\p{L}\p{N}]/gu, '').length;
  return n > 0 && n <= Math.min(alnum + 5, alnum * 2) && long.length > sf.length && !long.includes('(');
}

/** Finds abbreviation definitions in one text. */
export function findAbbreviations(text: string): AbbrevDef[] {
  const out: AbbrevDef[] = [];
  // each "(" with 1-80 chars other than brackets and line breaks up to its ")" (/\(([^()\n]{1,80})\)/g)
  for (let open = text.indexOf('('); open >= 0;) {
    const close = bracketClose(text, open);
    if (close < 0) { open = text.indexOf('(', open + 1); continue; }
    const content = text.slice(open + 1, close);
    const inner = content.trim();
    const innerStart = open + 1 + content.indexOf(inner);
    // Inner text may continue after a separator: "(LVNC; ref 3)" -> LVNC
    const first = beforeSeparator(inner).trim();
    let def = looksLikeShortForm(first) ? forward(text, open, first, innerStart) : null;
    def ??= reverse(text, open, inner, innerStart);
    if (def) out.push(def);
    open = text.indexOf('(', close + 1);
  }
  return out;
}

/** The ")" that closes the "(" at `open` within 80 chars, with no bracket or line break between; else -1. */
function bracketClose(text: string, open: number): number {
  const lim = Math.min(text.length, open + 82);
  for (let q = open + 1; q < lim; q++) {
    const c = text.charCodeAt(q);
    if (c === 41) return q > open + 1 ? q : -1;
    if (c === 40 || c === 10) return -1;
  }
  return -1;
}

/** The text before the first ";" or "," (the first piece of s.split(/[;,]\s* /)). */
function beforeSeparator(s: string): string {
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c === 59 || c === 44) return s.slice(0, i); }
  return s;
}

// "long form (SF)": look back within the sentence for the long form.
function forward(text: string, parenAt: number, sf: string, sfStart: number): AbbrevDef | null {
  let from = Math.max(0, parenAt - 160);
  const window = text.slice(from, parenAt);
  const cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf(')'), window.lastIndexOf('('), window.lastIndexOf(';'), window.lastIndexOf('\n'));
  if (cut >= 0) from += cut + 1;
  const lfText = text.slice(from, parenAt).replace(/\s+$/, '');
  const rel = bestLongFormStart(sf, lfText);
  if (rel < 0) return null;
  const long = lfText.slice(rel);
  if (!validLong(sf, long)) return null;
  return { short: sf, shortStart: sfStart, shortEnd: sfStart + sf.length, longStart: from + rel, longEnd: from + lfText.length, long };
}

// "SF (long form)": the word before the parenthesis is the short form.
function reverse(text: string, parenAt: number, inner: string, innerStart: number): AbbrevDef | null {
  const window = text.slice(Math.max(0, parenAt - 12), parenAt);
  if (!hasUpper(window)) return null; // the short form starts with a capital (checked below): most brackets stop here
  const before = isAsciiText(window) ? shortFormBeforeAscii(window) : /([\p{L}\p{N}][\p{L}\p{N}\-]{1,9})\s*$/u.exec(window);
  if (!before) return null;
  const sf = before[1];
  if (!looksLikeShortForm(sf) || sf === sf.toLowerCase()) return null;
  if (!(isAsciiText(sf) ? sf.charCodeAt(0) >= 65 && sf.charCodeAt(0) <= 90 : /^\p{Lu}/u.test(sf)) || wordCount(inner) < 2) return null;
  const rel = bestLongFormStart(sf, inner);
  if (rel !== 0) return null; // the whole parenthesis must be the long form
  if (!validLong(sf, inner)) return null;
  const sfStart = parenAt - before[0].length + before[0].indexOf(sf);
  return { short: sf, shortStart: sfStart, shortEnd: sfStart + sf.length, longStart: innerStart, longEnd: innerStart + inner.length, long: inner };
}
