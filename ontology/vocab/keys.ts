// Match keys for vocabulary forms and text: tokens with offsets, folded (NFKC, Greek letters, diacritics,
// case), British spelling made American, then Porter-stemmed, so "biopsies" meets "biopsy", "excised"
// meets "excision" and "corticosteroids" meets "corticosteroid". Compile and recognise use the same
// function, so a form and the text that spells it always get the same key.
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { americanize, foldChars } from '../match/normalize.ts';

export interface KeyToken { start: number; end: number; raw: string; key: string; fold: string; caseKey: string }

const TOKEN_RE = /[\p{L}\p{N}]+(?:['’]s(?![\p{L}\p{N}]))?/gu;
const stemCache = new Map<string, string>();

/** The stem of one folded word; digits and short words are kept as they are. */
export function stemWord(w: string): string {
  if (w.length < 3 || !/^\p{L}+$/u.test(w)) return w;
  let s = stemCache.get(w);
  if (s === undefined) {
    s = PorterStemmer.stem(americanize(w)) as string;
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(w, s);
  }
  return s;
}

/** A short all-capital abbreviation ("CT", "MRI", "PET"): matched only as written, never stemmed. */
export function isCaseSensitiveForm(form: string): boolean {
  const t = form.trim();
  if (/\s/.test(t)) return false;
  const letters = t.replace(/[^\p{L}]/gu, '');
  return letters.length >= 2 && letters.length <= 5 && letters === letters.toUpperCase() && /\p{Lu}/u.test(letters);
}

/** Tokens of a text with their offsets, match key and case-sensitive key. */
export function keyTokens(text: string): KeyToken[] {
  const out: KeyToken[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    let raw = m[0];
    const poss = /['’]s$/u.test(raw);
    if (poss) raw = raw.slice(0, -2);
    if (!raw) continue;
    const start = m.index!;
    // "CTs", "MRIs": an all-capital plural keeps its abbreviation
    const caseKey = /^\p{Lu}{2,5}s$/u.test(raw) ? raw.slice(0, -1) : raw;
    const fold = americanize(foldChars(raw));
    out.push({ start, end: start + m[0].length, raw, key: stemWord(foldChars(raw)), fold, caseKey });
  }
  return out;
}

/** How a form is matched: as written (short capitals), folded but not stemmed (drug names), or stemmed (the rest). */
export type MatchMode = 'case' | 'exact' | 'stem';

/** The key of a whole form (its tokens' keys joined by spaces). */
export function formKey(form: string, mode: MatchMode | boolean = isCaseSensitiveForm(form) ? 'case' : 'stem'): string {
  const m: MatchMode = mode === true ? 'case' : mode === false ? 'stem' : mode;
  return keyTokens(form).map((t) => (m === 'case' ? t.caseKey : m === 'exact' ? t.fold : t.key)).join(' ');
}
