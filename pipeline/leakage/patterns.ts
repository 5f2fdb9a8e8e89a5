// Answer-in-context leak finding and masking (pure). A leak term is matched as a whole word,
// case-insensitively, with hyphen/space variants, possessives and plurals, British and American
// spellings (both ways), and derived forms of long single words ("myxoma" → "myxomatous"); short
// all-capital abbreviations ("MM", "TSC") match case-sensitively so that units and words ("mm") survive.
import { americanize } from '../../ontology/match/normalize.ts';
import { byCodeUnit } from '../core/hash.ts';

// answer/alias/code/parent: the diagnosis; treatment: a drug or procedure of a treatment answer; key_test: an expected investigation
export type LeakSource = 'answer' | 'alias' | 'code' | 'parent' | 'treatment' | 'key_test';

export interface LeakTerm { form: string; source: LeakSource }
export interface LeakPattern extends LeakTerm { re: RegExp; caseSensitive: boolean }
export interface LeakHit { start: number; end: number; text: string; form: string; source: LeakSource }

const SEP = '[\\s\\u00a0\\u2010-\\u2015\\-/]*';
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function isShortAbbreviation(form: string): boolean {
  const letters = form.replace(/[^\p{L}]/gu, '');
  return letters.length > 0 && letters.length <= 5 && letters === letters.toUpperCase() && !/\s/.test(form.trim());
}

/** British/American spelling variants of a term, word by word ("haemolytic anaemia" ⇄ "hemolytic anemia"). */
export function spellingVariants(form: string): string[] {
  const us = form.split(/(\s+)/).map((w) => (/\s/.test(w) ? w : americanizeKeepCase(w))).join('');
  return us === form ? [form] : [form, us];
}

function americanizeKeepCase(w: string): string {
  const low = w.toLowerCase();
  const us = americanize(low);
  if (us === low) return w;
  return w[0] === w[0].toUpperCase() ? us[0].toUpperCase() + us.slice(1) : us;
}

export function buildLeakPatterns(terms: LeakTerm[]): LeakPattern[] {
  const seen = new Set<string>();
  const out: LeakPattern[] = [];
  for (const t of terms) {
    for (const form of spellingVariants(t.form.trim())) {
      if (form.length < 2) continue;
      const caseSensitive = isShortAbbreviation(form);
      const key = `${caseSensitive ? form : form.toLowerCase()}|${caseSensitive}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const words = form.split(/[\s\u00a0\u2010-\u2015\-/]+/).filter(Boolean).map((w) => escape(w.replace(/['’]s$/i, '')));
      // possessive or plural on any word ("Wilson's disease", "myxomas", "Crohn disease's"); a long
      // single word also covers its derived forms ("myxomatous", "sarcoidotic")
      const derived = words.length === 1 && !caseSensitive && form.length >= 6;
      const body = derived ? `${words[0]}\\p{L}*(?:['’]s)?` : words.map((w) => `${w}(?:['’]s|es|s)?`).join(SEP);
      const re = new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, caseSensitive ? 'gu' : 'giu');
      out.push({ ...t, form, re, caseSensitive });
    }
  }
  // longest first, so "cardiac myxoma" wins over "myxoma" when both match the same place
  return out.sort((a, b) => b.form.length - a.form.length || byCodeUnit(a.form, b.form));
}

export function codeTerms(orphaCode: string): LeakPattern[] {
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:ORPHA|Orphanet|ORPHAcode)[\\s:_#-]*${orphaCode}(?![\\p{N}])`, 'giu');
  return [{ form: `ORPHA:${orphaCode}`, source: 'code', re, caseSensitive: false }];
}

interface Piece { newStart: number; newEnd: number; origStart: number; origEnd: number; same: boolean }

/** The text with every word in American spelling, and the pieces that map its offsets back. */
export function americanizeText(text: string): { text: string; pieces: Piece[] } {
  let out = '';
  const pieces: Piece[] = [];
  let last = 0;
  const push = (orig: string, origStart: number, repl: string) => {
    pieces.push({ newStart: out.length, newEnd: out.length + repl.length, origStart, origEnd: origStart + orig.length, same: orig === repl });
    out += repl;
  };
  for (const m of text.matchAll(/\p{L}+/gu)) {
    const us = americanize(m[0].toLowerCase());
    if (us === m[0].toLowerCase()) continue;
    if (m.index! > last) push(text.slice(last, m.index!), last, text.slice(last, m.index!));
    push(m[0], m.index!, us);
    last = m.index! + m[0].length;
  }
  if (last < text.length) push(text.slice(last), last, text.slice(last));
  return { text: out, pieces };
}

function toOriginal(pieces: Piece[], pos: number, isEnd: boolean): number {
  const p = pieces.find((x) => (isEnd ? pos > x.newStart && pos <= x.newEnd : pos >= x.newStart && pos < x.newEnd)) ?? pieces[pieces.length - 1];
  if (p.same) return p.origStart + (pos - p.newStart);
  return isEnd ? p.origEnd : p.origStart;
}

function rawHits(text: string, patterns: LeakPattern[]): LeakHit[] {
  const hits: LeakHit[] = [];
  for (const p of patterns) {
    p.re.lastIndex = 0;
    for (const m of text.matchAll(p.re)) {
      hits.push({ start: m.index!, end: m.index! + m[0].length, text: m[0], form: p.form, source: p.source });
    }
  }
  return hits;
}

/** Non-overlapping hits; at a given place the longest pattern wins. */
export function findLeaks(text: string, patterns: LeakPattern[]): LeakHit[] {
  const hits = rawHits(text, patterns);
  // British spellings in the text against American terms (the lexicon's): search an American copy
  const us = americanizeText(text);
  if (us.pieces.some((p) => !p.same)) {
    for (const h of rawHits(us.text, patterns)) {
      const start = toOriginal(us.pieces, h.start, false);
      const end = toOriginal(us.pieces, h.end, true);
      hits.push({ ...h, start, end, text: text.slice(start, end) });
    }
  }
  hits.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const out: LeakHit[] = [];
  let lastEnd = -1;
  for (const h of hits) {
    if (h.start >= lastEnd) { out.push(h); lastEnd = h.end; }
  }
  return out;
}

export function maskSpans(text: string, hits: LeakHit[], token: string): string {
  let out = '';
  let pos = 0;
  for (const h of [...hits].sort((a, b) => a.start - b.start)) {
    out += text.slice(pos, h.start) + token;
    pos = h.end;
  }
  return out + text.slice(pos);
}
