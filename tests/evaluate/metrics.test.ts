// Level 1 and Level 2 arithmetic (pipeline/evaluate/metrics.ts, rubric.ts, score.ts) on worked examples
// whose expected values are computed by hand in the comments.
import { describe, it, expect } from 'vitest';
import {
  bootstrapCi, claimRecall, extractDiagnosis, firstCorrectRank, keyTestRecall, maxTokenF1, mentions, mustNotHits, normalizeAnswer,
  parseRankedList, parseRelation, recallAtK, reciprocalRank, tokenF1, treatmentRecall,
} from '../../pipeline/evaluate/metrics.ts';
import { diagnosisScore, examinationScore, binaryFraction, DIMENSIONS, rubricScore, VERDICT_SCHEMAS } from '../../pipeline/evaluate/rubric.ts';
import { caseLevel, scoreDiagnosis, DEFAULT_THRESHOLDS } from '../../pipeline/evaluate/score.ts';
import { orphanetResolver } from '../../pipeline/evaluate/resolvers.ts';
import { lexicon } from '../ontology/helpers.ts';
import { buildAnswerRequest } from '../../pipeline/evaluate/request.ts';

describe('SQuAD token F1', () => {
  it('normalises case, punctuation, articles and whitespace', () => {
    expect(normalizeAnswer('  The Erdheim-Chester   disease. ')).toBe('erdheim chester disease');
    expect(normalizeAnswer('An (atypical) form')).toBe('atypical form');
  });
  it('worked examples', () => {
    expect(tokenF1('Erdheim-Chester disease', 'Erdheim–Chester disease')).toBe(1);
    // prediction {cardiac, myxoma}, gold {atrial, myxoma}: 1 shared; P = 1/2, R = 1/2, F1 = 0.5
    expect(tokenF1('cardiac myxoma', 'atrial myxoma')).toBe(0.5);
    // prediction {myxoma} vs gold {left, atrial, myxoma}: P = 1, R = 1/3, F1 = 2·(1/3)/(4/3) = 0.5
    expect(tokenF1('myxoma', 'left atrial myxoma')).toBeCloseTo(0.5, 12);
    expect(tokenF1('sarcoidosis', 'tuberculosis')).toBe(0);
    // repeated tokens count once each: {x, x} vs {x}: 1 shared, P = 1/2, R = 1, F1 = 2/3
    expect(tokenF1('tumor tumor', 'tumor')).toBeCloseTo(2 / 3, 12);
  });
  it('takes the best over the answer and its aliases', () => {
    expect(maxTokenF1('myxoma', ['Primary adult heart tumor', 'Myxoma'])).toBe(1);
    expect(maxTokenF1('heart tumor', ['Primary adult heart tumor'])).toBeCloseTo(2 * (1 * 0.5) / 1.5, 12);
  });
  it('reads the diagnosis line of a free answer', () => {
    expect(extractDiagnosis('The images show a mass.\n**Diagnosis:** Atrial myxoma. It is benign.')).toBe('Atrial myxoma');
    expect(extractDiagnosis('Sarcoidosis\nbecause …')).toBe('Sarcoidosis');
  });
});

describe('ranked differential: Recall@k and MRR', () => {
  const answer = 'Differential:\n1. Tuberculosis — most common\n2) Sarcoidosis (granulomas)\n3. Lymphoma\n**4.** Histoplasmosis';
  it('parses numbered lines in rank order, explanations cut', () => {
    expect(parseRankedList(answer)).toEqual(['Tuberculosis', 'Sarcoidosis', 'Lymphoma', 'Histoplasmosis']);
  });
  it('worked example: the right answer at rank 2', () => {
    const rank = firstCorrectRank(parseRankedList(answer), (x) => x === 'Sarcoidosis');
    expect(rank).toBe(2);
    expect([1, 3, 5, 10].map((k) => recallAtK(rank, k))).toEqual([0, 1, 1, 1]);
    expect(reciprocalRank(rank)).toBe(0.5);
    expect(reciprocalRank(null)).toBe(0);
    expect(recallAtK(null, 10)).toBe(0);
    // MRR over three questions with ranks 1, 2, none = (1 + 0.5 + 0) / 3 = 0.5
    expect([1, 2, null].map(reciprocalRank).reduce((a, b) => a + b, 0) / 3).toBe(0.5);
  });
});

describe('item matching (token containment)', () => {
  it('contiguous content tokens, light plural stemming, hyphens split', () => {
    expect(mentions('Complete surgical excision of both masses.', 'surgical excision')).toBe(true);
    expect(mentions('Excision of the mass', 'surgical excision')).toBe(false);
    expect(mentions('two skin biopsies', 'skin biopsy')).toBe(true);
    expect(mentions('transesophageal echocardiography', 'Echocardiography')).toBe(true);
    expect(mentions('anything', '')).toBe(false);
  });
  it('treatment recall: 2 of 3 items (the follow-up by a cue word), must-not hits counted', () => {
    const items = [
      { item: 'prednisolone 40 mg orally', kind: 'drug', name: 'Prednisolone', concept_ids: ['drugbank:DB00860'] },
      { item: 'methotrexate', kind: 'drug', name: 'Methotrexate', concept_ids: ['drugbank:DB00563'] },
      { item: 'follow-up: seen after 3 months', kind: 'follow_up', name: 'follow-up', concept_ids: [] },
    ];
    const r = treatmentRecall('Start prednisolone; monitor monthly.', items);
    expect(r.recall).toEqual({ hit: 2, of: 3, value: 2 / 3 });
    expect(r.missing).toEqual(['methotrexate']);
    // a vocabulary hit on the concept counts too (a brand or another name of the drug)
    expect(treatmentRecall('Trexall weekly', items, new Set(['drugbank:DB00563'])).mentioned).toEqual(['methotrexate']);
    expect(mustNotHits('Avoid nothing; give aspirin.', [{ item: 'aspirin' }, { item: 'heparin' }])).toEqual(['aspirin']);
  });
  it('examination key-test recall: 1 of 2', () => {
    expect(keyTestRecall('1. Chest CT scan\n2. ECG', [{ name: 'Chest CT' }, { name: 'Bronchoscopy' }]).recall).toEqual({ hit: 1, of: 2, value: 0.5 });
  });
  it('cross-image: relation type and claim recall', () => {
    expect(parseRelation('The images confirm each other.\nRelation: **Contrast**')).toBe('contrast');
    expect(parseRelation('These findings complement each other.')).toBe('complement');
    expect(parseRelation('confirm or contrast?')).toBeNull();
    // claim 1's content tokens {left, atrial, mass, attached, septum}: the answer has 4 of 5 (0.8 ≥ 0.5);
    // claim 2's {right, atrial, mass, 1, cm}: 2 of 5 (0.4 < 0.5) → recall 1/2
    const c = claimRecall('A large left atrial mass on the septum.', ['left atrial mass attached to the septum', 'right atrial mass of 1 cm'], 0.5);
    expect(c.coverage).toEqual([0.8, 0.4]);
    expect(c.recall).toEqual({ hit: 1, of: 2, value: 0.5 });
  });
});

describe('Level 2 rubric arithmetic', () => {
  it('diagnosis: (3·exact + cat + spec)/5 when exact, else (cat + spec)/10 — never above 0.2', () => {
    expect(diagnosisScore({ exact_match: 1, category: 1, specificity: 1 })).toBe(1);
    expect(diagnosisScore({ exact_match: 1, category: 0, specificity: 1 })).toBe(0.8);
    expect(diagnosisScore({ exact_match: 1, category: 0, specificity: 0 })).toBe(0.6);
    expect(diagnosisScore({ exact_match: 0, category: 1, specificity: 1 })).toBe(0.2);   // the cap
    expect(diagnosisScore({ exact_match: 0, category: 1, specificity: 0 })).toBe(0.1);
    expect(diagnosisScore({ exact_match: 0, category: 0, specificity: 0 })).toBe(0);
  });
  it('treatment 6 binary, cross-image 5 binary as the fraction YES; examination 8 × 0/1/2 over 16', () => {
    expect(binaryFraction({ same_treatments: 1, drug_dose_route: 0, no_safety_violation: 1, concrete_follow_up: 0, justification: 1, implementable: 0 }, DIMENSIONS.treatment)).toBe(0.5);
    expect(rubricScore('cross-image', { all_key_findings: 1, explicit_relation: 1, relation_type_exact: 0, no_factual_errors: 1, integrated_synthesis: 0 })).toBe(0.6);
    expect(examinationScore({ coverage: 2, specificity: 2, ordering_branching: 1, expected_findings: 1, quantitative_thresholds: 0, differential_narrowing: 0, patient_adaptation: 2, precision: 1 })).toBe(9 / 16);
  });
  it('strict reading of verdicts: only a clear YES is 1; grades outside 0..2 are refused (re-asked)', () => {
    const d = VERDICT_SCHEMAS.diagnosis.parse({ exact_match: 'yes', category: 'Partially', specificity: true, rationale: 'x' });
    expect(d).toMatchObject({ exact_match: 1, category: 0, specificity: 1 });
    expect(VERDICT_SCHEMAS.examination.safeParse({ coverage: 3, specificity: 0, ordering_branching: 0, expected_findings: 0, quantitative_thresholds: 0, differential_narrowing: 0, patient_adaptation: 0, precision: 0 }).success).toBe(false);
    expect(VERDICT_SCHEMAS.treatment.safeParse({ same_treatments: 'YES' }).success).toBe(false);   // a missing dimension
  });
});

describe('case-level accuracy', () => {
  it('a case counts only when all its questions are right', () => {
    const r = caseLevel([
      { pmcid: 'PMC1', case: 1, track: 'diagnosis', correct: true },
      { pmcid: 'PMC1', case: 1, track: 'treatment', correct: false },
      { pmcid: 'PMC1', case: 2, track: 'diagnosis', correct: true },
      { pmcid: 'PMC2', case: 1, track: 'diagnosis', correct: true },
      { pmcid: 'PMC2', case: 1, track: 'cross-image', correct: true },
    ]);
    // 3 cases: PMC1#c1 wrong (treatment), PMC1#c2 right, PMC2#c1 right → 2/3
    expect(r.accuracy).toBeCloseTo(2 / 3, 12);
    expect(r.cases.map((c) => [c.case, c.right])).toEqual([['PMC1#c1', false], ['PMC1#c2', true], ['PMC2#c1', true]]);
  });
});

describe('bootstrap CI', () => {
  it('is seeded (the same interval on every run) and brackets the mean', () => {
    const xs = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1];
    const a = bootstrapCi(xs, { seed: 7 }), b = bootstrapCi(xs, { seed: 7 });
    expect(a).toEqual(b);
    expect(a![0]).toBeLessThanOrEqual(0.7);
    expect(a![1]).toBeGreaterThanOrEqual(0.7);
    expect(bootstrapCi([], {})).toBeNull();
  });
});

describe('Orphanet-aware hit (the matcher and clinicallyValid)', () => {
  const lex = lexicon();
  const hit = orphanetResolver(lex);
  it('the same code by another name, a narrow parent, and refusals', () => {
    const pha1 = lex.byCode.get('756')!;
    const other = pha1.synonyms?.[0] ?? pha1.name;
    expect(hit(pha1.name, '756')).toMatchObject({ hit: true, code: '756', relation: 'same' });
    expect(hit(other, '756').hit).toBe(true);
    // Pseudohypoaldosteronism (ORPHA:444916, a group with 3 disorders below it) is a valid broader answer for PHA type 1
    expect(hit(lex.byCode.get('444916')!.name, '756')).toMatchObject({ hit: true, code: '444916', relation: 'parent' });
    expect(hit('Sarcoidosis', '756').hit).toBe(false);
    expect(hit('Quellinox fever', '756')).toEqual({ hit: false, code: null, relation: null });
  });
  it('scoreDiagnosis: an alias answer is exact and a hit', () => {
    const row = { answer: lex.byCode.get('797')!.name, answer_aliases: [], orpha_aliases: [], orpha_code: '797' };
    const l1 = scoreDiagnosis(row, 'Imaging shows hilar nodes.\nDiagnosis: sarcoidosis', { orphanet: hit, concepts: () => new Set(), thresholds: DEFAULT_THRESHOLDS, differential: false });
    expect(l1).toMatchObject({ prediction: 'sarcoidosis', f1: 1, exact: true, orpha_hit: true, orpha_code: '797', correct: true });
  });
});

describe('what the model is shown under each condition', () => {
  const img = Buffer.from('89504e470d0a1a0a0000', 'hex');   // PNG magic: enough for the media type
  const base = {
    track: 'diagnosis' as const, question: 'What is the most likely diagnosis?', context: 'A 30-year-old man had fever.',
    images: [{ id: 'PMC1-fig1-1', label: 'Image 1', sha256: 'a'.repeat(64), panel: null }, { id: 'PMC1-fig2-1#B', label: 'Image 2', sha256: 'b'.repeat(64), panel: 'B' }],
    differential: false, captions: new Map([['PMC1-fig1-1', 'Chest CT.'], ['PMC1-fig2-1#B', 'Biopsy.']]), readImage: () => img,
  };
  const shown = (condition: any) => {
    const { messages, prompt } = buildAnswerRequest({ ...base, condition });
    const user = messages[messages.length - 1].content;
    const parts = typeof user === 'string' ? [{ type: 'text', text: user }] : user;
    const text = parts.filter((p: any) => p.type === 'text').map((p: any) => p.text).join('\n');
    return { text, images: parts.filter((p: any) => p.type === 'image').length, labels: parts.map((p: any) => (p.type === 'image' ? '[img]' : p.text)).slice(1), prompt };
  };
  it('baseline: context, question, then each label right before its image; captions never', () => {
    const s = shown('baseline');
    expect(s.text).toContain('Case:\nA 30-year-old man had fever.');
    expect(s.labels).toEqual(['Image 1:', '[img]', 'Image 2:', '[img]']);
    expect(s.text).not.toContain('Chest CT');
    expect(s.prompt).toMatchObject({ name: 'answer-diagnosis', version: '1' });
  });
  it('text-only, images-only, captions-only, findings-disclosed', () => {
    expect(shown('text-only')).toMatchObject({ images: 0 });
    expect(shown('text-only').text).toContain('Case:');
    expect(shown('images-only').images).toBe(2);
    expect(shown('images-only').text).not.toContain('fever');
    const c = shown('captions-only');
    expect(c.images).toBe(0);
    expect(c.text).toContain('Image 1: Chest CT.\nImage 2 (panel B): Biopsy.');
    const f = shown('findings-disclosed');
    expect(f.images).toBe(2);
    expect(f.text).toContain('Image 1: Chest CT.');
  });
});
