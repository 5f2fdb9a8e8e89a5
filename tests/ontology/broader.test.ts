import { sharedSlice } from '../shared-data.ts';
// Links for diagnoses the lexicon does not name word for word (ontology/diagnose/broader.ts), on real
// sentences from the bundled case reports and real Orphanet definitions.
import { describe, expect, it } from 'vitest';
import { CaseDiagnosis } from '../../schemas/alignment.ts';
import { diagnoseArticle } from '../../ontology/index.ts';
import { articleParts } from '../../ontology/diagnose/index.ts';
import { definitionForm, derivedMentions, entriesNamingType, headNounIndex, namesAsType, siteDisagrees } from '../../ontology/diagnose/broader.ts';
import { typeSentences } from '../../ontology/import/definitions.ts';
import { article, lexicon, matcher, orphanetDefinition, syntheticArticle } from './helpers.ts';

const rulesOf = (d: CaseDiagnosis) => d.rules.map((r) => r.rule);
function derived(body: string, title = 'Case report') {
  const a = syntheticArticle(title, '', body);
  const parts = articleParts(a);
  return derivedMentions(lexicon(), parts, matcher().matchDocument(parts), matcher());
}

// ORPHApacket 874 "Primary adult heart tumor", TextSection Definition (2025-12-09)
// ORPHA:874's definition, read from the shared ORPHApackets release
const DEF_874 = orphanetDefinition('874');

describe('head noun -> the only "<usual-form qualifier> <head>" entry', () => {
  it('indexes "endocarditis" -> Infective endocarditis, not heads whose qualified form is the rare exception', () => {
    const idx = headNounIndex(lexicon());
    expect(idx.get('endocarditis')?.code).toBe('570762');
    expect(idx.get('aniridia')?.code).toBe('250923');       // Isolated aniridia
    // primary/idiopathic/essential forms are listed because the bare condition is usually secondary; synonyms do not count
    for (const h of ['gastroparesis', 'thrombocytosis', 'hyperoxaluria', 'bronchiectasis', 'perforation', 'hypogammaglobulinemia']) expect(idx.has(h)).toBe(false);
    // Orphanet lists other plain forms of the head (Idiopathic / Immune-mediated scleritis; Cleft lip and alveolus)
    expect(idx.has('scleritis')).toBe(false);
    expect(idx.has('cleft lip')).toBe(false);
    // "isolated" is the default only for congenital anomalies: Isolated optic neuritis means "not MS"
    expect(idx.has('optic neuritis')).toBe(false);
    expect(idx.has('splenic vein thrombosis')).toBe(false);
  });

  it('PMC4739210: "… consistent with endocarditis" and the title -> 570762 at reduced weight, with the rule recorded', () => {
    const d = diagnoseArticle(article('PMC4739210'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '570762', status: 'accepted' });
    expect(rulesOf(d)).toContain('head_noun_mapped_to_qualified_entry');
    expect(d.aliases).toEqual(expect.arrayContaining(['Infective endocarditis', 'endocarditis']));
    expect(d.evidence.some((e) => /consistent with endocarditis/.test(e.text))).toBe(true);
  });

  it('a contrary or negated qualifier blocks it', () => {
    expect(derived('The 111In-labeled WBC scan showed a focal collection, consistent with endocarditis.').map((x) => x.mention.orphaCode)).toContain('570762');
    expect(derived('The vegetations were consistent with nonbacterial thrombotic endocarditis.')).toEqual([]);
    expect(derived('The vegetations were consistent with non-infective endocarditis.')).toEqual([]);
    expect(derived('The findings were not consistent with endocarditis.')).toEqual([]);
    expect(derived('The vegetations were consistent with endocarditis secondary to systemic lupus erythematosus.')).toEqual([]);
  });
});

describe('broader entry by Orphanet definition', () => {
  it('keeps only the definition sentences that can name types (import)', () => {
    const s = typeSentences(DEF_874);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatch(/^In adults 75% of heart tumors are benign/);
    expect(lexicon().byCode.get('874')!.typeSentences).toEqual(s);
  });

  it('"<head> being the most common <class>" names a type only when the class is the entry\'s own kind', () => {
    expect(namesAsType(definitionForm(typeSentences(DEF_874)[0]), 'myxoma', 'tumor')).toBe(true);
    expect(namesAsType(definitionForm('Other malignant tumors of the heart include fibrosarcoma and leiomyosarcoma.'), 'leiomyosarcoma', 'tumor')).toBe(false);
    // ORPHA:599373 STXBP1-related encephalopathy: a seizure type, not a type of the encephalopathy
    const seizures = orphanetDefinition('599373').split(/(?<=\.)\s+/).find((x) => x.includes('seizure type'))!;
    expect(namesAsType(definitionForm(seizures), 'spasm', 'encephalopathy')).toBe(false);
    expect(entriesNamingType(lexicon(), 'myxoma').map((x) => x.e.code)).toEqual(['874']);
    // an entry that is itself the "most common form" of something else is not a broader entry for its own head
    expect(entriesNamingType(lexicon(), 'xanthogranuloma')).toEqual([]);
  });

  it('PMC4735894 "atrial masses were diagnosed as cardiac myxomas" -> 874 Primary adult heart tumor', () => {
    const d = diagnoseArticle(article('PMC4735894'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '874', status: 'accepted' });
    expect(d.rules.find((r) => r.rule === 'mapped_to_broader_entry_by_definition')?.detail).toMatch(/myxoma being the most common benign tumor/);
    expect(d.aliases).toEqual(expect.arrayContaining(['Myxoma', 'myxomas']));
  });

  it('PMC4737441 "a left atrial myxoma hypervascularized from the right coronary artery" -> 874', () => {
    const d = diagnoseArticle(article('PMC4737441'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '874', status: 'accepted' });
  });

  it('the site must agree: a myxoma of the jaw is no heart tumour', () => {
    expect(siteDisagrees('Primary adult heart tumor', sharedSlice('pmc/articles/PMC4735894.nxml', 1391, 1443))).toBe(false);
    expect(siteDisagrees('Primary adult heart tumor', 'Odontogenic myxoma of the mandible')).toBe(true);
    expect(derived('Histology of the mandibular lesion was consistent with odontogenic myxoma.', 'Odontogenic myxoma of the mandible')).toEqual([]);
    expect(derived(sharedSlice('pmc/articles/PMC4735894.nxml', 6533, 6652)).map((x) => x.mention.orphaCode)).toContain('874');
  });
});

describe('modifiers inserted before the head of a lexicon form', () => {
  it('PMC4745306 title "An Ectopic ACTH Secreting Metastatic Parotid Tumour" = "Ectopic ACTH secreting tumor" (99889)', () => {
    const d = diagnoseArticle(article('PMC4745306'), lexicon()).diagnoses[0];
    expect(d).toMatchObject({ orphaCode: '99889', status: 'accepted' });
    expect(rulesOf(d)).toContain('modifier_inserted_before_head');
    expect(d.evidence.some((e) => e.field === 'title')).toBe(true);
  });

  it('a diagnosis sentence: "the first case report of an ectopic ACTH secreting salivary tumour presenting with …"', () => {
    const x = derived(sharedSlice('pmc/articles/PMC4745306.nxml', 10128, 10330));
    expect(x.map((m) => [m.mention.orphaCode, m.mention.text, m.link.rule.rule])).toEqual([['99889', 'ectopic ACTH secreting salivary tumour', 'modifier_inserted_before_head']]);
    expect(x[0].mention.score).toBeLessThan(1);
  });

  it('not with a contrary word inserted, nor into a two-word form', () => {
    expect(derived('This is a case of an ectopic ACTH secreting non-functioning tumour.')).toEqual([]);
    expect(derived('This is a case of Cushing metastatic syndrome.')).toEqual([]);
  });
});
