// The drug / procedure / test vocabulary compiled from ../shared/data/lexicons: what it recognises, what it
// leaves out on purpose, its credit lines, and its cache (keyed by content + compiler version, outside git).
import { describe, it, expect, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultVocab, openVocab, openVocabAt, recogniserFor, vocabSources, deInvert, baseIngredient, VOCAB_COMPILER_VERSION } from '../../ontology/vocab/index.ts';
import { resolveDataLocations } from '../../pipeline/core/data-locations.ts';
import { DataError } from '../../pipeline/core/errors.ts';
import { sharedPath } from '../shared-data.ts';
import { tempDir } from '../helpers.ts';

const vocab = defaultVocab();
const r = recogniserFor(vocab);
const names = (text: string, kinds?: ('drug' | 'drug_class' | 'procedure' | 'test' | 'exam')[]) =>
  r.find(text, kinds ? { kinds } : {}).map((m) => [m.text, vocab.concepts[m.concepts[0]].name]);
const work = tempDir();
afterAll(() => work.cleanup());

describe('vocabulary', () => {
  it('is compiled from every lexicon source, each with its licence and credit line', () => {
    expect(vocab.compilerVersion).toBe(VOCAB_COMPILER_VERSION);
    expect(vocab.sources.map((s) => s.id)).toEqual(['abbreviations', 'drugbank', 'maxo', 'mesh_d', 'mesh_e', 'mesh_pa', 'negex', 'orange_book']);
    expect(vocab.sources.find((s) => s.id === 'mesh_d')!.credit).toContain('not the current MeSH release');
    expect(vocab.sources.find((s) => s.id === 'maxo')!.licence).toBe('CC BY 4.0');
    for (const s of vocab.sources) expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(vocab.concepts.length).toBeGreaterThan(5000);
    expect(vocab.negation.pre).toContain('negative for');
  });

  it('recognises inflected tests and procedures (Porter stems), abbreviations, drugs and brands, drug classes', () => {
    expect(names('Biopsies of both lesions were taken.')).toEqual([['Biopsies', 'Biopsy']]);
    expect(names('A CT of the chest and an MRI were normal.', ['test']).map((x) => x[1])).toEqual(['computed tomography', 'Magnetic Resonance Imaging']);
    expect(names('the ct values', ['test'])).toEqual([]);                                  // capitals only as written
    expect(names('He was given Gleevec.', ['drug'])).toEqual([['Gleevec', 'Imatinib']]);
    expect(names('Oral corticosteroids and broad-spectrum antibiotics', ['drug_class']).map((x) => x[1])).toEqual(['Adrenal Cortex Hormones', 'Anti-Bacterial Agents']);
    expect(names('antifungal treatment', ['procedure'])).toHaveLength(1);   // the longer phrase wins: a MAxO procedure
    expect(names('vedolizumab infusions', ['drug'])).toEqual([['vedolizumab', 'Vedolizumab']]); // a newer drug, from MeSH supplementary concepts
  });

  it('leaves out what would be mostly wrong in a case report', () => {
    // drug names are not stemmed ("Prominal" is a brand; "prominent" is a word), nor matched as short capitals ("DIC")
    expect(names('a prominent, large congestion with DIC', ['drug'])).toEqual([]);
    // analytes, generic words and bare adjectives are no terms
    expect(names('serum calcium and glucose were normal; surgical and renal', ['drug', 'procedure'])).toEqual([]);
    expect(names('The diagnosis and treatment were discussed.')).toEqual([]);
    // bedside examination is marked apart from investigations
    expect(r.find('Blood pressure was 120/80.')[0].kinds).toEqual(['exam']);
  });

  it('marks negated mentions (NegEx triggers, same clause)', () => {
    const [m] = r.find('No echocardiogram was done.', { kinds: ['test'] });
    expect(m.negated).toBe(true);
    expect(r.find('An echocardiogram was done, but no MRI.', { kinds: ['test'] }).map((x) => x.negated)).toEqual([false, true]);
  });

  it('helpers: MeSH inverted names, salt forms of an ingredient', () => {
    expect(deInvert('Tomography, X-Ray Computed')).toBe('X-Ray Computed Tomography');
    expect(deInvert('A, B, C')).toBeNull();
    expect(baseIngredient('IMATINIB MESYLATE')).toBe('imatinib');
  });
});

describe('vocabulary cache', () => {
  const small = () => {
    // a lexicons folder with two small sources, so the test compiles in a moment
    const dir = join(work.dir, `lex-${readdirSync(work.dir).length}`);
    mkdirSync(join(dir, 'maxo'), { recursive: true });
    mkdirSync(join(dir, 'medspacy_context'), { recursive: true });
    copyFileSync(sharedPath('lexicons/maxo/maxo_2024-07-29_terms.tsv'), join(dir, 'maxo', 'maxo_2024-07-29_terms.tsv'));
    copyFileSync(sharedPath('lexicons/medspacy_context/negex_triggers_GeneralNegEx_v1.2.txt'), join(dir, 'medspacy_context', 'negex_triggers_GeneralNegEx_v1.2.txt'));
    return dir;
  };

  it('compiles once, then reads the cache; changed content compiles again; a damaged file is rebuilt', () => {
    const cache = join(work.dir, 'cache');
    const dir = small();
    expect(vocabSources(dir).map((s) => s.id)).toEqual(['maxo', 'negex']);
    const a = openVocabAt(dir, { dir: cache });
    expect(a.built).toBe(true);
    expect(a.file!.startsWith(cache)).toBe(true);
    const b = openVocabAt(dir, { dir: cache });
    expect(b.built).toBe(false);
    expect(b.vocab.forms.length).toBe(a.vocab.forms.length);
    appendFileSync(join(dir, 'maxo', 'maxo_2024-07-29_terms.tsv'), 'MAXO:9999999\tzzyzx scan\tname\t\t\tzzyzx scan\tdiagnostic procedure\tMAXO:0000003\t\n');
    const c = openVocabAt(dir, { dir: cache });
    expect(c.built).toBe(true);
    expect(c.file).not.toBe(a.file);
    expect(recogniserFor(c.vocab).find('a zzyzx scan')).toHaveLength(1);
    writeFileSync(c.file!, 'not gzip');
    expect(openVocabAt(dir, { dir: cache }).built).toBe(true);
  });

  it('a data dir without lexicons is a clear error that says how to get them', () => {
    const loc = resolveDataLocations({ config: { data: { lexicons: join(work.dir, 'none') } } });
    expect(() => openVocab(loc)).toThrow(DataError);
    expect(() => openVocab(loc)).toThrow(/lexicons/);
    expect(existsSync(join(work.dir, 'none'))).toBe(false);
  });
});
