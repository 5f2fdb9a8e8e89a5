// Sentence cues that state a diagnosis. A mention inside such a sentence (and not negated or
// hypothetical by the context rules) is evidence that the case *has* that condition.
export const DX_STATEMENT = new RegExp([
  String.raw`\bfinal diagnosis\b`,
  String.raw`\bdiagnos(?:ed|is) (?:of|with|as|was)\b`,
  String.raw`\bwas diagnosed\b`, String.raw`\bwere diagnosed\b`,
  String.raw`\bdiagnosis (?:was|of .{1,80}? was) (?:made|confirmed|established)\b`,
  String.raw`\bconfirm(?:ed|ing|s)? (?:the |a )?diagnosis\b`,
  String.raw`\b(?:consistent|compatible|in keeping) with\b`,
  String.raw`\b(?:we|here,? we|this paper) (?:report|present|describe)\b`,
  String.raw`\b(?:a|an|the) (?:rare |unusual |unique |first |interesting |novel )*case (?:of|report of)\b`,
  String.raw`\bpatients? (?:with|had|has|suffering from)\b`,
  String.raw`\b(?:fits?|fulfil+(?:ed|s)?|met|meeting) (?:the )?(?:picture|criteria|diagnostic criteria)\b`,
  String.raw`\brevealed (?:a |an )?\b`,
].join('|'), 'i');

// Phrases whose object is the diagnosis; used to pull a phrase for fuzzy review candidates.
export const DX_OBJECT = /\b(?:final diagnosis (?:was|of)|diagnos(?:ed|is) (?:of|with|as)|consistent with|compatible with)\s+(?:an? |the )?([^.;:,()]{4,80})/gi;
