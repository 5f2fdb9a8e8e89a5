// A group named in the text is not an answer, but it stands for one of its disorders when the text makes
// clear which: (1) the group's usual form, filed by Orphanet as its only "Primary / Isolated / Classic …"
// child (lexicon.ts defaultDisorderChild, rule group_mapped_to_default_child); (2) the only disorder-level
// child whose distinguishing words (its name less the group's) all stand next to the mention, within
// CHILD_WINDOW words on either side in its sentence ("Castleman disease of the unicentric type", "thalassemia,
// beta type, major"; rule group_child_fits_text). Further away they belong to another statement ("ACTH-dependent
// Cushing syndrome is uncommon …, with pituitary adenoma being the source in two-thirds" names no patient's
// form). A child whose words are not all there, or two children that fit, leave the group a group.
import { defaultDisorderChild, resolveAnswer, type Resolution } from '../lexicon.ts';
import { normalizePhrase, singular } from '../match/normalize.ts';
import type { LexEntry, Lexicon } from '../types.ts';

// Words that do not distinguish a child (articles, prepositions, the generic heads).
const NON_DISTINCTIVE = new Set(['a', 'an', 'the', 'of', 'and', 'or', 'with', 'without', 'due', 'to', 'in', 'by', 'for', 'type', 'form', 'disease',
  'syndrome', 'disorder', 'related', 'associated', 'rare']);
// A contrary qualifier before the mention: the text names another form than the usual one.
export const NOT_DEFAULT = /\b(?:secondary|acquired|syndromic|familial|hereditary|inherited|genetic|sporadic|induced|associated|related|atypical|congenital|neonatal|infantile|juvenile|paraneoplastic|autosomal|x-linked)\W*$/i;
/** Words on either side of a group mention in which a child's distinguishing words must stand. */
export const CHILD_WINDOW = 6;

/** The text of up to CHILD_WINDOW words either side of [start, end) in `sentence` (offsets relative to it). */
export function around(sentence: string, start: number, end: number): string {
  const before = sentence.slice(0, start).split(/\s+/).filter(Boolean).slice(-CHILD_WINDOW).join(' ');
  const after = sentence.slice(end).split(/\s+/).filter(Boolean).slice(0, CHILD_WINDOW).join(' ');
  return `${before} ${sentence.slice(start, end)} ${after}`;
}

/** A group mention standing for one of its children counts less than a direct name. */
export const GROUP_CHILD_WEIGHT = 0.7;

const childCache = new WeakMap<Lexicon, Map<string, { e: LexEntry; words: string[][] }[]>>();

const wordsOf = (s: string) => normalizePhrase(s).split(' ').filter(Boolean).map((w) => singular(w) ?? w);

/** A group's direct disorder-level children with, per name/synonym, the words the group's own names lack. */
function childWords(lex: Lexicon, groupCode: string): { e: LexEntry; words: string[][] }[] {
  let cache = childCache.get(lex);
  if (!cache) { cache = new Map(); childCache.set(lex, cache); }
  const hit = cache.get(groupCode);
  if (hit) return hit;
  const g = lex.byCode.get(groupCode)!;
  const groupWords = new Set([g.name, ...g.synonyms].flatMap(wordsOf));
  const out = g.children.map((c) => lex.byCode.get(c)).filter((c): c is LexEntry => !!c && c.status === 'active' && c.level === 'disorder')
    .map((e) => ({ e, words: [e.name, ...e.synonyms].map((f) => wordsOf(f).filter((w) => !groupWords.has(w) && !NON_DISTINCTIVE.has(w))).filter((ws) => ws.length > 0) }))
    .filter((x) => x.words.length > 0);
  cache.set(groupCode, out);
  return out;
}

/** The one child of `groupCode` all of whose distinguishing words (for some name of it) occur in `text`. */
export function childFittingText(lex: Lexicon, groupCode: string, text: string): LexEntry | null {
  const have = new Set(wordsOf(text));
  const fits = childWords(lex, groupCode).filter((c) => c.words.some((ws) => ws.every((w) => have.has(w))));
  return fits.length === 1 ? fits[0].e : null;
}

/**
 * The answer a group mention stands for, or null. `before` is the text just before the mention (for
 * contrary qualifiers), `near` the words around it (around()).
 */
export function groupChild(lex: Lexicon, res: Resolution, before: string, near: string): { res: Resolution; weight: number } | null {
  const group = res.via[res.via.length - 1];
  const g = lex.byCode.get(group);
  if (!g) return null;
  const dflt = defaultDisorderChild(lex, group, normalizePhrase);
  if (dflt && !NOT_DEFAULT.test(before)) {
    const c = lex.byCode.get(dflt)!;
    return { weight: GROUP_CHILD_WEIGHT, res: { code: dflt, excluded: null, via: [group], rules: [{ rule: 'group_mapped_to_default_child', detail: `ORPHA:${group} "${g.name}" (${g.type}) named without qualifier -> its disorder-level default ORPHA:${dflt} "${c.name}"` }] } };
  }
  const fit = childFittingText(lex, group, near);
  if (!fit) return null;
  const r = resolveAnswer(lex, fit.code);
  if (!r.code) return null;
  return { weight: GROUP_CHILD_WEIGHT, res: { code: r.code, excluded: null, via: [group, ...r.via], rules: [{ rule: 'group_child_fits_text', detail: `ORPHA:${group} "${g.name}" (${g.type}) -> ORPHA:${fit.code} "${fit.name}": the only disorder-level child whose distinguishing words all stand next to the mention ("${near.trim()}")` }, ...r.rules] } };
}
