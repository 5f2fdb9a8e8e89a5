// Name variants: the ways case reports write an Orphanet name that are not a spelling difference. Each is
// generated from the lexicon form at trie-build time (so matching stays one pass) and marked with its kind,
// which the mention and the case's rule notes carry. A variant never replaces a form another entry already
// has (the entry that Orphanet names that way wins), and variants that collide across entries are shared
// (scored 1/n like any ambiguous form).
//
// - head_word_dropped: a multi-eponym name without its generic head word ("Klippel-Trénaunay" for
//   "Klippel-Trénaunay syndrome", "Charcot-Marie-Tooth type 1A" for "… disease type 1A"). Only hyphenated
//   eponyms of at least two names: a single surname ("Wilson", "Still", "Down") is an ordinary word or an
//   author. Matched only when the text writes the names capitalised and the next word is not one that makes
//   the eponym name something else (a sign, a test, a classification: PROCEDURE_NEXT, checked by the matcher).
// - type_order: "type 1 neurofibromatosis" = "Neurofibromatosis type 1", both ways.
// - of_reordered: "A of (the) B" = "B A" ("corpus callosum agenesis" = "Agenesis of the corpus callosum",
//   "Fallot tetralogy" = "Tetralogy of Fallot"), and with an organ adjective ("urethral duplication" =
//   "Duplication of urethra"); the reverse only for anatomy ("cyst of the urachus" = "Urachal cyst").
// - organ_adjective: an organ noun used as a modifier and its adjective name the same site ("cardiac
//   tumor" = "heart tumor", "liver angiosarcoma" = "Hepatic angiosarcoma").
import type { Token } from './normalize.ts';

// abbreviation_inside_name ("X-Y (XYS) syndrome") and abbreviation_expanded_in_name ("autoimmune PAP") are
// found by the matcher itself from the document's abbreviations (match/index.ts).
export type VariantKind = 'head_word_dropped' | 'type_order' | 'of_reordered' | 'organ_adjective' | 'abbreviation_inside_name' | 'abbreviation_expanded_in_name';

export interface FormVariant { tokens: string[]; kind: VariantKind }

/** Generic head words an eponymous name may drop. */
export const GENERIC_HEADS = new Set(['syndrome', 'disease', 'disorder', 'anomaly', 'malformation']);

/** Words after a bare eponym that make it a sign, test, procedure or classification rather than the disease. */
export const PROCEDURE_NEXT = new Set(['sign', 'signs', 'test', 'tests', 'criteria', 'criterion', 'classification', 'score', 'scale', 'procedure',
  'operation', 'technique', 'maneuver', 'manoeuvre', 'approach', 'method', 'stain', 'staining', 'reaction', 'catheter', 'tube', 'shunt',
  'repair', 'incision', 'cell', 'cells', 'body', 'bodies', 'line', 'lines', 'fracture', 'node', 'nodes', 'phenomenon', 'formula', 'equation',
  'curve', 'estimator', 'index', 'position', 'view', 'triad', 'law', 'effect', 'ratio', 'grade', 'grading', 'stage', 'staging', 'system']);

// Organ nouns and the adjective that names the same site. Only pairs a clinician reads as synonyms.
export const ORGAN_ADJECTIVES: [string, string][] = [
  ['heart', 'cardiac'], ['kidney', 'renal'], ['liver', 'hepatic'], ['lung', 'pulmonary'], ['stomach', 'gastric'],
  ['bone', 'osseous'], ['skin', 'cutaneous'], ['breast', 'mammary'], ['ovary', 'ovarian'], ['uterus', 'uterine'],
  ['spleen', 'splenic'], ['pancreas', 'pancreatic'], ['esophagus', 'esophageal'], ['colon', 'colonic'], ['duodenum', 'duodenal'],
  ['urethra', 'urethral'], ['urachus', 'urachal'], ['trachea', 'tracheal'], ['larynx', 'laryngeal'], ['eye', 'ocular'],
  ['tongue', 'lingual'], ['gingiva', 'gingival'], ['spine', 'spinal'], ['rectum', 'rectal'], ['vagina', 'vaginal'],
  ['testis', 'testicular'], ['prostate', 'prostatic'], ['pleura', 'pleural'], ['pericardium', 'pericardial'], ['peritoneum', 'peritoneal'],
  ['mediastinum', 'mediastinal'], ['cornea', 'corneal'], ['retina', 'retinal'], ['intestine', 'intestinal'], ['jejunum', 'jejunal'],
  ['ileum', 'ileal'], ['cecum', 'cecal'], ['appendix', 'appendiceal'], ['bladder', 'vesical'], ['thymus', 'thymic'],
  ['orbit', 'orbital'], ['aorta', 'aortic'],
];
const ADJ_OF = new Map(ORGAN_ADJECTIVES);
const NOUN_OF = new Map(ORGAN_ADJECTIVES.map(([n, a]) => [a, n]));

/** Words that may not sit inside the reordered parts: the name has a clause structure a reorder would break. */
const CLAUSE_WORDS = new Set(['of', 'and', 'or', 'with', 'without', 'due', 'to', 'in', 'by', 'from', 'for', 'associated', 'related', 'type', 'on', 'at', 'after', 'the', 'a', 'an']);

const isTypeNumber = (w: string) => /^\d{1,2}[a-z]?$/.test(w);
// "Klippel", "Trénaunay": an upper-case letter then a lower-case one (no regex: this runs for every form)
const isCapitalisedName = (w: string) => w.length > 1 && w[0] !== w[0].toLowerCase() && w[1] !== w[1].toUpperCase();

/**
 * Variants of one lexicon form, given its tokens (normalised, with the raw surfaces). Only token sequences
 * different from the form's own are returned.
 */
export function formVariants(toks: Token[]): FormVariant[] {
  const norm = toks.map((t) => t.norm);
  const out: FormVariant[] = [];
  const seen = new Set([norm.join(' ')]);
  const add = (tokens: string[], kind: VariantKind) => {
    const k = tokens.join(' ');
    if (tokens.length && !seen.has(k)) { seen.add(k); out.push({ tokens, kind }); }
  };
  // head word dropped: >= 2 hyphen-joined capitalised names right before a generic head
  for (let h = 2; h < toks.length; h++) {
    if (!GENERIC_HEADS.has(norm[h])) continue;
    let s = h - 1;
    while (s > 0 && toks[s].hyphenBefore) s--;
    const names = toks.slice(s, h);
    if (names.length >= 2 && names.every((t) => isCapitalisedName(t.raw))) {
      add([...norm.slice(0, h), ...norm.slice(h + 1)], 'head_word_dropped');
    }
    break;
  }
  {
    // "X type N" <-> "type N X"
    const n = norm.length;
    if (n >= 3 && norm[n - 2] === 'type' && isTypeNumber(norm[n - 1]) && !norm.slice(0, n - 2).some((w) => CLAUSE_WORDS.has(w))) add(['type', norm[n - 1], ...norm.slice(0, n - 2)], 'type_order');
    if (n >= 3 && norm[0] === 'type' && isTypeNumber(norm[1]) && !norm.slice(2).some((w) => CLAUSE_WORDS.has(w))) add([...norm.slice(2), 'type', norm[1]], 'type_order');
  }
  // "A of (the) B" -> "B A" (and the adjective of a one-word organ B)
  const of = norm.indexOf('of');
  if (of >= 1 && of <= 2 && norm.lastIndexOf('of') === of) {
    const a = norm.slice(0, of);
    const b = norm.slice(norm[of + 1] === 'the' ? of + 2 : of + 1);
    if (b.length >= 1 && b.length <= 3 && !a.some((w) => CLAUSE_WORDS.has(w)) && !b.some((w) => CLAUSE_WORDS.has(w))) {
      add([...b, ...a], 'of_reordered');
      const adj = b.length === 1 ? ADJ_OF.get(b[0]) : undefined;
      if (adj) add([adj, ...a], 'of_reordered');
    }
  }
  // "<organ adjective|noun> A" -> "A of (the) <organ noun>" (anatomy only), and organ adjective <-> noun
  if (norm.length >= 2 && norm.length <= 4 && !norm.some((w) => CLAUSE_WORDS.has(w))) {
    for (let i = 0; i + 1 < norm.length; i++) {
      const noun = NOUN_OF.get(norm[i]) ?? (ADJ_OF.has(norm[i]) ? norm[i] : undefined);
      if (!noun) continue;
      const rest = norm.slice(i + 1);
      if (i === 0 && rest.length <= 2) { add([...rest, 'of', 'the', noun], 'of_reordered'); add([...rest, 'of', noun], 'of_reordered'); }
      break;
    }
  }
  for (let i = 0; i + 1 < norm.length; i++) {
    const swap = ADJ_OF.get(norm[i]) ?? NOUN_OF.get(norm[i]);
    if (swap) add([...norm.slice(0, i), swap, ...norm.slice(i + 1)], 'organ_adjective');
  }
  return out;
}
