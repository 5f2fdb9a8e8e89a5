// Export rows (DESIGN §6): the shared fields, then one consistent set per track. Every exported row is
// validated against its track's schema (strict: no extra or missing keys), and a row that fails is a
// decision, not a crash. Keys are written in this order.
import { z } from 'zod';
import { QUESTION_ID_RE, TRACKS, type Track } from './question.ts';

export { TRACKS, type Track };

export const Span = z.object({ section_id: z.string().nullable(), start: z.number().int(), end: z.number().int(), text: z.string() }).strict();

/** A gold item's source: a span inside a stored case sentence, or a piece of a figure caption. */
export const Source = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sentence'), section_id: z.string(), sentence_start: z.number().int(), sentence_end: z.number().int(),
    start: z.number().int(), end: z.number().int(), text: z.string(),
  }).strict(),
  z.object({ kind: z.literal('caption'), figure_id: z.string(), start: z.number().int(), end: z.number().int(), text: z.string() }).strict(),
]);

export const ExportImage = z.object({
  id: z.string(),                        // stable image id: <pmcid>-<figure id>-<n>, `#<panel>` for one panel of a compound image
  label: z.string(),                     // neutral display label: "Image 1"
  file: z.string(),                      // path inside the export folder
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  panel: z.string().nullable(),          // the panel this label stands for, when the file is a compound figure
  placeholder: z.boolean(),              // true: a generated stand-in, not the published figure
  license: z.string(),
}).strict();

export const WithheldImageRow = z.object({ id: z.string(), figure_label: z.string(), reason: z.string(), detail: z.string() }).strict();

export const FigureMapping = z.object({ image: z.string(), image_id: z.string(), figure_label: z.string(), panels: z.array(z.string()) }).strict();

export const Provenance = z.object({
  pipeline_version: z.string(),
  config_hash: z.string(),
  orphanet_release: z.string(),
  stage_versions: z.record(z.string(), z.string()),
  generator: z.object({ kind: z.enum(['rules', 'llm']), version: z.string(), model: z.string().nullable(), prompt_version: z.string().nullable() }).strict(),
  vocabularies: z.array(z.object({ id: z.string(), name: z.string(), version: z.string(), licence: z.string() }).strict()),
  source_urls: z.array(z.string()),
  placeholder_images: z.boolean(),
}).strict();

export const Leakage = z.object({
  masked_spans: z.number().int().min(0),
  dropped_sentences: z.number().int().min(0),
  cut: z.object({ before_sentence: z.number().int(), reason: z.string() }).strict().nullable(),
  rules: z.array(z.string()),            // reason codes of every decision behind the row
  decisions: z.number().int().min(0),
  scanner: z.literal('clean'),
}).strict();

const Common = {
  id: z.string().regex(QUESTION_ID_RE),
  pmcid: z.string().regex(/^PMC\d+$/),
  pmid: z.string().nullable(),
  doi: z.string().nullable(),
  license: z.string(),
  case: z.number().int().min(1),
  question: z.string().min(1),
  context: z.string(),
  images: z.array(ExportImage).min(1),
  withheld_images: z.array(WithheldImageRow),
  answer: z.string().min(1),
  orpha_code: z.string().regex(/^\d+$/),
  orpha_name: z.string(),
  orpha_aliases: z.array(z.string()),    // the diagnosis's other names: never model-visible in any track
};
const Tail = { leakage: Leakage, provenance: Provenance };

export const DiagnosisRow = z.object({
  ...Common,
  track: z.literal('diagnosis'),
  answer_aliases: z.array(z.string()),
  category: z.string(),
  evidence: z.object({
    diagnosis_statements: z.array(Span),  // where the article states the diagnosis (never model-visible)
    context_sentences: z.array(Span),     // the sentences the context was built from
    figure_mapping: z.array(FigureMapping),
  }).strict(),
  ...Tail,
}).strict();

export const RubricRow = z.object({
  item: z.string(), kind: z.enum(['drug', 'procedure', 'follow_up']), name: z.string(),
  dose: z.string().nullable(), route: z.string().nullable(), concept_ids: z.array(z.string()), source: Source,
}).strict();

export const TreatmentRow = z.object({
  ...Common,
  track: z.literal('treatment'),
  rubric_must_include: z.array(RubricRow).min(1),
  rubric_must_not: z.array(z.object({ item: z.string(), reason: z.enum(['avoided', 'contraindicated', 'harmful']), cue: z.string(), source: Source }).strict()),
  evidence: z.object({
    treatment_sentences: z.array(Span),   // the sentences the answer was read from (never model-visible)
    context_sentences: z.array(Span),
    figure_mapping: z.array(FigureMapping),
  }).strict(),
  ...Tail,
}).strict();

export const CrossImageRow = z.object({
  ...Common,
  track: z.literal('cross-image'),
  golden_mainline: z.array(z.object({ claim: z.string(), images: z.array(z.string()).min(1), sources: z.array(Source).min(1) }).strict()).min(2),
  relation_type: z.enum(['confirm', 'complement', 'contrast']),
  relation_rule: z.object({ rule: z.string(), detail: z.string() }).strict(),
  figure_mapping: z.array(FigureMapping),
  evidence: z.object({ context_sentences: z.array(Span) }).strict(),
  ...Tail,
}).strict();

export const ExaminationRow = z.object({
  ...Common,
  track: z.literal('examination'),
  key_test_names: z.array(z.string()).min(1),  // in the order the case did them
  red_flags_to_rule_out: z.array(z.object({ item: z.string(), cue: z.string(), source: Source }).strict()),
  must_not: z.array(z.object({ item: z.string(), cue: z.string(), source: Source }).strict()),
  evidence: z.object({
    key_tests: z.array(z.object({ name: z.string(), order: z.number().int().min(1), concept_ids: z.array(z.string()), source: Source, withheld_images: z.array(z.string()) }).strict()),
    presenting_sentences: z.array(Span),
    figure_mapping: z.array(FigureMapping),
  }).strict(),
  ...Tail,
}).strict();

export type DiagnosisRow = z.infer<typeof DiagnosisRow>;
export type TreatmentRow = z.infer<typeof TreatmentRow>;
export type CrossImageRow = z.infer<typeof CrossImageRow>;
export type ExaminationRow = z.infer<typeof ExaminationRow>;
export type ExportRow = DiagnosisRow | TreatmentRow | CrossImageRow | ExaminationRow;

export const EXPORT_SCHEMAS = { diagnosis: DiagnosisRow, treatment: TreatmentRow, 'cross-image': CrossImageRow, examination: ExaminationRow } as const;

/** The fields of a row a model is given (besides the image pixels): the residual scanner reads exactly these. */
export const MODEL_VISIBLE_FIELDS = ['question', 'context', 'images[].label'] as const;
