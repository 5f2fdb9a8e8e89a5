// The strings that name an answer: what the leak filter masks and what evaluation accepts.
import type { Lexicon } from '../../ontology/types.ts';
import type { LeakTerm } from '../filter/leak.ts';

export interface AnswerTerms { codes: Set<string>; terms: LeakTerm[] }

/**
 * The answer's name; its Orphanet synonyms; the names and synonyms of subtypes that map onto it;
 * the surface forms the article itself used (incl. defined abbreviations); and the names of its
 * classification parents (masked as well, since "a rare cardiac tumour" gives much away).
 */
export function answerTerms(lex: Lexicon, code: string, name: string, articleAliases: string[]): AnswerTerms {
  const e = lex.byCode.get(code);
  const codes = new Set([code]);
  const terms: LeakTerm[] = [{ form: name, source: 'answer' }];
  const alias = (f: string): void => { if (f && f.toLowerCase() !== name.toLowerCase()) terms.push({ form: f, source: 'alias' }); };
  for (const s of e?.synonyms ?? []) alias(s);
  for (const c of e?.children ?? []) {
    const child = lex.byCode.get(c);
    if (child && child.level === 'subtype' && child.disorderParent === code) {
      codes.add(c);
      alias(child.name);
      for (const s of child.synonyms) alias(s);
    }
  }
  for (const a of articleAliases) alias(a);
  for (const p of e?.parents ?? []) {
    const parent = lex.byCode.get(p);
    if (parent) terms.push({ form: parent.name, source: 'parent' });
  }
  // one entry per form (case-insensitive), first source wins
  const seen = new Set<string>();
  return { codes, terms: terms.filter((t) => { const k = t.form.trim().toLowerCase(); if (seen.has(k)) return false; seen.add(k); return true; }) };
}

/** A coarse category for the answer: its first classification parent, else its Orphanet type. */
export function categoryOf(lex: Lexicon, code: string): string {
  const e = lex.byCode.get(code);
  if (!e) return 'unknown';
  const parent = e.parents.map((p) => lex.byCode.get(p)).find((p) => p);
  return parent?.name ?? e.type;
}
