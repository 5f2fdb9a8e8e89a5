// Orphanet definitions (ORPHApackets TextSection "Definition"). The lexicon keeps only the sentences
// that can name the usual form or type of an entry ("… with myxoma being the most common benign
// tumor"): the broader-entry rule (ontology/diagnose/broader.ts) reads them, and audits quote them.
// Whole definitions would add ~0.8 MB (gzip) to the committed lexicon for no use; list sentences
// ("other malignant tumors of the heart include …") are not kept because the rule does not trust them.

/** Sentences that may state the most common type/form of the entry. */
export const TYPE_SENTENCE = /\bmost (?:common|frequent)\b/i;

/** The definition's sentences that TYPE_SENTENCE selects, tags removed, whitespace collapsed. */
export function typeSentences(definition: string): string[] {
  const text = definition.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
  if (!text) return [];
  return text.split(/(?<=[.!?])\s+(?=[A-Z])/).map((s) => s.trim()).filter((s) => TYPE_SENTENCE.test(s));
}
