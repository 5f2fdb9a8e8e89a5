// The per-track leak rules on drafts the generators build from the bundled case reports: mask where the
// sentence stays useful, drop it otherwise; the question's own wording cannot be dropped.
import { describe, it, expect } from 'vitest';
import { filterField } from '../../pipeline/filter/stage.ts';
import { rulesFor } from '../../pipeline/filter/rules.ts';
import { createCodeFinder } from '../../pipeline/leakage/code-finder.ts';
import { copiedRuns, findingOverlap } from '../../pipeline/leakage/overlap.ts';
import { generateTreatment } from '../../pipeline/generate/treatment.ts';
import { generateExamination } from '../../pipeline/generate/examination.ts';
import type { QuestionDraft, VisiblePart } from '../../schemas/question.ts';
import { lexicon, realMaterial } from '../generate/helpers.ts';

const T = { captionShingleWords: 4, findingOverlap: 0.6 };
const part = (text: string, i: number): VisiblePart => ({ sep: i ? ' ' : '', text, sentence: { sectionId: 's', index: i, start: i * 100, end: i * 100 + text.length, text } });

describe('treatment leak rules', () => {
  const r = generateTreatment(realMaterial('PMC4739221', 1));
  if (!r.ok) throw new Error(r.reason);
  const rules = rulesFor(r.draft, lexicon, createCodeFinder(lexicon), T);

  it('a drug of the answer is masked where the sentence stays useful; spans are field offsets', () => {
    const parts = [part('He was well until March.', 0), part('He had been given prednisolone eye drops by an ophthalmologist for a short time.', 1)];
    const f = filterField('context', parts, rules, r.draft.id, '[MASKED]', 0.5);
    expect(f.text).toBe('He was well until March. He had been given [MASKED] eye drops by an ophthalmologist for a short time.');
    expect(f.decisions).toMatchObject([{ action: 'mask', reason: 'leak_treatment_in_context', field: 'context', matchedText: 'prednisolone' }]);
    const [s, e] = f.decisions[0].span!;
    expect(parts.map((p, i) => (i ? p.sep : '') + p.text).join('').slice(s, e)).toBe('prednisolone');
  });

  it('a sentence that masking would gut is dropped, with the masks recorded as exclusions', () => {
    const f = filterField('context', [part('Sarcoidosis and prednisolone.', 0), part('The swelling persisted for weeks.', 1)], rules, r.draft.id, '[MASKED]', 0.5);
    expect(f.text).toBe('The swelling persisted for weeks.');
    expect(f.dropped).toBe(1);
    expect(f.decisions.map((d) => [d.action, d.reason])).toEqual([['exclude', 'leak_answer_in_context'], ['exclude', 'leak_treatment_in_context'], ['exclude', 'leak_sentence_dropped']]);
  });

  it('a final diagnosis told in words no lexicon holds is dropped; first impressions, differentials and past illnesses stay', () => {
    const parts = [
      part('He was first thought to have blepharitis.', 0),
      part("We finally diagnosed an incomplete form of Loeffler-Weiss syndrome in him.", 1), // an eponym no lexicon holds
      part('A diagnosis of Crohn disease was not confirmed.', 2),
      part('He had a history of chronic pancreatitis.', 3),
    ];
    const f = filterField('context', parts, rules, r.draft.id, '[MASKED]', 0.5);
    expect(f.text).not.toContain('Loeffler');
    expect(f.text).toContain('blepharitis');
    expect(f.text).toContain('Crohn disease was not confirmed');
    expect(f.text).toContain('pancreatitis');
    expect(f.decisions.filter((d) => d.reason === 'leak_diagnosis_statement').map((d) => [d.action, d.matchedText])).toEqual([['exclude', 'Loeffler-Weiss syndrome']]);
    // the diagnosis track itself is cut before the statement instead: the rule is not one of its rules
    expect(rulesFor({ ...r.draft, track: 'diagnosis' } as unknown as QuestionDraft, lexicon, null, T).map((x) => x.rule)).not.toContain('filter.leak.diagnosis_statement');
  });

  it('a leak in the question’s own wording cannot be dropped: it is returned for the stage to drop the question', () => {
    const f = filterField('question', [{ sep: '', text: 'Copied words: hyperpigmented plaques elevated lesions seen before', sentence: null }],
      [{ rule: 'x', sentencesOnly: false, find: (t) => copiedRuns(t, 'Hyperpigmented plaques (elevated lesions) seen before commencement', 4).map((h) => ({ ...h, form: 'c', reason: 'leak_caption_text', rule: 'filter.leak.caption', action: 'drop_sentence' as const })) }],
      'q', '[MASKED]', 0.5);
    expect(f.fixedLeak?.reason).toBe('leak_caption_text');
  });
});

describe('examination leak rules', () => {
  const r = generateExamination(realMaterial('PMC4735894', 1));
  if (!r.ok) throw new Error(r.reason);
  const rules = rulesFor(r.draft, lexicon, createCodeFinder(lexicon), T);
  it('a key test with a result, or a measured value, drops its sentence; a key test alone is masked', () => {
    const f = filterField('question', [
      part('She had a transthoracic echocardiography at another hospital that showed a mass.', 0),
      part('Her haemoglobin was 9.1 g/dL last month.', 1),
      part('Her family asked whether an echocardiography would be needed.', 2),
      { sep: '\n\n', text: 'Which investigations would you order next?', sentence: null },
    ], rules, r.draft.id, '[MASKED]', 0.5);
    expect(f.text).toBe('Her family asked whether an [MASKED] would be needed.\n\nWhich investigations would you order next?');
    expect(f.decisions.filter((d) => d.reason === 'leak_test_result_in_question').map((d) => [d.action, d.matchedText])).toEqual([['exclude', 'transthoracic echocardiography'], ['exclude', '9.1 g/dL']]);
    expect(f.decisions.filter((d) => d.action === 'mask').map((d) => d.reason)).toEqual(['leak_key_test_in_question']);
  });
});

describe('overlap scores', () => {
  it('caption runs and finding overlap', () => {
    expect(copiedRuns('we saw the enlarged right parotid gland again', 'showing the enlarged right parotid gland and areas', 4).map((x) => x.text)).toEqual(['the enlarged right parotid gland']);
    expect(copiedRuns('of the right and the left', 'of the right and the left side', 4)).toEqual([]);   // function words only
    expect(findingOverlap('An enlarged right parotid gland with hypoechoic areas was seen.', 'Ultrasound showed an enlarged right parotid gland interspersed with hypoechoic areas')).toBeGreaterThan(0.6);
    expect(findingOverlap('She had swelling of the right parotid gland.', 'Ultrasound showed an enlarged right parotid gland interspersed with hypoechoic areas')).toBeLessThan(0.6);
  });
});
