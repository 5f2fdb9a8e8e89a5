// Sentence cues that state a diagnosis. A mention inside such a sentence (and not negated or
// hypothetical by the context rules) is evidence that the case *has* that condition.

/** Cues that state a diagnosis outright. */
export const DX_STRONG = new RegExp([
  String.raw`\bfinal diagnosis\b`,
  String.raw`\bdiagnos(?:ed|is) (?:of|with|as|was)\b`,
  String.raw`\bwas diagnosed\b`, String.raw`\bwere diagnosed\b`,
  String.raw`\bdiagnosis (?:was|of .{1,80}? was) (?:made|confirmed|established)\b`,
  String.raw`\bconfirm(?:ed|ing|s)? (?:the |a )?diagnosis\b`,
  // "Histology confirmed glioblastoma", "… mutations, confirming Fabry disease": the confirmed object is the diagnosis
  String.raw`\b(?:confirmed|confirming|confirms) (?:an? |the )?(?!by\b|that\b|the absence\b|absence\b|no\b|our\b)`,
  String.raw`\b(?:consistent|compatible|in keeping) with\b`,
  String.raw`\b(?:we|here,? we|this paper) (?:report|present|describe)\b`,
  String.raw`\b(?:a|an|the) (?:rare |unusual |unique |first |interesting |novel )*case (?:of|report of)\b`,
  // "met the revised Ghent criteria", "fulfilled the Curaçao criteria for …", "satisfied the diagnostic criteria"
  String.raw`\b(?:fits?|fulfil+(?:ed|s|ing)?|met|meets|meeting|satisf(?:y|ies|ied|ying)) (?:the |all |both )?(?:[^\s,;]+ ){0,3}(?:picture|criteria)\b`,
].join('|'), 'i');

/** Cues that usually report findings and only sometimes a diagnosis: half credit. */
export const DX_WEAK = /\b(?:revealed|showed|demonstrated|patients? (?:with|had|has|suffering from))\b/i;

/**
 * Sentences about the literature, not this patient: no diagnosis credit. (A bare citation marker is
 * not enough: diagnosis statements often cite their criteria, "the criteria for LVNC [8, 9] were met".)
 */
export const LITERATURE = /\bet al\b|\b(?:has|have|had) been (?:reported|described|published|documented)\b|\bin the literature\b|\bpreviously (?:reported|described)\b|\breported cases?\b|\bcases? (?:have|has) been\b/i;

/** Credit (0, 0.5 or 1) a sentence gives its mentions as a diagnosis statement. */
export function dxCredit(sentence: string): number {
  if (LITERATURE.test(sentence)) return 0;
  if (DX_STRONG.test(sentence)) return 1;
  return DX_WEAK.test(sentence) ? 0.5 : 0;
}

// Phrases whose object is the diagnosis; used to pull a phrase for fuzzy review candidates.
export const DX_OBJECT = /\b(?:final diagnosis (?:was|of)|diagnos(?:ed|is) (?:of|with|as)|consistent with|compatible with)\s+(?:an? |the )?([^.;:,()]{4,80})/gi;
