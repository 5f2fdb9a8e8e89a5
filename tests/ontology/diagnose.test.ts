// Case diagnosis rules: subtype -> parent, groups, obsolete/moved, non-rare policy, review, no match.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseDiagnosis, Mention } from '../../schemas/alignment.ts';
import { diagnoseArticle, importOrphanet } from '../../ontology/index.ts';
import { article, lexicon, packetsTar, syntheticArticle } from './helpers.ts';
import { writeSyntheticProduct1 } from './synthetic-product1.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

describe('diagnoseArticle on real articles', () => {
  it('returns schema-valid mentions and diagnoses', () => {
    const r = diagnoseArticle(article('PMC4739447'), lexicon());
    for (const m of r.mentions) Mention.parse(m);
    for (const d of r.diagnoses) CaseDiagnosis.parse(d);
    expect(r.diagnoses[0]).toMatchObject({ orphaCode: '767', orphaName: 'Polyarteritis nodosa', status: 'accepted', reason: null });
    expect(r.diagnoses[0].confidence).toBeGreaterThan(0.9);
    expect(r.diagnoses[0].evidence.some((e) => e.field === 'title')).toBe(true);
    expect(r.diagnoses[0].aliases).toEqual(expect.arrayContaining(['Polyarteritis nodosa', 'PAN']));
  });

  it('a subtype named in the text maps to its disorder, with a rule note (PMC4745294, generalized PHA1)', () => {
    const d = diagnoseArticle(article('PMC4745294'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '756', status: 'accepted' });
    expect(d.rules.map((r) => r.rule)).toContain('subtype_mapped_to_parent');
    // the article names the renal (AD) subtype in its discussion: that subtype's names join the aliases
    expect(d.rules.find((r) => r.rule === 'subtype_mapped_to_parent')!.detail).toContain('-> ORPHA:756');
    expect(d.aliases).toEqual(expect.arrayContaining(['Pseudohypoaldosteronism type 1', 'PHA1', 'PHA type 1', 'Renal PHA1']));
  });

  it('a group is never an answer', () => {
    // "Porphyria" (ORPHA:738) is a Clinical group with no default child
    const art = syntheticArticle('A case of porphyria', 'We report a case of porphyria.', 'The diagnosis of porphyria was confirmed.');
    const d = diagnoseArticle(art, lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: null, status: 'no_match' });
    expect(d.rules.map((r) => r.rule)).toContain('group_not_answer');
  });

  it('a group named without qualifier stands for its "Primary …" default child (PMC6358579, autoimmune enteropathy)', () => {
    const d = diagnoseArticle(article('PMC6358579'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '522037', orphaName: 'Primary autoimmune enteropathy', status: 'accepted' });
    expect(d.rules.map((r) => r.rule)).toContain('group_mapped_to_default_child');
    expect(d.aliases).toEqual(expect.arrayContaining(['Autoimmune enteropathy', 'Primary autoimmune enteropathy', 'AIE']));
  });

  it('…but not when the text qualifies it otherwise ("acquired agammaglobulinemia")', () => {
    const plain = syntheticArticle('Agammaglobulinemia in a young man', '', 'The diagnosis of agammaglobulinemia was made.');
    expect(diagnoseArticle(plain, lexicon()).diagnoses[0].orphaCode).toBe('229717'); // Non-syndromic agammaglobulinemia
    const acquired = syntheticArticle('Acquired agammaglobulinemia in a young man', '', 'The diagnosis of acquired agammaglobulinemia was made.');
    const d = diagnoseArticle(acquired, lexicon()).diagnoses[0];
    expect(d.orphaCode).toBeNull();
    expect(d.rules.map((r) => r.rule)).toContain('group_not_answer');
  });

  it('a misdiagnosis does not win over the final diagnosis (PMC4736318: Kaposi sarcoma vs sporotrichosis)', () => {
    const d = diagnoseArticle(article('PMC4736318'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '826', status: 'accepted' });
  });

  it('discussion-only mentions go to review, not into the benchmark (PMC6358581, Lemierre syndrome discussed)', () => {
    const d = diagnoseArticle(article('PMC6358581'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: null, status: 'needs_review', reason: 'diagnosis_low_confidence' });
    expect(d.runnersUp[0].orphaCode).toBe('137839');
    expect(d.rules.map((r) => r.rule)).toContain('low_confidence_review');
  });

  it('no Orphanet mention at all: no_match (PMC4735920, pentobarbital toxicity)', () => {
    const d = diagnoseArticle(article('PMC4735920'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: null, status: 'no_match', reason: 'diagnosis_no_match', confidence: 0 });
  });

  it('fuzzy hits on a diagnosis phrase are review candidates only (PMC4737013: "… determined to be Graves\' disease")', () => {
    const r = diagnoseArticle(article('PMC4737013'), lexicon());
    const fuzzy = r.mentions.filter((m) => m.method === 'fuzzy');
    expect(fuzzy.length).toBeGreaterThan(0);
    for (const m of fuzzy) { Mention.parse(m); expect(m.score).toBeLessThan(1); }
    expect(r.diagnoses[0].status).not.toBe('accepted');
    expect(r.diagnoses[0].runnersUp.map((x) => x.orphaCode)).toEqual(expect.arrayContaining([fuzzy[0].orphaCode]));
  });

  it('minConfidence is configurable', () => {
    const d = diagnoseArticle(article('PMC6358581'), lexicon(), { minConfidence: 0.01 }).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '137839', status: 'accepted' });
  });
});

describe('non-rare policy', () => {
  const text = 'A 2-year-old boy with Down syndrome was referred for cardiac evaluation.';
  const art = syntheticArticle('Atrioventricular canal in a child with Down syndrome', 'We report a case of Down syndrome with an atrioventricular canal.', `The diagnosis of Down syndrome was confirmed by karyotype. ${text}`);

  it('excludes codes that are non-rare in Europe by default, and records why', () => {
    const d = diagnoseArticle(art, lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: null, status: 'not_rare', reason: 'diagnosis_not_rare' });
    expect(d.runnersUp[0]).toMatchObject({ orphaCode: '870', orphaName: 'Down syndrome' });
    expect(d.rules.map((r) => r.rule)).toContain('non_rare_excluded');
  });

  it('accepts them when configured', () => {
    expect(diagnoseArticle(art, lexicon(), { includeNonRare: true }).diagnoses[0]).toMatchObject({ orphaCode: '870', status: 'accepted' });
  });
});

describe('obsolete and moved codes (product1 inactive entries)', () => {
  const lex = importOrphanet([packetsTar(), writeSyntheticProduct1(mkdtempSync(join(tmpdir(), 'mmrare-p1-')))]);

  it('an obsolete code named in the text resolves to its "moved to" target', () => {
    const art = syntheticArticle('A case of Marfanoid connective tissue syndrome', '', 'The diagnosis of Marfanoid connective tissue syndrome was confirmed.');
    const d = diagnoseArticle(art, lex).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '558', orphaName: 'Marfan syndrome', status: 'accepted' });
    expect(d.rules.map((r) => r.rule)).toContain('obsolete_moved');
    expect(d.aliases).toContain('Marfanoid connective tissue syndrome');
  });

  it('a deprecated code that points at a subtype goes on to the subtype\'s disorder', () => {
    const art = syntheticArticle('Fibrillinopathy type one in a young adult', '', 'She was diagnosed with fibrillinopathy type one.');
    const d = diagnoseArticle(art, lex).diagnoses[0];
    expect(d.orphaCode).toBe('558');
    expect(d.rules.map((r) => r.rule)).toEqual(expect.arrayContaining(['obsolete_moved', 'subtype_mapped_to_parent']));
  });

  it('an obsolete code without a target is excluded', () => {
    const art = syntheticArticle('Retired skeletal entity in a child', '', 'The diagnosis of retired skeletal entity was made.');
    const d = diagnoseArticle(art, lex).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: null, status: 'no_match' });
    expect(d.rules.map((r) => r.rule)).toContain('obsolete_excluded');
  });

  it('a product1 "non rare in Europe" entry is not_rare by default', () => {
    const art = syntheticArticle('Common connective tissue laxity', '', 'She was diagnosed with common connective tissue laxity.');
    expect(diagnoseArticle(art, lex).diagnoses[0]).toMatchObject({ status: 'not_rare', reason: 'diagnosis_not_rare' });
  });
});
