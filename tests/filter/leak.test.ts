// Leak finding and masking on sentences from the bundled case reports.
import { describe, it, expect } from 'vitest';
import { buildLeakPatterns, codeTerms, findLeaks, maskSpans, isShortAbbreviation } from '../../pipeline/leakage/patterns.ts';
import { answerTerms } from '../../pipeline/leakage/terms.ts';
import { defaultLexicon as loadLexicon } from '../../ontology/index.ts';
import { createCodeFinder } from '../../pipeline/leakage/code-finder.ts';

const lex = loadLexicon();

describe('leak patterns', () => {
  it('match hyphen/space variants, possessives and plurals as whole words', () => {
    const p = buildLeakPatterns([{ form: 'Klippel-Trenaunay syndrome', source: 'answer' }, { form: 'cardiac myxoma', source: 'alias' }]);
    const text = 'Klippel Trenaunay syndrome and Klippel–Trenaunay-syndrome; two cardiac myxomas; Klippel-Trenaunay syndrome\'s course; not cardiac myxomatous tissue.';
    const hits = findLeaks(text, p);
    expect(hits.map((h) => h.text)).toEqual(['Klippel Trenaunay syndrome', 'Klippel–Trenaunay-syndrome', 'cardiac myxomas', 'Klippel-Trenaunay syndrome\'s']);
  });

  it('short capital abbreviations match case-sensitively, so units survive', () => {
    expect(isShortAbbreviation('MM')).toBe(true);
    expect(isShortAbbreviation('Marfan')).toBe(false);
    const p = buildLeakPatterns([{ form: 'MM', source: 'alias' }]);
    const s = 'The left atrial mass measured 6.5 × 5 × 3 mm; MM was confirmed.';
    expect(findLeaks(s, p).map((h) => h.text)).toEqual(['MM']);
  });

  it('British and American spellings match both ways, with offsets into the original text', () => {
    const p = buildLeakPatterns([{ form: 'haemolytic anaemia', source: 'answer' }]);
    expect(findLeaks('signs of hemolytic anemia were absent', p)).toHaveLength(1);
    expect(findLeaks('signs of haemolytic anaemia were absent', p)).toHaveLength(1);
    // the lexicon's American name against British text
    const us = buildLeakPatterns([{ form: 'Hemolytic uremic syndrome', source: 'parent' }]);
    const text = 'She had haemolytic uraemic syndrome.';
    const hits = findLeaks(text, us);
    expect(hits.map((h) => h.text)).toEqual(['haemolytic uraemic syndrome']);
    expect(maskSpans(text, hits, '[MASKED]')).toBe('She had [MASKED].');
  });

  it('a long single-word term also covers its derived forms (PMC4737441: "a necrotic myxomatous tumor")', () => {
    const p = buildLeakPatterns([{ form: 'Myxoma', source: 'alias' }]);
    expect(findLeaks('suggesting a necrotic myxomatous tumor; two myxomas', p).map((h) => h.text)).toEqual(['myxomatous', 'myxomas']);
    expect(findLeaks('a myxoid stroma', p)).toEqual([]);
  });

  it('the longest term wins where two overlap, and masking keeps the rest of the text', () => {
    const p = buildLeakPatterns([{ form: 'myelofibrosis', source: 'alias' }, { form: 'primary myelofibrosis', source: 'answer' }]);
    const s = 'The diagnosis of intermediate-2 risk primary myelofibrosis was made.';
    const hits = findLeaks(s, p);
    expect(hits).toHaveLength(1);
    expect(hits[0].source).toBe('answer');
    expect(maskSpans(s, hits, '[MASKED]')).toBe('The diagnosis of intermediate-2 risk [MASKED] was made.');
  });

  it('ORPHA codes are found in their written forms', () => {
    const hits = findLeaks('coded as ORPHA:558 (Orphanet 558), not ORPHA:5580', codeTerms('558'));
    expect(hits.map((h) => h.text)).toEqual(['ORPHA:558', 'Orphanet 558']);
  });

  it('answer terms include Orphanet synonyms, subtype names that map to the answer, and the article\'s own forms', () => {
    const t = answerTerms(lex, '805', 'Tuberous sclerosis complex', ['TSC']);
    const forms = t.terms.map((x) => x.form);
    expect(forms).toContain('Tuberous sclerosis complex');
    expect(forms).toContain('TSC');
    expect(t.terms.find((x) => x.form === 'Tuberous sclerosis complex')!.source).toBe('answer');
    for (const code of t.codes) if (code !== '805') expect(lex.byCode.get(code)!.disorderParent).toBe('805');
  });
});

describe('filter leak hits on a question draft', () => {
  it('merges a matcher hit with a shorter pattern hit instead of masking half a name', async () => {
    const { leakHits } = await import('../../pipeline/filter/stage.ts');
    const draft = { orphaCode: '756', orphaName: 'Pseudohypoaldosteronism type 1', orphaAliases: [], extraTerms: [], trackTerms: [] } as never;
    const text = 'Pseudohypoaldosteronism type I was suspected.';
    const hits = leakHits(text, draft, lex, createCodeFinder(lex));
    expect(maskSpans(text, hits, '[MASKED]')).toBe('[MASKED] was suspected.');
  });
});
