// A track's generator: rule-based (default, offline) or model-backed (pipeline/generate/llm.ts). Both read
// the same case material, write the same draft schema, and their drafts pass the same leak filter.
import type { DraftOf, GeneratorInfo, Track } from '../../schemas/question.ts';
import type { CaseMaterial, GenResult } from './material.ts';
import { RULES_GENERATOR } from './material.ts';
import { generateDiagnosis } from './diagnosis.ts';
import { generateTreatment } from './treatment.ts';
import { generateCrossImage } from './cross-image.ts';
import { generateExamination } from './examination.ts';

/** A generator's outcome: a draft, a drop, or a transient failure (a model endpoint down) retried next run. */
export type GenOutcome<T extends Track> = GenResult<DraftOf<T>> | { ok: false; transient: true; error: string };

export interface TrackGenerator<T extends Track = Track> {
  readonly track: T;
  readonly info: GeneratorInfo;
  generate(m: CaseMaterial): Promise<GenOutcome<T>>;
}

const RULES: { [T in Track]: (m: CaseMaterial) => GenResult<DraftOf<T>> } = {
  diagnosis: generateDiagnosis,
  treatment: generateTreatment,
  'cross-image': generateCrossImage,
  examination: generateExamination,
};

export function rulesGenerator<T extends Track>(track: T): TrackGenerator<T> {
  return { track, info: RULES_GENERATOR, generate: async (m) => RULES[track](m) };
}
