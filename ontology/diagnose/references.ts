// Short references to a specific diagnosis. Authors name the diagnosis in full once ("AL amyloidosis",
// "familial hemophagocytic lymphohistiocytosis") and then shorten it ("amyloidosis", "HLH"). The short form
// is often an Orphanet entry of its own (a group or a broader disorder), which would otherwise compete with
// the full name and out-count it. A mention counts for the specific entry when (a) its words are a
// contiguous part of an affirmed mention of the specific entry in this article, and (b) Orphanet files the
// specific entry below the mentioned one (an ancestor in the classification): the short form then names the
// same condition at a coarser level, not a neighbour (for a group mention, (a) suffices: a group is never an
// answer, so the mention can only stop competing). Two different specific entries that both fit leave the
// short form alone (rule short_reference_to_specific).
import type { Lexicon } from '../types.ts';

const ancCache = new WeakMap<Lexicon, Map<string, Set<string>>>();

/** Every classification ancestor of a code (parents, their parents, …). */
export function ancestors(lex: Lexicon, code: string): Set<string> {
  let cache = ancCache.get(lex);
  if (!cache) { cache = new Map(); ancCache.set(lex, cache); }
  const hit = cache.get(code);
  if (hit) return hit;
  const out = new Set<string>();
  const stack = [...(lex.byCode.get(code)?.parents ?? [])];
  while (stack.length) {
    const p = stack.pop()!;
    if (out.has(p)) continue;
    out.add(p);
    stack.push(...(lex.byCode.get(p)?.parents ?? []));
  }
  cache.set(code, out);
  return out;
}

/** Is `part` (normalised words) a contiguous run inside `whole` and shorter than it? */
export function containsRun(whole: string[], part: string[]): boolean {
  if (!part.length || part.length >= whole.length) return false;
  outer: for (let i = 0; i + part.length <= whole.length; i++) {
    for (let k = 0; k < part.length; k++) if (whole[i + k] !== part[k]) continue outer;
    return true;
  }
  return false;
}

export interface SpecificMention { code: string; answer: string; words: string[]; formWords: string[] }

/**
 * The answer a general mention refers to, given the article's affirmed specific mentions in diagnostic
 * places, or null. `forms` are the general mention's words and those of its entry's names (so an acronym
 * "HLH" is compared through "hemophagocytic lymphohistiocytosis").
 */
export function specificFor(lex: Lexicon, code: string, forms: string[][], specifics: SpecificMention[], ownAnswer: string | null): SpecificMention | null {
  // a group is no answer anyway: its words inside the specific name suffice ("histiocytosis" in "Langerhans cell
  // histiocytosis", whichever branch Orphanet files it under); a disorder must be an ancestor ("hypertension" is
  // not short for "pulmonary hypertension")
  const group = lex.byCode.get(code)?.level === 'group';
  const fits = specifics.filter((s) => s.answer !== ownAnswer && s.code !== code && forms.some((w) => containsRun(s.words, w) || containsRun(s.formWords, w)) && (group || ancestors(lex, s.code).has(code)));
  const answers = new Set(fits.map((f) => f.answer));
  return answers.size === 1 ? fits[0] : null;
}

/**
 * Rule class_of_specific: a mention of a class the article's specific diagnosis belongs to ("CTX is a rare
 * lipid storage disease", "Erdheim-Chester disease, a non-Langerhans cell histiocytosis") is no rival
 * diagnosis: the specific entry whose Orphanet ancestor it is, when exactly one affirmed specific answer has it
 * as an ancestor. Such a mention neither counts for nor against the specific entry.
 */
export function classOf(lex: Lexicon, code: string, specifics: SpecificMention[], ownAnswer: string | null): SpecificMention | null {
  const fits = specifics.filter((s) => s.answer !== ownAnswer && s.code !== code && ancestors(lex, s.code).has(code));
  const answers = new Set(fits.map((f) => f.answer));
  return answers.size === 1 ? fits[0] : null;
}
