// Golden expectations for 23 real case reports, written by reading each article's JATS (section titles,
// figure captions, the text around every <xref ref-type="fig">), not by copying parser output.
// Sentence ranges: an independent crude count of sentence ends in the case sections' text
// ("[.!?] followed by a capitalised word"), widened to about −20 % / +30 %, spot-checked by reading.
import { describe, expect, it } from 'vitest';
import type { ParsedArticle } from '../../schemas/article.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { readArticle } from './corpus.ts';

interface CaseExp { label: RegExp; titles: string[]; sentences: [number, number] }
interface FigExp { label: string; panels: string; modality?: string }
/** [figure label, panels, case number]: some sentence of that case cites the figure with exactly these panels. */
type RefExp = [string, string, number];
interface Golden { pmcid: string; cases: CaseExp[]; figures: FigExp[]; refs: RefExp[]; notCase?: string[]; citedOutsideCase?: string[] }

const G: Golden[] = [
  {
    pmcid: 'PMC4739221',
    cases: [
      { label: /^Case\s+1$/, titles: ['2.1. Case  1'], sentences: [15, 25] },
      { label: /^Case\s+2$/, titles: ['2.2. Case  2'], sentences: [13, 21] },
    ],
    notCase: ['2. Case Presentation', '3. Discussion'],
    figures: [
      { label: 'Figure 1', panels: '', modality: 'ultrasound' }, { label: 'Figure 2', panels: '', modality: 'PET' },
      { label: 'Figure 3', panels: '', modality: 'histopathology' }, { label: 'Figure 4', panels: '' }, { label: 'Figure 5', panels: '', modality: 'PET' },
    ],
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1], ['Figure 3', '', 1], ['Figure 4', '', 2], ['Figure 5', '', 2]],
  },
  {
    pmcid: 'PMC4737442',
    cases: [
      { label: /^Case I$/, titles: ['2. Case I'], sentences: [12, 20] },
      { label: /^Case II$/, titles: ['3. Case II'], sentences: [13, 21] },
    ],
    figures: [{ label: 'Figure 1', panels: '', modality: 'CT' }, { label: 'Figure 2', panels: '', modality: 'CT' }, { label: 'Figure 3', panels: '', modality: 'CT' }],
    refs: [['Figure 1', '', 1], ['Figure 3', '', 2]],
  },
  {
    pmcid: 'PMC4745326',
    cases: [
      { label: /Clinical Case #1/, titles: ['2.1. Clinical Case #1'], sentences: [20, 32] },
      { label: /Clinical Case #2/, titles: ['2.2. Clinical Case #2'], sentences: [15, 25] },
    ],
    notCase: ['2. Case Presentations', '3. Materials and Methods', '4. Results'],
    figures: [
      { label: 'Figure 1', panels: 'AB' }, { label: 'Figure 2', panels: 'AB', modality: 'histopathology' }, { label: 'Figure 3', panels: 'AB' },
      { label: 'Figure 4', panels: '' }, { label: 'Figure 5', panels: '' },
    ],
    refs: [['Figure 1', 'A', 1], ['Figure 1', 'B', 1]],
  },
  {
    pmcid: 'PMC4738710',
    cases: [{ label: /Case Presentation/, titles: ['2. Case Presentation', '3. Investigations', '4. Differential Diagnosis', '5. Treatment', '6. Outcome and Follow-Up'], sentences: [40, 70] }],
    notCase: ['1. Introduction', '7. Discussion', 'Learning Points'],
    figures: [{ label: 'Figure 1', panels: '' }, { label: 'Figure 2', panels: '' }, { label: 'Figure 3', panels: '' }, { label: 'Figure 4', panels: '', modality: 'X-ray' }],
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1], ['Figure 3', '', 1], ['Figure 4', '', 1]],
  },
  {
    pmcid: 'PMC4745306',
    cases: [{ label: /Case Presentation/, titles: ['2. Case Presentation', '3. Investigations', '4. Treatment'], sentences: [15, 30] }],
    notCase: ['5. Discussion'],
    figures: [
      { label: '', panels: '' }, { label: 'Figure 1', panels: '', modality: 'immunohistochemistry' }, { label: 'Figure 2', panels: '', modality: 'histopathology' },
      { label: 'Table 1', panels: '' }, { label: 'Table 2', panels: '' }, { label: 'Table 3', panels: '' },
    ],
    refs: [['Table 1', '', 1], ['Table 2', '', 1], ['Table 3', '', 1], ['Figure 2', '', 1]],
    citedOutsideCase: ['Figure 1'], // "…confirming the diagnosis (Figure 1)" is in 5. Discussion
  },
  {
    pmcid: 'PMC4739453',
    cases: [{ label: /Case Presentation/, titles: ['2. Case Presentation', '2.1. History and Examination', '2.2. Operation', '2.3. Postoperative Course'], sentences: [28, 50] }],
    figures: [{ label: 'Figure 1', panels: 'AB', modality: 'X-ray' }, { label: 'Figure 2', panels: '', modality: 'MRI' }, { label: 'Figure 3', panels: 'AB', modality: 'CT' }, { label: 'Figure 4', panels: 'AB', modality: 'X-ray' }],
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1], ['Figure 3', 'A', 1], ['Figure 3', 'B', 1], ['Figure 4', '', 1]],
  },
  {
    pmcid: 'PMC4739210',
    cases: [{ label: /Case Presentation/, titles: ['1. Case Presentation'], sentences: [15, 25] }],
    figures: [{ label: 'Figure 1', panels: '', modality: 'PET' }],
    refs: [['Figure 1', '', 1]],
  },
  {
    pmcid: 'PMC4738737',
    cases: [{ label: /Case History/, titles: ['2. Case History'], sentences: [12, 20] }],
    figures: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({ label: `Figure ${n}`, panels: '' })),
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1], ['Figure 3', '', 1], ['Figure 4', '', 1], ['Figure 5', '', 1], ['Figure 6', '', 1], ['Figure 7', '', 1], ['Figure 8', '', 1], ['Figure 9', '', 1]],
  },
  {
    pmcid: 'PMC4745305',
    cases: [{ label: /Case Report/, titles: ['2. Case Report'], sentences: [20, 32] }],
    figures: [{ label: 'Figure 1', panels: '' }],
    refs: [['Figure 1', '', 1]],
  },
  {
    pmcid: 'PMC4738949',
    cases: [{ label: /Case Presentation/, titles: ['2. Case Presentation'], sentences: [24, 38] }],
    figures: [{ label: 'Figure 1', panels: 'AB', modality: 'CT' }, { label: 'Figure 2', panels: '', modality: 'CT' }, { label: 'Figure 3', panels: 'ABCDE', modality: 'X-ray' }, { label: 'Figure 4', panels: '', modality: 'CT' }],
    refs: [['Figure 1', 'AB', 1], ['Figure 2', 'ABC', 1], ['Figure 3', 'ABCD', 1], ['Figure 3', 'E', 1], ['Figure 4', '', 1]],
  },
  {
    pmcid: 'PMC4738934',
    cases: [{ label: /Case Report/, titles: ['2. Case Report'], sentences: [15, 25] }],
    figures: [
      { label: 'Figure 1', panels: 'AB', modality: 'angiography' }, { label: 'Figure 2', panels: '' }, { label: 'Figure 3', panels: '' }, { label: 'Figure 4', panels: '' },
      { label: 'Figure 5', panels: '' }, { label: 'Figure 6', panels: '', modality: 'ultrasound' }, { label: 'Figure 7', panels: 'AB', modality: 'MRI' },
      { label: 'Figure 8', panels: '', modality: 'ultrasound' }, { label: 'Figure 9', panels: 'AB' },
    ],
    refs: [['Figure 1', 'A', 1], ['Figure 1', 'B', 1], ['Figure 2', '', 1], ['Figure 6', '', 1], ['Figure 7', 'AB', 1], ['Figure 8', '', 1], ['Figure 9', 'AB', 1]],
  },
  {
    pmcid: 'PMC4736807',
    cases: [{ label: /Case Presentation/, titles: ['2. Case Presentation'], sentences: [10, 18] }],
    figures: [{ label: 'Figure 1', panels: 'ABCD', modality: 'angiography' }, { label: 'Figure 2', panels: 'ABCD', modality: 'CT' }, { label: 'Figure 3', panels: 'ABCD', modality: 'MRI' }],
    refs: [['Figure 1', 'AB', 1], ['Figure 1', 'CD', 1], ['Figure 2', '', 1], ['Figure 3', '', 1]],
  },
  {
    pmcid: 'PMC6358576',
    cases: [{ label: /Case Report/, titles: ['Case Report'], sentences: [6, 12] }],
    notCase: ['Introduction', 'Discussion', 'Disclosures'],
    figures: [{ label: 'Figure 1', panels: '', modality: 'CT' }, { label: 'Figure 2', panels: 'AB', modality: 'endoscopy' }, { label: 'Figure 3', panels: 'ABC', modality: 'endoscopy' }],
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1], ['Figure 3', '', 1]],
  },
  {
    pmcid: 'PMC6358579',
    cases: [{ label: /Case Report/, titles: ['Case Report'], sentences: [16, 28] }],
    figures: [{ label: 'Figure 1', panels: '', modality: 'endoscopy' }, { label: 'Figure 2', panels: 'AB', modality: 'histopathology' }, { label: 'Figure 3', panels: '', modality: 'endoscopy' }, { label: 'Figure 4', panels: 'AB', modality: 'histopathology' }],
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1], ['Figure 3', '', 1], ['Figure 4', '', 1]],
  },
  {
    pmcid: 'PMC4736318',
    cases: [{ label: /Case Report/, titles: ['2. Case Report'], sentences: [23, 37] }],
    figures: [{ label: 'Figure 1', panels: 'AB', modality: 'dermatology photo' }, { label: 'Figure 2', panels: 'ABCD', modality: 'histopathology' }, { label: 'Table 1', panels: '' }],
    refs: [['Figure 1', 'A', 1], ['Figure 1', 'B', 1], ['Figure 2', '', 1], ['Table 1', '', 1]],
  },
  {
    pmcid: 'PMC4745294',
    cases: [{ label: /Clinical Case/, titles: ['2. Clinical Case'], sentences: [20, 33] }],
    figures: [{ label: 'Table 1', panels: '' }, { label: 'Table 2', panels: '' }],
    refs: [['Table 1', '', 1], ['Table 2', '', 1]],
  },
  {
    pmcid: 'PMC4736312',
    cases: [{ label: /Case Summary/, titles: ['2. Case Summary'], sentences: [28, 46] }],
    figures: [],
    refs: [],
  },
  {
    pmcid: 'PMC4745314',
    cases: [{ label: /Presentation of the Case/, titles: ['2. Presentation of the Case'], sentences: [19, 31] }],
    notCase: ['1. Background', '3. Discussion', '4. Conclusion'],
    figures: [{ label: 'Figure 1', panels: '', modality: 'X-ray' }, { label: 'Figure 2', panels: '', modality: 'ultrasound' }],
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1]],
  },
  {
    pmcid: 'PMC4739215',
    cases: [{ label: /Case Description/, titles: ['2. Case Description'], sentences: [25, 41] }],
    figures: [{ label: 'Figure 1', panels: 'ABC', modality: 'histopathology' }, { label: 'Figure 2', panels: '', modality: 'histopathology' }, { label: 'Figure 3', panels: '', modality: 'histopathology' }],
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1], ['Figure 3', '', 1]],
  },
  {
    pmcid: 'PMC4735908',
    cases: [{ label: /Case Report/, titles: ['2. Case Report'], sentences: [19, 31] }],
    figures: [{ label: 'Figure 1', panels: 'ABCDEFGHI' }],
    refs: [['Figure 1', 'AB', 1], ['Figure 1', 'CD', 1], ['Figure 1', 'EF', 1], ['Figure 1', 'GHI', 1]],
  },
  {
    pmcid: 'PMC4738724',
    cases: [{ label: /Case Report/, titles: ['2. Case Report'], sentences: [14, 24] }],
    figures: [
      { label: 'Figure 1', panels: 'AB', modality: 'CT' }, { label: 'Figure 2', panels: 'ABC', modality: 'MRI' }, { label: 'Figure 3', panels: 'AB', modality: 'MRI' },
      { label: 'Figure 4', panels: 'ABCD', modality: 'immunohistochemistry' }, { label: 'Table 1', panels: '' }, { label: '(a)', panels: '' }, { label: '(b)', panels: '' },
    ],
    refs: [['Figure 1', 'AB', 1], ['Figure 2', 'ABC', 1], ['Figure 3', 'AB', 1], ['Figure 4', 'ABCD', 1], ['Table 1', '', 1]],
  },
  {
    pmcid: 'PMC4737441',
    cases: [{ label: /Case Report/, titles: ['2. Case Report'], sentences: [12, 20] }],
    figures: [{ label: '', panels: '' }, { label: '', panels: '' }, { label: 'Figure 1', panels: 'AB', modality: 'angiography' }, { label: 'Figure 2', panels: 'AB', modality: 'angiography' }],
    refs: [['Figure 1', '', 1], ['Figure 2', '', 1]],
  },
  {
    pmcid: 'PMC4735894',
    cases: [{ label: /Case Report/, titles: ['2. Case Report'], sentences: [18, 30] }],
    figures: [{ label: 'Figure 1', panels: '', modality: 'ECG/EEG' }, { label: 'Figure 2', panels: 'AB', modality: 'ultrasound' }, { label: 'Figure 3', panels: '', modality: 'clinical photo' }],
    refs: [['Figure 1', '', 1], ['Figure 2', 'A', 1], ['Figure 2', 'B', 1], ['Figure 3', '', 1]],
  },
];

function parsed(pmcid: string): ParsedArticle {
  const r = parseJats(readArticle(pmcid));
  if (!r.ok) throw new Error(`${pmcid}: ${r.reason} ${r.detail}`);
  return r.article;
}

describe('golden: 23 real case reports', () => {
  it('covers at least 20 articles', () => expect(G.length).toBeGreaterThanOrEqual(20));
  for (const g of G) {
    describe(g.pmcid, () => {
      const a = parsed(g.pmcid);
      const titleOf = (id: string) => a.sections.find((s) => s.id === id)?.title ?? '?';
      it('case sections', () => {
        expect(a.cases.length).toBe(g.cases.length);
        g.cases.forEach((c, i) => {
          expect(a.cases[i].label).toMatch(c.label);
          expect(a.cases[i].sectionIds.map(titleOf).map((t) => t.replace(/\s+/g, ' '))).toEqual(c.titles.map((t) => t.replace(/\s+/g, ' ')));
        });
        for (const t of g.notCase ?? []) expect(a.sections.find((s) => s.title === t)?.kind, t).not.toBe('case');
      });
      it('sentence counts', () => {
        g.cases.forEach((c, i) => {
          const n = a.cases[i].sentences.length;
          expect(n, `case ${i + 1}`).toBeGreaterThanOrEqual(c.sentences[0]);
          expect(n, `case ${i + 1}`).toBeLessThanOrEqual(c.sentences[1]);
        });
      });
      it('figures, labels, panels, modality', () => {
        expect(a.figures.map((f) => f.label)).toEqual(g.figures.map((f) => f.label));
        g.figures.forEach((f, i) => {
          expect(a.figures[i].panels.map((p) => p.letter).join(''), f.label).toBe(f.panels);
          if (f.modality) expect(a.figures[i].modality.guess, f.label).toBe(f.modality);
        });
      });
      it('reference links', () => {
        for (const [label, panels, caseNo] of g.refs) {
          const fig = a.figures.find((f) => f.label === label);
          expect(fig, label).toBeDefined();
          const hits = a.cases[caseNo - 1].sentences.flatMap((s) => s.figureRefs).filter((r) => r.figureId === fig!.id && r.panels.join('') === panels);
          expect(hits.length, `${label}${panels} in case ${caseNo}`).toBeGreaterThan(0);
          expect(fig!.references.some((r) => r.panels.join('') === panels), `${label}${panels} in Figure.references`).toBe(true);
        }
        for (const label of g.citedOutsideCase ?? []) {
          const fig = a.figures.find((f) => f.label === label)!;
          const caseSecs = new Set(a.cases.flatMap((c) => c.sectionIds));
          expect(fig.references.length).toBeGreaterThan(0);
          expect(fig.references.every((r) => !caseSecs.has(r.sectionId))).toBe(true);
        }
      });
    });
  }
});
