// Rule-based diagnosis-track generator (pure). The model sees the case narrative cut before the first
// sentence that states the diagnosis, and the case's images under neutral labels.
import type { DiagnosisDraft } from '../../schemas/question.ts';
import { joinParts } from '../../schemas/question.ts';
import {
  chooseImages, commonFields, figureOrder, findDecisionPoint, imageList, partsOf, spanOf,
  type CaseMaterial, type GenResult,
} from './material.ts';

export { findDecisionPoint, relabelRefs } from './material.ts';

export const DIAGNOSIS_QUESTION = (n: number): string =>
  `Read the case description and examine ${imageList(n)}. What is the most likely diagnosis? Give the standard name of the disease.`;

export function generateDiagnosis(m: CaseMaterial): GenResult<DiagnosisDraft> {
  const point = findDecisionPoint(m);
  if (!point) return { ok: false, reason: 'decision_point_not_found', rule: 'generate.diagnosis.cut', detail: { sentences: m.sentences.length } };
  const ctx = m.sentences.filter((s) => s.index < point.index && s.kind !== 'discussion');
  if (ctx.length < m.options.minContextSentences) {
    return { ok: false, reason: 'context_too_short', rule: 'generate.diagnosis.min_context', detail: { sentences: ctx.length, min: m.options.minContextSentences } };
  }
  // Images: figures referenced before the cut first (in order of first reference), then the case's
  // other referenced figures; figures referenced only from treatment/outcome sentences are left out
  // (they show the course after the diagnosis).
  const after = m.sentences.filter((s) => s.index >= point.index && s.kind !== 'treatment' && s.kind !== 'outcome');
  let order = [...new Set([...figureOrder(ctx), ...figureOrder(after)])];
  const referenced = new Set(figureOrder(m.sentences));
  if (referenced.size === 0) order = m.figures.filter((f) => f.kind === 'figure').map((f) => f.id); // no references at all: the article's figures
  const choice = chooseImages(m, order, [], m.diagnosis.leakPatterns, (fig) => referenced.has(fig.id)
    ? { reason: 'shows_course_after_diagnosis', rule: 'generate.diagnosis.images', detail: 'referenced only from treatment or outcome sentences after the diagnosis' }
    : { reason: 'not_referenced_in_case', rule: 'generate.diagnosis.images', detail: "not referenced from this case's narrative" });
  if (choice.images.length < m.options.minImages.diagnosis) {
    return { ok: false, reason: choice.images.length ? 'too_few_images' : 'no_images', rule: 'generate.diagnosis.images', detail: { images: choice.images.length, min: m.options.minImages.diagnosis, withheld: choice.withheld.length }, withheld: choice.withheld };
  }
  const contextParts = partsOf(m, ctx, choice.labelOf);
  const question = DIAGNOSIS_QUESTION(choice.images.length);
  const cutSentence = m.sentences.find((s) => s.index === point.index) ?? null;
  return {
    ok: true,
    draft: {
      ...commonFields(m, 'diagnosis'),
      track: 'diagnosis',
      question, questionParts: [{ sep: '', text: question, sentence: null }],
      context: joinParts(contextParts), contextParts,
      images: choice.images, withheld: choice.withheld,
      answer: m.diagnosis.name,
      answerAliases: m.diagnosis.aliases,
      trackTerms: [], forbiddenText: [],
      diagnosisStatements: m.diagnosis.statements,
      contextSentences: ctx.map(spanOf),
      cut: { beforeSentence: point.index, reason: point.reason, sentence: cutSentence && spanOf(cutSentence) },
    },
  };
}
