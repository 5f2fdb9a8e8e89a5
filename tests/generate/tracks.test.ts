// The treatment, cross-image and examination generators on the bundled case reports (read from ../shared),
// and on hand-made sentences where a rule needs a case the corpus lacks.
import { describe, it, expect } from 'vitest';
import { generateTreatment, doseAfter, routeNear, findTreatmentStart } from '../../pipeline/generate/treatment.ts';
import { generateCrossImage, relationOf, unitsOf } from '../../pipeline/generate/cross-image.ts';
import { generateExamination } from '../../pipeline/generate/examination.ts';
import { onePatient } from '../../pipeline/generate/selection.ts';
import { DraftOf, QuestionDraft } from '../../schemas/question.ts';
import { realMaterial, sent, syntheticMaterial } from './helpers.ts';
import type { CaseMaterial } from '../../pipeline/generate/material.ts';

const draftOk = <T,>(r: { ok: true; draft: T } | { ok: false; reason: string }): T => {
  if (!r.ok) throw new Error(`dropped: ${r.reason}`);
  return r.draft;
};

/** Every evidence pointer resolves: images shown or withheld; sentence spans inside the stored sentence; caption spans inside the caption. */
function pointersResolve(m: CaseMaterial, d: QuestionDraft): void {
  const ids = new Set([...d.images.map((i) => i.imageId), ...d.withheld.map((w) => w.imageId)]);
  const sources = d.track === 'treatment' ? [...d.mustInclude, ...d.mustNot].map((i) => i.source)
    : d.track === 'examination' ? [...d.keyTests.map((k) => k.source), ...d.redFlags.map((f) => f.source), ...d.mustNot.map((f) => f.source)]
      : d.track === 'cross-image' ? d.mainline.flatMap((c) => c.sources) : [];
  if (d.track === 'cross-image') for (const c of d.mainline) for (const i of c.images) expect(ids.has(i), i).toBe(true);
  if (d.track === 'examination') for (const k of d.keyTests) for (const i of k.withheldImages) expect(d.withheld.some((w) => w.imageId === i)).toBe(true);
  for (const s of sources) {
    if (s.kind === 'sentence') {
      const sentence = m.sentences.find((x) => x.index === s.sentence)!;
      expect([sentence.start, sentence.end]).toEqual([s.sentenceStart, s.sentenceEnd]);
      expect(s.start).toBeGreaterThanOrEqual(s.sentenceStart);
      expect(s.end).toBeLessThanOrEqual(s.sentenceEnd);
      expect(sentence.text.slice(s.start - sentence.start, s.end - sentence.start)).toBe(s.text);
    } else {
      const fig = m.figures.find((f) => f.id === s.figureId)!;
      expect(fig.caption.slice(s.start, s.end)).toBe(s.text);
    }
  }
  expect(QuestionDraft.safeParse(d).success).toBe(true);
}

describe('treatment track', () => {
  it('PMC4739221 case 1: cut before the first treatment; the drug with its dose is the rubric, tied to its sentence', () => {
    const m = realMaterial('PMC4739221', 1);
    const d = draftOk(generateTreatment(m)) as DraftOf<'treatment'>;
    expect(d.id).toMatch(/^tx-PMC4739221-c1-[0-9a-f]{8}$/);
    expect(d.cut?.reason).toBe('first_treatment_sentence');
    expect(d.cut?.sentence?.text).toContain('prednisolone 40 mg');
    const drug = d.mustInclude.find((i) => i.kind === 'drug')!;
    expect(drug).toMatchObject({ name: 'Prednisolone', dose: '40 mg per day' });
    expect(drug.conceptIds.some((c) => c.startsWith('drugbank:'))).toBe(true);
    // the context stops before it: the drug is not named in what the model reads
    expect(d.context).not.toMatch(/prednisolone/i);
    // the drug's other names are leak terms for the filter
    expect(d.trackTerms.map((t) => t.form.toLowerCase())).toContain('prednisolone');
    // the other case's figures are not this case's
    expect(d.withheld.map((w) => w.reason)).toEqual(['not_referenced_in_case', 'not_referenced_in_case']);
    pointersResolve(m, d);
  });

  it('images first referenced after treatment started are withheld (PMC4738724: postoperative MRI, tumour histology)', () => {
    const m = realMaterial('PMC4738724', 1);
    const d = draftOk(generateTreatment(m)) as DraftOf<'treatment'>;
    expect(d.images.map((i) => i.figureId)).toEqual(['fig1', 'fig2']);
    expect(d.withheld.map((w) => [w.figureId, w.reason])).toEqual([['fig3', 'taken_after_treatment_start'], ['fig4', 'taken_after_treatment_start']]);
    expect(d.mustInclude.map((i) => i.name.toLowerCase())).toContain('cabergoline');
    pointersResolve(m, d);
  });

  it('a caption that shows the course after treatment withholds the image even when it is cited before (PMC4736318)', () => {
    const r = generateTreatment(realMaterial('PMC4736318', 1));
    expect(r).toMatchObject({ ok: false, reason: 'no_images' });
  });

  it('doses, routes, follow-up and what the case says was contraindicated', () => {
    expect(doseAfter('prednisolone at 60 mg per day, with the dose tapered', 12)).toBe('60 mg per day');
    expect(routeNear('Oral steroid treatment (dexamethasone 8 mg daily) began', 24, 37)).toBe('oral');
    const m = syntheticMaterial([
      sent(0, 'A 30-year-old woman presented with bloody diarrhoea.'),
      sent(1, 'Colonoscopy showed diffuse colitis.', 'imaging', [{ figureId: 'fig1', panels: [], surface: 'Figure 1' }]),
      sent(2, 'Biopsies showed crypt abscesses (Figure 1).', 'pathology', [{ figureId: 'fig1', panels: [], surface: 'Figure 1' }]),
      sent(3, 'She was started on mesalamine 2 g daily orally.', 'treatment'),
      sent(4, 'Infliximab was contraindicated because of latent tuberculosis.', 'treatment'),
      sent(5, 'She was followed up every 3 months with colonoscopy.', 'outcome'),
    ], { code: '771', name: 'Ulcerative colitis', figures: [{ id: 'fig1', label: 'Figure 1', caption: 'Crypt abscesses.' }] });
    expect(findTreatmentStart(m)?.index).toBe(3);
    const d = draftOk(generateTreatment(m)) as DraftOf<'treatment'>;
    expect(d.mustInclude.map((i) => [i.kind, i.name.toLowerCase(), i.dose, i.route])).toEqual([
      ['drug', 'mesalamine', '2 g daily', 'oral'],
      ['follow_up', 'followed up', null, null],
    ]);
    expect(d.mustNot).toMatchObject([{ item: 'Infliximab', reason: 'contraindicated' }]);
    pointersResolve(m, d);
  });

  it('a treatment told as past history is context, not the cut ("had been treated … years ago")', () => {
    const m = syntheticMaterial([
      sent(0, 'A 50-year-old man presented with fever and a new murmur.'),
      sent(1, 'He had received amoxicillin for a dental abscess 3 years ago.'),
      sent(2, 'Echocardiography showed a vegetation on the mitral valve (Figure 1).', 'imaging', [{ figureId: 'fig1', panels: [], surface: 'Figure 1' }]),
      sent(3, 'Blood cultures grew streptococci.', 'laboratory'),
      sent(4, 'He was treated with intravenous ceftriaxone for 6 weeks.', 'treatment'),
    ], { code: '570762', name: 'Infective endocarditis', figures: [{ id: 'fig1', label: 'Figure 1', caption: 'Vegetation.' }] });
    expect(findTreatmentStart(m)?.index).toBe(4);
  });
});

describe('cross-image track', () => {
  it('PMC4736318: panels addressed one by one count as images; before vs after treatment is a contrast', () => {
    const m = realMaterial('PMC4736318', 1);
    const units = unitsOf(m);
    expect(units.filter((u) => u.fig.id === 'fig1').map((u) => u.panel)).toEqual(['A', 'B']);
    const d = draftOk(generateCrossImage(m)) as DraftOf<'cross-image'>;
    expect(d.id).toMatch(/^xi-PMC4736318-c1-/);
    expect(d.images.length).toBeGreaterThanOrEqual(2);
    expect(d.images.map((i) => i.label)).toEqual(d.images.map((_, k) => `Image ${k + 1}`));
    expect(d.relation).toMatchObject({ type: 'contrast', rule: 'relation.contrast.timepoint' });
    expect(d.question).toContain('panels A and B of one figure');
    // every claim points at a shown image, its sentence and its caption piece
    for (const c of d.mainline) expect(c.sources.map((s) => s.kind).sort()).toEqual(['caption', 'sentence']);
    expect(d.forbiddenText.some((f) => f.source === 'caption')).toBe(true);
    pointersResolve(m, d);
  });

  it('the relation rules, in order', () => {
    const m = realMaterial('PMC4739447', 1);   // CT then renal angiography: different findings, no time words
    const d = draftOk(generateCrossImage(m)) as DraftOf<'cross-image'>;
    expect(d.relation.type).toBe('complement');
    pointersResolve(m, d);
    const m2 = realMaterial('PMC4739221', 1);  // ultrasound and PET both show the parotid gland
    expect((draftOk(generateCrossImage(m2)) as DraftOf<'cross-image'>).relation).toMatchObject({ type: 'confirm', rule: 'relation.confirm.same_finding' });
    const u = unitsOf(m2);
    expect(relationOf(u.slice(0, 1).concat(u.slice(1, 2))).type).toBe('confirm');
  });

  it('needs two related images', () => {
    const one = generateCrossImage(realMaterial('PMC4739210', 1));
    expect(one).toMatchObject({ ok: false, reason: 'too_few_images' });
  });
});

describe('examination track', () => {
  it('PMC4735894: the presenting complaint is the question, the work-up after the first image is the answer, its images withheld', () => {
    const m = realMaterial('PMC4735894', 1);
    const d = draftOk(generateExamination(m)) as DraftOf<'examination'>;
    expect(d.id).toMatch(/^ex-PMC4735894-c1-/);
    expect(d.context).toBe('');
    expect(d.question).toContain('presented');
    expect(d.keyTests.map((k) => k.name)).toEqual(['Echocardiography', 'Transesophageal Echocardiography']);
    expect(d.keyTests.map((k) => k.order)).toEqual([1, 2]);
    const produced = d.withheld.filter((w) => w.reason === 'produced_by_expected_test').map((w) => w.imageId);
    expect(produced).toEqual(['PMC4735894-fig2-1']);
    expect(d.keyTests.flatMap((k) => k.withheldImages)).toEqual(produced);
    // no key test is named in the question
    for (const k of d.keyTests) expect(d.question.toLowerCase()).not.toContain(k.surface.toLowerCase());
    pointersResolve(m, d);
  });

  it('laboratory measurements named by their analyte are key tests too; bedside findings are not (PMC4738733)', () => {
    const m = realMaterial('PMC4738733', 1);
    const d = draftOk(generateExamination(m)) as DraftOf<'examination'>;
    const names = d.keyTests.map((k) => k.name);
    expect(names).toContain('serum albumin');
    expect(names).toContain('Urinalysis');
    expect(names.some((n) => /pressure|cell|leuk/i.test(n))).toBe(false);
    pointersResolve(m, d);
  });
});

describe('case selection', () => {
  it('one patient per case', () => {
    expect(onePatient([sent(0, 'A 40-year-old woman presented with a rash.'), sent(1, 'Her 12-year-old son had the same rash.')])).toEqual({ ok: true });
    expect(onePatient([sent(0, 'A 40-year-old woman presented with a rash.'), sent(1, 'A 12-year-old boy presented with fever.')])).toMatchObject({ ok: false });
    expect(onePatient([sent(0, 'Two siblings were referred.'), sent(1, 'Both patients had seizures.')])).toMatchObject({ ok: false });
  });
});
