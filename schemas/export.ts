// Export rows (DESIGN §6). One schema per track; every exported row is validated against it, and a
// row that fails is a decision, not a crash.
import { z } from 'zod';

export const Span = z.object({ section_id: z.string().nullable(), start: z.number().int(), end: z.number().int(), text: z.string() });

export const ExportImage = z.object({
  id: z.string(),                        // stable image id: <pmcid>-<figure id>-<n>
  label: z.string(),                     // neutral display label: "Image 1"
  file: z.string(),                      // path inside the export folder
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  placeholder: z.boolean(),              // true: a generated stand-in, not the published figure
  license: z.string(),
});

export const Provenance = z.object({
  pipeline_version: z.string(),
  config_hash: z.string(),
  orphanet_release: z.string(),
  stage_versions: z.record(z.string(), z.string()),
  source_urls: z.array(z.string()),
  placeholder_images: z.boolean(),
});

export const Leakage = z.object({
  masked_spans: z.number().int().min(0),
  cut: z.object({ before_sentence: z.number().int(), reason: z.string() }),
  rules: z.array(z.string()),            // reason codes of every decision behind the row
  decisions: z.number().int().min(0),
  scanner: z.literal('clean'),
});

const Common = {
  id: z.string().regex(/^[a-z]+-PMC\d+-c\d+-[0-9a-f]{8}$/),
  pmcid: z.string().regex(/^PMC\d+$/),
  pmid: z.string().nullable(),
  doi: z.string().nullable(),
  license: z.string(),
  case: z.number().int().min(1),
  question: z.string().min(1),
  context: z.string(),
  images: z.array(ExportImage),
  orpha_code: z.string().regex(/^\d+$/),
  orpha_name: z.string(),
  leakage: Leakage,
  provenance: Provenance,
};

export const DiagnosisRow = z.object({
  ...Common,
  track: z.literal('diagnosis'),
  answer: z.string().min(1),
  answer_aliases: z.array(z.string()),
  category: z.string(),
  evidence: z.object({
    diagnosis_statements: z.array(Span),  // where the article states the diagnosis (never model-visible)
    context_sentences: z.array(Span),     // the sentences the context was built from
    figure_mapping: z.array(z.object({ image: z.string(), figure_label: z.string(), panels: z.array(z.string()) })),
  }),
}).strict();
export type DiagnosisRow = z.infer<typeof DiagnosisRow>;

export const EXPORT_SCHEMAS = { diagnosis: DiagnosisRow } as const;
export type Track = keyof typeof EXPORT_SCHEMAS;
