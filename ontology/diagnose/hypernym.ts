// The one rule that decides when a code other than the gold one is still a clinically valid answer
// (the alignment evaluation and the benchmark evaluation both use it): the same code, or a code in a
// direct Orphanet parent/child relation with the gold one whose parent is narrow, i.e. has at most
// HYPERNYM_MAX_DESCENDANTS disorder-level descendants (as RareArena scores hypernyms). A parent as broad
// as "Rare cardiac tumor" says little about the patient, so it does not count.
import type { Lexicon } from '../types.ts';

export const HYPERNYM_MAX_DESCENDANTS = 10;

export type HypernymRelation = 'same' | 'parent' | 'child';
export interface ClinicalValidity { valid: boolean; relation: HypernymRelation | null; parent: string | null; descendants: number | null }

const descCache = new WeakMap<Lexicon, Map<string, number>>();

/** Distinct active disorder-level entries below `code` in Orphanet's classification (any depth). */
export function descendantDisorders(lex: Lexicon, code: string): number {
  let cache = descCache.get(lex);
  if (!cache) { cache = new Map(); descCache.set(lex, cache); }
  const hit = cache.get(code);
  if (hit !== undefined) return hit;
  const seen = new Set<string>();
  const stack = [...(lex.byCode.get(code)?.children ?? [])];
  let n = 0;
  while (stack.length) {
    const c = stack.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    const e = lex.byCode.get(c);
    if (!e) continue;
    if (e.level === 'disorder' && e.status === 'active') n++;
    stack.push(...e.children);
  }
  cache.set(code, n);
  return n;
}

/**
 * Is `predicted` a clinically valid answer when the gold code is `gold`? Same code, or one of the two is a
 * direct Orphanet parent of the other and that parent has at most HYPERNYM_MAX_DESCENDANTS disorder-level
 * descendants. Codes may be written with or without "ORPHA:".
 */
export function clinicallyValid(lex: Lexicon, predicted: string, gold: string): ClinicalValidity {
  const p = predicted.replace(/^ORPHA:/i, ''), g = gold.replace(/^ORPHA:/i, '');
  if (p === g) return { valid: true, relation: 'same', parent: null, descendants: null };
  const pe = lex.byCode.get(p), ge = lex.byCode.get(g);
  if (!pe || !ge) return { valid: false, relation: null, parent: null, descendants: null };
  const judge = (parent: string, relation: HypernymRelation): ClinicalValidity => {
    const descendants = descendantDisorders(lex, parent);
    return { valid: descendants <= HYPERNYM_MAX_DESCENDANTS, relation, parent, descendants };
  };
  if (ge.parents.includes(p)) return judge(p, 'parent');   // the prediction is the broader one
  if (pe.parents.includes(g)) return judge(g, 'child');    // the prediction is the more specific one
  return { valid: false, relation: null, parent: null, descendants: null };
}
