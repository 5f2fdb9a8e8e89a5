// Level 2: the rubric judge's verdict per track (DESIGN §8) and its arithmetic. Strict calibration: a
// criterion is NO (0) unless fully met; the judge prompt says so and this module reads anything that is not
// a clear YES as NO. Pure: the verdict shape (zod, for completeJson's re-asks) and the score.
import { z } from 'zod';
import type { Track } from '../../schemas/question.ts';

/** YES/NO as the judge may write it: "YES", "yes", true, 1. Everything else is NO. */
const Binary = z.union([z.boolean(), z.number(), z.string()]).transform((v) =>
  v === true || v === 1 || (typeof v === 'string' && /^\s*(yes|y|true|1)\s*$/i.test(v)) ? 1 : 0);
/** 0/1/2 as a number or a numeric string; anything else is not a verdict (a re-ask). */
const Grade = z.union([z.number(), z.string()]).transform((v) => Number(v)).pipe(z.number().int().min(0).max(2));

export const DIMENSIONS = {
  diagnosis: ['exact_match', 'category', 'specificity'],
  treatment: ['same_treatments', 'drug_dose_route', 'no_safety_violation', 'concrete_follow_up', 'justification', 'implementable'],
  'cross-image': ['all_key_findings', 'explicit_relation', 'relation_type_exact', 'no_factual_errors', 'integrated_synthesis'],
  examination: ['coverage', 'specificity', 'ordering_branching', 'expected_findings', 'quantitative_thresholds', 'differential_narrowing', 'patient_adaptation', 'precision'],
} as const satisfies Record<Track, readonly string[]>;

const binaryShape = (dims: readonly string[]) => z.object(Object.fromEntries(dims.map((d) => [d, Binary])) as Record<string, typeof Binary>);
const gradeShape = (dims: readonly string[]) => z.object(Object.fromEntries(dims.map((d) => [d, Grade])) as Record<string, typeof Grade>);

/** The verdict a judge must return per track (extra keys such as "rationale" are allowed and ignored). */
export const VERDICT_SCHEMAS = {
  diagnosis: binaryShape(DIMENSIONS.diagnosis),
  treatment: binaryShape(DIMENSIONS.treatment),
  'cross-image': binaryShape(DIMENSIONS['cross-image']),
  examination: gradeShape(DIMENSIONS.examination),
} as const;

export type Verdict = Record<string, number>;

/** Diagnosis: (3·exact + category + specificity)/5 when the exact/alias match is YES, else (category + specificity)/10 (≤ 0.2). */
export function diagnosisScore(v: { exact_match: number; category: number; specificity: number }): number {
  return v.exact_match ? (3 + v.category + v.specificity) / 5 : (v.category + v.specificity) / 10;
}

/** Treatment (6) and cross-image (5): the fraction of YES. */
export const binaryFraction = (v: Verdict, dims: readonly string[]): number => dims.reduce((a, d) => a + (v[d] ? 1 : 0), 0) / dims.length;

/** Examination: 8 dimensions 0/1/2, summed over 16. */
export const examinationScore = (v: Verdict): number => DIMENSIONS.examination.reduce((a, d) => a + (v[d] ?? 0), 0) / 16;

export function rubricScore(track: Track, v: Verdict): number {
  switch (track) {
    case 'diagnosis': return diagnosisScore(v as { exact_match: number; category: number; specificity: number });
    case 'treatment': return binaryFraction(v, DIMENSIONS.treatment);
    case 'cross-image': return binaryFraction(v, DIMENSIONS['cross-image']);
    case 'examination': return examinationScore(v);
  }
}

/** The verdict as stored: the track's dimensions only, in their order. */
export function verdictOf(track: Track, parsed: Record<string, number>): Verdict {
  return Object.fromEntries(DIMENSIONS[track].map((d) => [d, parsed[d] ?? 0]));
}
