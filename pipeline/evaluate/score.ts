// Level 1 per question: the track's deterministic metrics from the model's reply and the gold row, and
// whether the question counts as right for case-level accuracy (thresholds from config evaluate.*).
// Pure given two resolvers: `orphanet` (the matcher + clinicallyValid, ontology/) and `concepts`
// (vocabulary concept ids recognised in a text, ontology/vocab), both injected so tests can run without data.
import type { Track } from '../../schemas/question.ts';
import {
  RECALL_KS, claimRecall, exactMatch, extractDiagnosis, firstCorrectRank, keyTestRecall, maxTokenF1, mustNotHits,
  parseRankedList, parseRelation, recallAtK, reciprocalRank, treatmentRecall, type RubricItemLike,
} from './metrics.ts';

export interface OrphanetHit { hit: boolean; code: string | null; relation: string | null }
export type OrphanetResolver = (prediction: string, goldCode: string) => OrphanetHit;
export type ConceptResolver = (text: string) => Set<string>;

export interface EvaluateThresholds {
  /** cross-image: a mainline claim is recalled when the answer covers this share of its content tokens */
  claimMinCoverage: number;
  /** case level: a treatment question is right when must-include recall ≥ this */
  treatmentRecall: number;
  /** case level: a cross-image question is right when the relation is right and claim recall ≥ this */
  crossImageClaimRecall: number;
  /** case level: an examination question is right when key-test recall ≥ this */
  examinationRecall: number;
}

export const DEFAULT_THRESHOLDS: EvaluateThresholds = { claimMinCoverage: 0.5, treatmentRecall: 0.5, crossImageClaimRecall: 0.5, examinationRecall: 0.5 };

export interface DiagnosisLevel1 {
  track: 'diagnosis';
  prediction: string;
  f1: number;
  exact: boolean;
  orpha_hit: boolean;
  orpha_code: string | null;
  orpha_relation: string | null;
  differential: null | { items: string[]; rank: number | null; recall: Record<string, number>; mrr: number };
  correct: boolean;
}
export interface TreatmentLevel1 { track: 'treatment'; recall: number | null; mentioned: string[]; missing: string[]; must_not_hits: string[]; correct: boolean }
export interface CrossImageLevel1 { track: 'cross-image'; relation: string | null; relation_gold: string; relation_correct: boolean; claim_recall: number | null; claim_coverage: number[]; correct: boolean }
export interface ExaminationLevel1 { track: 'examination'; recall: number | null; mentioned: string[]; missing: string[]; must_not_hits: string[]; correct: boolean }
export type Level1 = DiagnosisLevel1 | TreatmentLevel1 | CrossImageLevel1 | ExaminationLevel1;

type Row = Record<string, any>;

export function goldNames(row: Row): string[] {
  return [...new Set([row.answer, ...(row.answer_aliases ?? []), ...(row.orpha_aliases ?? [])].filter((s): s is string => typeof s === 'string' && s.trim() !== ''))];
}

export interface ScoreContext { orphanet: OrphanetResolver; concepts: ConceptResolver; thresholds: EvaluateThresholds; differential: boolean }

export function scoreDiagnosis(row: Row, answer: string, ctx: ScoreContext): DiagnosisLevel1 {
  const golds = goldNames(row);
  const isRight = (item: string): boolean => exactMatch(item, golds) || ctx.orphanet(item, row.orpha_code).hit;
  let differential: DiagnosisLevel1['differential'] = null;
  let prediction = extractDiagnosis(answer);
  if (ctx.differential) {
    const items = parseRankedList(answer);
    if (items.length > 0) prediction = items[0];
    const rank = firstCorrectRank(items, isRight);
    differential = { items, rank, recall: Object.fromEntries(RECALL_KS.map((k) => [`r@${k}`, recallAtK(rank, k)])), mrr: reciprocalRank(rank) };
  }
  const o = prediction ? ctx.orphanet(prediction, row.orpha_code) : { hit: false, code: null, relation: null };
  return {
    track: 'diagnosis', prediction, f1: maxTokenF1(prediction, golds), exact: exactMatch(prediction, golds),
    orpha_hit: o.hit, orpha_code: o.code, orpha_relation: o.relation, differential, correct: o.hit,
  };
}

export function scoreTreatment(row: Row, answer: string, ctx: ScoreContext): TreatmentLevel1 {
  const r = treatmentRecall(answer, row.rubric_must_include as RubricItemLike[], ctx.concepts(answer));
  return {
    track: 'treatment', recall: r.recall.value, mentioned: r.mentioned, missing: r.missing,
    must_not_hits: mustNotHits(answer, row.rubric_must_not ?? []), correct: (r.recall.value ?? 0) >= ctx.thresholds.treatmentRecall,
  };
}

export function scoreCrossImage(row: Row, answer: string, ctx: ScoreContext): CrossImageLevel1 {
  const relation = parseRelation(answer);
  const c = claimRecall(answer, (row.golden_mainline as { claim: string }[]).map((g) => g.claim), ctx.thresholds.claimMinCoverage);
  const relationCorrect = relation === row.relation_type;
  return {
    track: 'cross-image', relation, relation_gold: row.relation_type, relation_correct: relationCorrect, claim_recall: c.recall.value,
    claim_coverage: c.coverage.map((x) => Math.round(x * 1000) / 1000),
    correct: relationCorrect && (c.recall.value ?? 0) >= ctx.thresholds.crossImageClaimRecall,
  };
}

export function scoreExamination(row: Row, answer: string, ctx: ScoreContext): ExaminationLevel1 {
  const byName = new Map<string, string[]>(((row.evidence?.key_tests ?? []) as { name: string; concept_ids: string[] }[]).map((k) => [k.name, k.concept_ids]));
  const tests = (row.key_test_names as string[]).map((name) => ({ name, concept_ids: byName.get(name) ?? [] }));
  const r = keyTestRecall(answer, tests, ctx.concepts(answer));
  return {
    track: 'examination', recall: r.recall.value, mentioned: r.mentioned, missing: r.missing,
    must_not_hits: mustNotHits(answer, row.must_not ?? []), correct: (r.recall.value ?? 0) >= ctx.thresholds.examinationRecall,
  };
}

export function scoreLevel1(track: Track, row: Row, answer: string, ctx: ScoreContext): Level1 {
  switch (track) {
    case 'diagnosis': return scoreDiagnosis(row, answer, ctx);
    case 'treatment': return scoreTreatment(row, answer, ctx);
    case 'cross-image': return scoreCrossImage(row, answer, ctx);
    case 'examination': return scoreExamination(row, answer, ctx);
  }
}

// ---------------------------------------------------------------- case level

export interface CaseOutcome { case: string; tracks: Track[]; right: boolean; questions: number }

/**
 * Case-level accuracy (LiveClin): a case (pmcid + case number) counts only when every one of its questions
 * present is right. A question without a usable answer (failed call) counts as wrong.
 */
export function caseLevel(questions: readonly { pmcid: string; case: number; track: Track; correct: boolean }[]): { cases: CaseOutcome[]; accuracy: number | null } {
  const by = new Map<string, { tracks: Set<Track>; right: boolean; n: number }>();
  for (const q of questions) {
    const k = `${q.pmcid}#c${q.case}`;
    const e = by.get(k) ?? { tracks: new Set<Track>(), right: true, n: 0 };
    e.tracks.add(q.track);
    e.right &&= q.correct;
    e.n++;
    by.set(k, e);
  }
  const cases = [...by.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, e]) => ({ case: k, tracks: [...e.tracks].sort(), right: e.right, questions: e.n }));
  return { cases, accuracy: cases.length ? cases.filter((c) => c.right).length / cases.length : null };
}
