// Answer-in-context leak finding and masking (pure). A leak term is matched as a whole word,
// case-insensitively, with hyphen/space variants, possessives and plurals; short all-capital
// abbreviations ("MM", "TSC") match case-sensitively so that units and words ("mm") survive.
import { americanize } from '../../ontology/match/normalize.ts';

export type LeakSource = 'answer' | 'alias' | 'code' | 'parent';

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
      // possessive or plural on any word ("Wilson's disease", "myxomas", "Crohn disease's")
      const body = words.map((w) => `${w}(?:['’]s|es|s)?`).join(SEP);
      const re = new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, caseSensitive ? 'gu' : 'giu');
      out.push({ ...t, form, re, caseSensitive });
    }
  }
  // longest first, so "cardiac myxoma" wins over "myxoma" when both match the same place
  return out.sort((a, b) => b.form.length - a.form.length || a.form.localeCompare(b.form));
}

export function codeTerms(orphaCode: string): LeakPattern[] {
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:ORPHA|Orphanet|ORPHAcode)[\\s:_#-]*${orphaCode}(?![\\p{N}])`, 'giu');
  return [{ form: `ORPHA:${orphaCode}`, source: 'code', re, caseSensitive: false }];
}

/** Non-overlapping hits; at a given place the longest pattern wins. */
export function findLeaks(text: string, patterns: LeakPattern[]): LeakHit[] {
  const hits: LeakHit[] = [];
  for (const p of patterns) {
    p.re.lastIndex = 0;
    for (const m of text.matchAll(p.re)) {
      hits.push({ start: m.index!, end: m.index! + m[0].length, text: m[0], form: p.form, source: p.source });
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
