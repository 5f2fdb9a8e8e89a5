// Several conditions in one sentence: which one is the report about? "X arising in a patient with Y",
// "X in a 40-year-old woman with known Y", "Y presenting as X": the phrase structure says that Y is the
// pre-existing background condition (or that X is how it showed). When the same sentence or title also
// names another candidate outside such a phrase, the background mention counts little (the foreground
// one is the case's subject); when it names nothing else, the background condition keeps its weight (a
// fracture in a patient with Klippel-Trenaunay syndrome is a report about that patient's syndrome).
// "X infected with Y": the infection complicates the lesion the report is about, so Y counts little even
// when X is no Orphanet entry. "X secondary to / due
// to Y" is left alone: there the cause is often the final (etiological) diagnosis.

/** Cues whose object is a condition the patient already had. The scope runs to the end of its noun phrase. */
export const BACKGROUND_CUE = new RegExp([
  String.raw`\bin (?:an? |the )?(?:[\w-]+ ){0,4}(?:patient|man|woman|boy|girl|child|infant|neonate|newborn|adult|adolescent|female|male|lady|gentleman|individual|subject|pregnancy)s? (?:with|having|suffering from|affected by|known to have|diagnosed with)\b`,
  String.raw`\bin (?:patients|children|adults|individuals|subjects|those|women|men) (?:with|having|suffering from|affected by)\b`,
  String.raw`\bwith (?:a )?(?:known|underlying|pre-?existing|long-?standing|established|background|prior|previously diagnosed)\b`,
  String.raw`\b(?:a )?known case of\b`,
  String.raw`\b(?:on|against) (?:a |the )?background of\b`,
  String.raw`\bin the (?:setting|context|course) of\b`,
  String.raw`\barising (?:in|from|on)\b`,
  String.raw`\bsuperimposed (?:on|upon)\b`,
  String.raw`\bcomplicating\b`,
].join('|'), 'gi');

/** Cues whose object is how the condition showed ("presenting as", "revealed by"); not "presentation of Y", whose object is the condition. */
export const PRESENTATION_CUE = /\b(?:presenting|presented|manifesting|manifested|masquerading) (?:with|as)\b|\brevealed by\b/gi;

/**
 * Cues whose object is an agent that complicated a lesion ("a cyst infected with Histoplasma", "a graft colonized
 * by Aspergillus"). Not after a person or a verb ("a man infected with Nocardia" has nocardiosis).
 */
export const COMPLICATION_CUE = /\b(?!(?:patients?|man|men|woman|women|boy|girl|child|children|infants?|neonates?|he|she|they|who|that|was|were|been|being|is|are|be|not|newly|chronically|also|later|subsequently)\b)[a-z]{3,} (?:infected|colonized|colonised|superinfected|contaminated) (?:with|by)\b/gi;

// The cue's object ends at a clause boundary: punctuation or a word that starts a new clause.
const OBJECT_END = /[.;:!?()[\]]|,\s|\s(?:and then|but|which|who|whereas|while|presenting|presented|treated|was|were|is|are|has|had)\b/;
const MAX_OBJECT = 120;

export type BackgroundKind = 'background' | 'presentation' | 'complication' | 'feature';
export interface CueScope { start: number; end: number; kind: BackgroundKind; cue: string }

/** Spans (offsets into `text`) that are the object of a background or presentation cue. */
export function backgroundScopes(text: string): CueScope[] {
  const out: CueScope[] = [];
  for (const [re, kind] of [[BACKGROUND_CUE, 'background'], [PRESENTATION_CUE, 'presentation'], [COMPLICATION_CUE, 'complication']] as const) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const start = m.index + m[0].length;
      const cue = kind === 'complication' ? m[0].replace(/^\S+ /, '') : m[0];
      const rest = text.slice(start, start + MAX_OBJECT);
      const stop = rest.search(OBJECT_END);
      out.push({ start, end: start + (stop < 0 ? rest.length : stop), kind, cue });
    }
  }
  return out;
}

/**
 * "X with Y", "X associated with Y", "X complicated by Y": between two named conditions, the one after the
 * connective is a feature or a complication of the first ("Hereditary hemorrhagic telangiectasia with pulmonary
 * arteriovenous malformation", "Sweet syndrome associated with myelodysplastic syndrome"). `gap` is the text
 * between the end of X and the start of Y.
 */
export const FEATURE_GAP = /^\s*,?\s*(?:with|associated with|complicated by|accompanied by|and (?:an? )?associated)\s+(?:(?:an?|the|a rare|an unusual|concomitant|coexisting|severe|massive|bilateral|multiple|recurrent|secondary)\s+)*$/i;

/** The scope a span [start, end) lies in, if any. */
export function scopeOf(scopes: CueScope[], start: number, end: number): CueScope | null {
  return scopes.find((s) => start >= s.start && end <= s.end + 1) ?? null;
}
