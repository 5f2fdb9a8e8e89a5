// Question records between generate, filter and export: one contract for the four tracks (DESIGN §6).
// Shared fields first, then one consistent set of fields per track; `track` tells them apart.
import { z } from 'zod';

export const TRACKS = ['diagnosis', 'treatment', 'cross-image', 'examination'] as const;
export const Track = z.enum(TRACKS);
export type Track = z.infer<typeof Track>;

/** The id prefix of each track: ids are `<prefix>-PMC<n>-c<k>-<8 hex>`. */
export const TRACK_PREFIX: Record<Track, string> = { diagnosis: 'dx', treatment: 'tx', 'cross-image': 'xi', examination: 'ex' };

export const QUESTION_ID_RE = /^(?:dx|tx|xi|ex)-PMC\d+-c\d+-[0-9a-f]{8}$/;

const Span = z.object({ sectionId: z.string().nullable(), start: z.number().int(), end: z.number().int(), text: z.string() });
/** A case sentence: offsets into its section's stored text. */
export const SentenceSpan = z.object({ sectionId: z.string(), index: z.number().int(), start: z.number().int(), end: z.number().int(), text: z.string() });
export type SentenceSpan = z.infer<typeof SentenceSpan>;

/** Where a gold item came from: a term inside a case sentence, or a piece of a figure caption. */
export const EvidenceSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sentence'), sectionId: z.string(), sentence: z.number().int(),
    sentenceStart: z.number().int(), sentenceEnd: z.number().int(),     // the sentence in its section's text
    start: z.number().int(), end: z.number().int(), text: z.string(),  // the span itself, inside the sentence
  }),
  z.object({ kind: z.literal('caption'), figureId: z.string(), start: z.number().int(), end: z.number().int(), text: z.string() }),
]);
export type EvidenceSource = z.infer<typeof EvidenceSource>;

export const DraftImage = z.object({
  imageId: z.string(),                     // the unit shown: an image id, or `<image id>#<panel>` for one panel of a compound image
  storeImageId: z.string(),                // the stored image (its file)
  figureId: z.string(), ord: z.number().int().min(1),
  width: z.number().int().positive(), height: z.number().int().positive(),
  normSha: z.string().regex(/^[0-9a-f]{64}$/), format: z.string(), placeholder: z.boolean(), license: z.string(),
  label: z.string().regex(/^Image \d+$/), figureLabel: z.string(), panels: z.array(z.string()),
  panel: z.string().nullable(),            // set when the unit is one panel of the image
  ocrText: z.string().nullable(),          // text read from the pixels (extract OCR), null when none was read
});
export type DraftImage = z.infer<typeof DraftImage>;

export const WithheldImage = z.object({
  imageId: z.string(), figureId: z.string(), figureLabel: z.string(),
  reason: z.string(), rule: z.string(), detail: z.string(),
});
export type WithheldImage = z.infer<typeof WithheldImage>;

/** A piece of a model-visible field: a case sentence (which leak control may mask or drop) or fixed wording. */
export const VisiblePart = z.object({
  sep: z.string(),                         // what joins it to the previous part ("", " ", "\n\n")
  text: z.string(),                        // as shown (references relabelled to "Image 2")
  sentence: SentenceSpan.nullable(),       // null: wording of the question itself, never dropped
});
export type VisiblePart = z.infer<typeof VisiblePart>;

/** A term of the track's answer that must not appear in model-visible fields (besides the diagnosis terms). */
export const TrackLeakTerm = z.object({
  form: z.string(),
  source: z.enum(['treatment', 'key_test']),
  concept: z.string(),                     // the answer item it belongs to ("Prednisolone")
});
export type TrackLeakTerm = z.infer<typeof TrackLeakTerm>;

/** Text whose content must not reach a model-visible field: a caption, a gold finding. */
export const ForbiddenText = z.object({ text: z.string(), source: z.enum(['caption', 'finding']), ref: z.string() });
export type ForbiddenText = z.infer<typeof ForbiddenText>;

export const GeneratorInfo = z.object({
  kind: z.enum(['rules', 'llm']),
  version: z.string(),
  model: z.string().nullable(),
  promptVersion: z.string().nullable(),
});
export type GeneratorInfo = z.infer<typeof GeneratorInfo>;

const Common = {
  id: z.string().regex(QUESTION_ID_RE),
  pmcid: z.string().regex(/^PMC\d+$/),
  caseNo: z.number().int().min(1),
  question: z.string().min(1),
  context: z.string(),
  questionParts: z.array(VisiblePart).min(1),
  contextParts: z.array(VisiblePart),
  images: z.array(DraftImage).min(1),
  withheld: z.array(WithheldImage),
  answer: z.string().min(1),
  orphaCode: z.string().regex(/^\d+$/),
  orphaName: z.string().min(1),
  orphaAliases: z.array(z.string()),
  // short forms the article defines for the diagnosis or a parent ("Cushing's syndrome (CS)"): masked too
  extraTerms: z.array(z.object({ form: z.string(), source: z.enum(['answer', 'alias', 'code', 'parent']) })),
  category: z.string(),
  trackTerms: z.array(TrackLeakTerm),
  forbiddenText: z.array(ForbiddenText),
  cut: z.object({ beforeSentence: z.number().int(), reason: z.string(), sentence: SentenceSpan.nullable() }).nullable(),
  generator: GeneratorInfo,
};

export const DiagnosisDraft = z.object({
  ...Common,
  track: z.literal('diagnosis'),
  answerAliases: z.array(z.string()),
  diagnosisStatements: z.array(Span),
  contextSentences: z.array(SentenceSpan).min(1),
}).strict();

export const RubricItem = z.object({
  item: z.string(),                        // the rubric line: "prednisolone 40 mg per day, oral"
  kind: z.enum(['drug', 'procedure', 'follow_up']),
  name: z.string(),                        // vocabulary name ("Prednisolone"); the sentence's own words for follow-up
  dose: z.string().nullable(),
  route: z.string().nullable(),
  conceptIds: z.array(z.string()),
  source: EvidenceSource,
});
export type RubricItem = z.infer<typeof RubricItem>;

export const AvoidItem = z.object({
  item: z.string(),
  reason: z.enum(['avoided', 'contraindicated', 'harmful']),
  cue: z.string(),                         // the words that said so ("contraindicated", "discontinued because of")
  source: EvidenceSource,
});
export type AvoidItem = z.infer<typeof AvoidItem>;

export const TreatmentDraft = z.object({
  ...Common,
  track: z.literal('treatment'),
  mustInclude: z.array(RubricItem).min(1),
  mustNot: z.array(AvoidItem),
  treatmentSentences: z.array(SentenceSpan).min(1),
  contextSentences: z.array(SentenceSpan).min(1),
}).strict();

export const MainlineClaim = z.object({
  claim: z.string(),
  images: z.array(z.string()).min(1),      // unit ids (DraftImage.imageId)
  sources: z.array(EvidenceSource).min(1),
});
export type MainlineClaim = z.infer<typeof MainlineClaim>;

export const RelationType = z.enum(['confirm', 'complement', 'contrast']);
export type RelationType = z.infer<typeof RelationType>;

export const CrossImageDraft = z.object({
  ...Common,
  track: z.literal('cross-image'),
  mainline: z.array(MainlineClaim).min(2),
  relation: z.object({ type: RelationType, rule: z.string(), detail: z.string() }),
  contextSentences: z.array(SentenceSpan),
}).strict();

export const KeyTest = z.object({
  name: z.string(),
  order: z.number().int().min(1),
  surface: z.string(),
  conceptIds: z.array(z.string()),
  source: EvidenceSource,
  withheldImages: z.array(z.string()),
});
export type KeyTest = z.infer<typeof KeyTest>;

export const FlagItem = z.object({ item: z.string(), cue: z.string(), source: EvidenceSource });
export type FlagItem = z.infer<typeof FlagItem>;

export const ExaminationDraft = z.object({
  ...Common,
  track: z.literal('examination'),
  keyTests: z.array(KeyTest).min(1),
  redFlags: z.array(FlagItem),
  mustNot: z.array(FlagItem),
  presentingSentences: z.array(SentenceSpan).min(1),
}).strict();

export const QuestionDraft = z.discriminatedUnion('track', [DiagnosisDraft, TreatmentDraft, CrossImageDraft, ExaminationDraft]);
export type QuestionDraft = z.infer<typeof QuestionDraft>;
export type DiagnosisDraft = z.infer<typeof DiagnosisDraft>;
export type TreatmentDraft = z.infer<typeof TreatmentDraft>;
export type CrossImageDraft = z.infer<typeof CrossImageDraft>;
export type ExaminationDraft = z.infer<typeof ExaminationDraft>;
export type DraftOf<T extends Track> = Extract<QuestionDraft, { track: T }>;

export const FilteredQuestion = z.object({
  draft: QuestionDraft,
  question: z.string().min(1),
  context: z.string(),
  maskedSpans: z.number().int().min(0),
  droppedSentences: z.number().int().min(0),
  reasons: z.array(z.string()),
});
export type FilteredQuestion = z.infer<typeof FilteredQuestion>;

/** A field's text from its parts. */
export const joinParts = (parts: { sep: string; text: string }[]): string => parts.map((p, i) => (i === 0 ? p.text : p.sep + p.text)).join('');
