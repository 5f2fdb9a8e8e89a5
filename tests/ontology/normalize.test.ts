import { sharedSlice } from '../shared-data.ts';
// Each normalisation rule, on real sentences from the case reports in ../shared/data (read by offset).
import { describe, expect, it } from 'vitest';
import { americanize, canonWord, foldChars, singular, tokenize } from '../../ontology/match/normalize.ts';
import { sideVariants } from '../../ontology/match/trie.ts';
import { matcher } from './helpers.ts';

const codes = (text: string) => matcher().match(text).map((m) => m.orphaCode);

describe('normalisation', () => {
  it('keeps an offset map: every token and mention points at its original surface', () => {
    const s = sharedSlice('pmc/articles/PMC4739223.nxml', 1391, 1479); // PMC4739223 title
    for (const t of tokenize(s)) expect(s.slice(t.start, t.end)).toBe(t.raw);
    const [m] = matcher().match(s);
    expect(m).toMatchObject({ orphaCode: '90308', text: 'Klippel-Trenaunay Syndrome', matchedForm: 'Klippel-Trénaunay syndrome', method: 'exact' });
    expect(s.slice(m.start, m.end)).toBe(m.text);
  });

  it('NFKC, diacritics and case: "Klippel-Trenaunay Syndrome" == lexicon "Klippel-Trénaunay syndrome"', () => {
    expect(foldChars('Trénaunay')).toBe('trenaunay');
    expect(foldChars('ﬁbrosis')).toBe('fibrosis'); // NFKC ligature
    expect(codes(sharedSlice('pmc/articles/PMC4739447.nxml', 1382, 1465))).toContain('767');
  });

  it('hyphen / space / slash variants', () => {
    // PMC4739223: hyphenated; the same name with a space matches too
    expect(codes(sharedSlice('pmc/articles/PMC4739223.nxml', 3996, 4059))).toContain('90308');
    expect(codes('Klippel Trenaunay syndrome is a rare complex malformation')).toContain('90308');
    // lexicon 'Left ventricular noncompaction' vs a hyphenated text word (PMC4736807 writes "noncompaction")
    expect(codes(sharedSlice('pmc/articles/PMC4736807.nxml', 4911, 4973))).toContain('54260');
    expect(codes('Left ventricular non-compaction is a myocardial disorder')).toContain('54260');
    expect(tokenize('venous/lymphatic malformations').map((t) => [t.norm, t.hyphenBefore])).toEqual([['venous', false], ['lymphatic', true], ['malformations', false]]);
  });

  it('Greek letters are spelled out: "TNF-α inhibitors" (PMC6358579)', () => {
    expect(tokenize('TNF-α inhibitors were contraindicated').map((t) => t.norm).slice(0, 2)).toEqual(['tnf', 'alpha']);
    expect(codes('α-thalassemia trait')).toContain('846'); // lexicon: Alpha-thalassemia
  });

  it('British and American spellings are equal', () => {
    expect(canonWord('haematological')).toBe(canonWord('hematological')); // PMC4738710
    expect(canonWord('tumours')).toBe(canonWord('tumors'));               // PMC4735908
    expect(canonWord('paediatric')).toBe(canonWord('pediatric'));         // PMC4736760
    expect(canonWord('anaemia')).toBe(canonWord('anemia'));               // PMC4738992
    expect(canonWord('oesophagus')).toBe(canonWord('esophagus'));
    expect(americanize('centre')).toBe('center');
    expect(americanize('haemoglobin')).toBe('hemoglobin');
    // PMC4738733: "Plasma cell leukaemia was excluded…" -> lexicon "Plasma cell leukemia"
    expect(matcher().match(sharedSlice('pmc/articles/PMC4738733.nxml', 8675, 8767))[0])
      .toMatchObject({ orphaCode: '454714', text: 'Plasma cell leukaemia', status: 'negated' });
  });

  it('roman and arabic numerals after "type": "type I … type II" (PMC4736312)', () => {
    const toks = tokenize(sharedSlice('pmc/articles/PMC4736312.nxml', 5901, 6036));
    expect(toks.filter((t, i) => i > 0 && toks[i - 1].norm === 'type').map((t) => t.norm)).toEqual(['1', '2']);
    // the pronoun "I" and "IV" (intravenous) stay words
    expect(tokenize('I gave IV fluids').map((t) => t.norm)).toEqual(['i', 'gave', 'iv', 'fluids']);
    expect(codes('established the diagnosis of PHA type I')).toContain('756');  // lexicon "PHA type 1"
    expect(codes('mucopolysaccharidosis type II')).toContain('580');            // lexicon "Mucopolysaccharidosis type 2"
  });

  it('possessives: "Heerfordt\'s", "Graves\'s", "Lemierre’s" (curly apostrophe)', () => {
    expect(canonWord("Graves's")).toBe('graves');  // PMC4737013
    // PMC6358581: sharedSlice('pmc/articles/PMC6358581.nxml', 11190, 11233) (a comparison: differential)
    expect(matcher().match(sharedSlice('pmc/articles/PMC6358581.nxml', 11190, 11293))[0])
      .toMatchObject({ orphaCode: '137839', text: 'Lemierre’s syndrome', status: 'differential' });
  });

  it('plural heads: "Ectopic ACTH secreting tumours" (PMC4745306) == "Ectopic ACTH secreting tumor"', () => {
    expect(singular('tumors')).toBe('tumor');
    expect(singular('neuropathies')).toBe('neuropathy');
    expect(singular('diabetes')).toBe('diabete'); // only tried as the last word of a lexicon form
    expect(singular('fibrosis')).toBeNull();
    const [m] = matcher().match(sharedSlice('pmc/articles/PMC4745306.nxml', 9150, 9261));
    expect(m).toMatchObject({ orphaCode: '99889', text: 'Ectopic ACTH secreting tumours' });
  });

  it('side prefixes: "right ACAOS" (PMC4738734) == lexicon "R-ACAOS", both ways, only where the entry names the side', () => {
    const s = sharedSlice('pmc/articles/PMC4738734.nxml', 8594, 8694);
    const [m] = matcher().match(s);
    expect(m).toMatchObject({ orphaCode: '541454', text: 'right ACAOS', matchedForm: 'right ACAOS', score: 0.8 });
    expect(codes('Right ACAOS and L-ACAOS')).toEqual(['541454', '541443']);
    expect(codes('right acaos')).toEqual([]);           // the acronym keeps its case-sensitive check
    expect(codes('L-CMD')).toEqual(['157973']);         // L = LMNA-related, not "left"
    expect(codes('left CMD')).toEqual([]);
    expect(sideVariants('R-ACAOS', 'Anomalous aortic origin of the right coronary artery | R-ACAOS')).toEqual(['right ACAOS']);
    expect(sideVariants('L-2-HGA', 'L-2-hydroxyglutaric aciduria | L-2-HGA')).toEqual([]);
    expect(sideVariants('left ACAOS', 'x')).toEqual(['L-ACAOS']);
  });

  it('whole words only, longest match wins', () => {
    expect(codes('neurosarcoidosis')).toEqual([]);
    // PMC4735926: 'acute intermittent porphyria' is the disease, not the group "Porphyria"
    expect(codes('with a history of acute intermittent porphyria')).toEqual(['79276']);
  });
});
