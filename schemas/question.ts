// Question records between generate, filter and export.
import { z } from 'zod';

const Span = z.object({ sectionId: z.string().nullable(), start: z.number().int(), end: z.number().int(), text: z.string() });

export const DraftImage = z.object({
  imageId: z.string(), figureId: z.string(), ord: z.number().int().min(1),
  width: z.number().int().positive(), height: z.number().int().positive(),
  normSha: z.string().regex(/^[0-9a-f]{64}$/), format: z.string(), placeholder: z.boolean(), license: z.string(),
  label: z.string().regex(/^Image \d+$/), figureLabel: z.string(), panels: z.array(z.string()),
});

export const QuestionDraft = z.object({
  id: z.string().regex(/^[a-z]+-PMC\d+-c\d+-[0-9a-f]{8}$/),
  track: z.literal('diagnosis'),
  pmcid: z.string().regex(/^PMC\d+$/),
  caseNo: z.number().int().min(1),
  question: z.string().min(1),
  context: z.string().min(1),
  images: z.array(DraftImage).min(1),
  answer: z.string().min(1),
  answerAliases: z.array(z.string()),
  // short forms the article defines for the answer or a parent ("Cushing's syndrome (CS)"): masked too
  extraTerms: z.array(z.object({ form: z.string(), source: z.enum(['answer', 'alias', 'code', 'parent']) })),
  orphaCode: z.string().regex(/^\d+$/),
  orphaName: z.string().min(1),
  category: z.string(),
  diagnosisStatements: z.array(Span),
  contextSentences: z.array(Span.extend({ sectionId: z.string(), index: z.number().int() })).min(1),
  cut: z.object({ beforeSentence: z.number().int(), reason: z.string(), sentence: Span.extend({ sectionId: z.string() }).nullable() }),
});
export type QuestionDraft = z.infer<typeof QuestionDraft>;

export const FilteredQuestion = z.object({
  draft: QuestionDraft,
  question: z.string().min(1),
  context: z.string().min(1),
  maskedSpans: z.number().int().min(0),
  reasons: z.array(z.string()),
});
export type FilteredQuestion = z.infer<typeof FilteredQuestion>;
