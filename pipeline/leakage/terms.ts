// The strings that name an answer: what the leak filter masks and what evaluation accepts.
import type { Lexicon } from '../../ontology/types.ts';
import { buildLeakPatterns, findLeaks, type LeakTerm } from './patterns.ts';
import { findAbbreviations } from '../../ontology/match/abbrev.ts';

export interface AnswerTerms { codes: Set<string>; terms: LeakTerm[] }

/**
 * The answer's name; its Orphanet synonyms; the names and synonyms of subtypes that map onto it;
 * the surface forms the article itself used (incl. defined abbreviations); and the names of its
 * classification parents (masked as well, since "a rare cardiac tumour" gives much away).
 */
export function answerTerms(lex: Lexicon, code: string, name: string, articleAliases: string[], extra: LeakTerm[] = []): AnswerTerms {
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
  const base = baseEntity(name);
  if (base) terms.push({ form: base, source: 'parent' });
  terms.push(...extra);
  // one entry per form (case-insensitive), first source wins
  const seen = new Set<string>();
  return { codes, terms: terms.filter((t) => { const k = t.form.trim().toLowerCase(); if (seen.has(k)) return false; seen.add(k); return true; }) };
}

/**
 * The entity a qualified name is a form of: "Cushing syndrome due to ectopic ACTH secretion" →
 * "Cushing syndrome", "Pseudohypoaldosteronism type 1" → "Pseudohypoaldosteronism". Naming it in
 * the context gives most of the answer away, like a parent group's name.
 */
export function baseEntity(name: string): string | null {
  // not "with": "X with Y" names X as a finding ("brachydactyly with …"), and masking findings guts contexts
  const m = /^(.+?)\s+(?:due to|secondary to|caused by|type)\b/i.exec(name);
  const base = m?.[1].trim();
  return base && base.length >= 4 && base.toLowerCase() !== name.toLowerCase() ? base : null;
}

/**
 * Short forms the article defines for any of the terms ("Cushing's syndrome (CS)"): the article
 * will go on using them, so they are masked like the term they stand for.
 */
export function definedShortForms(texts: string[], terms: LeakTerm[]): LeakTerm[] {
  const patterns = buildLeakPatterns(terms);
  const out: LeakTerm[] = [];
  for (const text of texts) {
    for (const d of findAbbreviations(text)) {
      const long = d.long.trim();
      const hit = findLeaks(long, patterns).find((h) => h.start === 0 && h.end === long.length);
      if (hit && !out.some((o) => o.form === d.short)) out.push({ form: d.short, source: hit.source === 'answer' ? 'alias' : hit.source });
    }
  }
  return out;
}

/** A coarse category for the answer: its first classification parent, else its Orphanet type. */
export function categoryOf(lex: Lexicon, code: string): string {
  const e = lex.byCode.get(code);
  if (!e) return 'unknown';
  const parent = e.parents.map((p) => lex.byCode.get(p)).find((p) => p);
  return parent?.name ?? e.type;
}
