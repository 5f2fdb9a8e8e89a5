// The diagnosis-track builder on sentences from the bundled case reports.
import { describe, it, expect } from 'vitest';
import { sharedSlice } from '../shared-data.ts';
import { generateDiagnosis, findDecisionPoint, relabelRefs } from '../../pipeline/generate/diagnosis.ts';
import { answerTerms, baseEntity, definedShortForms } from '../../pipeline/leakage/terms.ts';
import type { Sentence } from '../../schemas/article.ts';
import { lexicon as lex, sent, syntheticMaterial } from './helpers.ts';

// PMC4738733 (multiple myeloma): an earlier "diagnosis" sentence names another disease
const MM: Sentence[] = [
  sent(0, 'A 64-year-old female with past medical history of hyperlipidemia, osteoporosis, and diverticulosis presented to the emergency department with worsening abdominal pain.'),
  sent(1, sharedSlice('pmc/articles/PMC4738733.nxml', 5719, 5852)),
  sent(2, sharedSlice('pmc/articles/PMC4738733.nxml', 5853, 5995), 'diagnosis'),
  sent(3, sharedSlice('pmc/articles/PMC4738733.nxml', 5996, 6091), 'laboratory'),
  sent(4, 'An abdominal computed tomography revealed a retroperitoneal hematoma (Figure 1).', 'imaging', [{ figureId: 'fig1', panels: [], surface: 'Figure 1' }]),
  sent(5, sharedSlice('pmc/articles/PMC4738733.nxml', 10999, 11250), 'diagnosis'),
  sent(6, 'She received bortezomib.', 'treatment', [{ figureId: 'fig2', panels: [], surface: 'Figure 2' }]),
];

const FIGS = [{ id: 'fig1', label: 'Figure 1', caption: '' }, { id: 'fig2', label: 'Figure 2', caption: '' }];
const input = (sentences: Sentence[], code: string, name: string, extra: Partial<Parameters<typeof syntheticMaterial>[1]> = {}) =>
  syntheticMaterial(sentences, { code, name, figures: FIGS, ...extra });

describe('diagnosis question builder', () => {
  it('cuts before the first sentence naming the answer, not at an earlier diagnosis of something else', () => {
    const i = input(MM, '29073', 'Multiple myeloma');
    expect(findDecisionPoint(i)).toEqual({ index: 5, reason: 'sentence_names_answer' });
    const r = generateDiagnosis(i);
    if (!r.ok) throw new Error(r.reason);
    expect(r.draft.contextSentences.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
    expect(r.draft.id).toMatch(/^dx-PMC1-c1-[0-9a-f]{8}$/);
    expect(r.draft.context).toContain('retroperitoneal hematoma (Image 1).');
    expect(r.draft.context).not.toMatch(/myeloma/i);
    // the figure cited only from a treatment sentence is left out, and recorded as withheld with a reason
    expect(r.draft.images.map((x) => x.figureId)).toEqual(['fig1']);
    expect(r.draft.withheld).toMatchObject([{ figureId: 'fig2', reason: 'shows_course_after_diagnosis' }]);
    expect(r.draft.question).toContain('Image 1');
  });

  it('drops a case whose context before the cut is too short, and one without images', () => {
    const short = generateDiagnosis(input([MM[0], MM[5]], '29073', 'Multiple myeloma'));
    expect(short).toMatchObject({ ok: false, reason: 'context_too_short' });
    const noImages = generateDiagnosis({ ...input(MM, '29073', 'Multiple myeloma'), images: [] });
    expect(noImages).toMatchObject({ ok: false, reason: 'no_images' });
  });

  it('references are replaced by offset; things not shown become neutral words, or vanish alone in brackets', () => {
    const labels = new Map([['fig1', 'Image 1'], ['fig2', 'Image 2']]);
    const kinds = new Map([['fig1', 'figure'], ['fig2', 'figure'], ['tab1', 'table'], ['fig9', 'figure']]);
    // PMC4745306 wording
    const t1 = sharedSlice('pmc/articles/PMC4745306.nxml', 7350, 7451);
    expect(relabelRefs(t1, [{ figureId: 'tab1', start: 52, end: 59 }], labels, kinds)).toBe('Her initial investigations results were as shown in a table (not shown).');
    const t2 = 'Renal and liver function tests were all normal (Table 1).';
    expect(relabelRefs(t2, [{ figureId: 'tab1', start: 48, end: 55 }], labels, kinds)).toBe('Renal and liver function tests were all normal.');
    // PMC4736760's "(Figures 1, 2, and 3)": the reference "3" must not touch the other 3s
    const t3 = 'A 23-year-old man had a 13 cm cyst and 3 prior operations (Figures 1, 2, and 3).';
    const open = t3.indexOf('Figures');
    const refs = [{ figureId: 'fig1', start: open, end: open + 12 }, { figureId: 'fig2', start: open, end: open + 12 }, { figureId: 'fig9', start: t3.lastIndexOf('3'), end: t3.lastIndexOf('3') + 1 }];
    expect(relabelRefs(t3, refs, labels, kinds)).toBe('A 23-year-old man had a 13 cm cyst and 3 prior operations (Image 1 and Image 2, and an image (not shown)).');
  });

  it('masks the entity a qualified answer is a form of, and short forms the article defines', () => {
    expect(baseEntity('Cushing syndrome due to ectopic ACTH secretion')).toBe('Cushing syndrome');
    expect(baseEntity('Pseudohypoaldosteronism type 1')).toBe('Pseudohypoaldosteronism');
    expect(baseEntity('Sporotrichosis')).toBeNull();
    const terms = answerTerms(lex, '99889', 'Cushing syndrome due to ectopic ACTH secretion', []).terms;
    // PMC4745306: "... Cushing's syndrome (CS) ..."
    const text = 'Ectopic adrenocorticotropic hormone secretion accounts for 10% of Cushing\'s syndrome (CS) cases.';
    expect(definedShortForms([text], terms)).toEqual([{ form: 'CS', source: 'parent' }]);
    expect(definedShortForms(['The computed tomography (CT) was normal.'], terms)).toEqual([]);
  });
});
