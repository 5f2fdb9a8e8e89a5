// What align produces: mentions in text and one primary diagnosis per case.
import { z } from 'zod';

export const MentionStatus = z.enum(['affirmed', 'negated', 'hypothetical', 'differential', 'historical', 'family']);

export const Mention = z.object({
  sectionId: z.string().nullable(),      // null for title/abstract
  field: z.enum(['title', 'abstract', 'body', 'caption']),
  start: z.number().int(),
  end: z.number().int(),
  text: z.string(),                      // the original surface text
  orphaCode: z.string().regex(/^\d+$/),
  orphaName: z.string(),
  matchedForm: z.string(),               // the lexicon name/synonym/abbreviation that matched
  method: z.enum(['exact', 'variant', 'abbreviation', 'fuzzy']),  // variant: a generated name variant (ontology/match/variants.ts)
  score: z.number(),
  status: MentionStatus,
});
export type Mention = z.infer<typeof Mention>;

// How the article's words reached the answer (ontology/diagnose/link.ts). "broader": the article's diagnosis
// is more specific than the answer (subtype, site, organism, a qualifier Orphanet does not split).
export const CaseLink = z.object({
  kind: z.enum(['exact', 'synonym', 'abbreviation', 'variant', 'derived', 'group_child', 'broader', 'model']),
  surface: z.string(),                   // the words in the article, with their qualifiers
  chain: z.array(z.object({ code: z.string().nullable(), name: z.string(), relation: z.string() })),
});
export type CaseLink = z.infer<typeof CaseLink>;

export const CaseDiagnosis = z.object({
  caseIndex: z.number().int().min(1),
  orphaCode: z.string().regex(/^\d+$/).nullable(),  // null: not rare / not confident / no match
  orphaName: z.string().nullable(),
  confidence: z.number().min(0).max(1),
  status: z.enum(['accepted', 'needs_review', 'not_rare', 'no_match']),
  reason: z.string().nullable(),          // reason code when not accepted (e.g. diagnosis_low_confidence)
  evidence: z.array(z.object({ field: z.string(), sectionId: z.string().nullable(), start: z.number().int(), end: z.number().int(), text: z.string() })),
  runnersUp: z.array(z.object({ orphaCode: z.string(), orphaName: z.string(), score: z.number() })),
  // every surface form that names the answer in this article (names, synonyms, abbreviations defined in the text):
  // the leak filter masks all of them
  aliases: z.array(z.string()),
  rules: z.array(z.object({ rule: z.string(), detail: z.string() })),  // e.g. subtype_mapped_to_parent
  link: CaseLink.nullable(),              // for the answer (or, when not accepted, the best candidate); null: no candidate
});
export type CaseDiagnosis = z.infer<typeof CaseDiagnosis>;
