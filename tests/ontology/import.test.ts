import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOrphanet, loadLexicon, parseProduct1, resolveAnswer, serializeLexicon, isNonRareInEurope, DEFAULT_LEXICON_PATH } from '../../ontology/index.ts';
import { parsePacket } from '../../ontology/import/packets.ts';
import { decodeXml } from '../../ontology/import/product1.ts';
import { readTar } from '../../ontology/import/tar.ts';
import { DEFAULT_SOURCES } from '../../ontology/import/cli-import.ts';
import { FIXTURES, SHARED_ORPHANET, lexicon, sharedAvailable } from './helpers.ts';

const TAR = join(FIXTURES, 'packets.tar.gz');
const P1_SAMPLE = join(FIXTURES, 'en_product1_sample.xml');
const P1_INACTIVE = join(FIXTURES, 'en_product1_inactive_synthetic.xml');

describe('tar reader', () => {
  it('lists the regular files of a pax tar.gz', () => {
    const files = readTar(readFileSync(TAR)).filter((f) => f.path.endsWith('.json'));
    expect(files.map((f) => f.path.replace(/^\.\//, '')).sort()).toEqual(readdirSync(join(FIXTURES, 'packets')).sort());
    expect(JSON.parse(files[0].data.toString('utf8')).Orphapacket.ORPHAcode).toMatch(/^\d+$/);
  });
});

describe('ORPHApackets parser', () => {
  it('reads names, synonyms, type, parents, children, OMIM, prevalence, onset', () => {
    const json = JSON.parse(readFileSync(join(FIXTURES, 'packets', 'ORPHApacket_558.json'), 'utf8'));
    const { entry, meta } = parsePacket(json)!;
    expect(entry).toMatchObject({ code: '558', name: 'Marfan syndrome', synonyms: ['MFS'], type: 'Disease', level: 'disorder' });
    expect(entry.parents).toContain('519292');
    expect(entry.children).toEqual(['284963', '284973']);
    expect(entry.omim).toEqual(['610168', '154700']);
    expect(entry.prevalence).toContain('Point prevalence|1-5 / 10 000|Europe');
    expect(entry.onset).toEqual(['All ages']);
    expect(meta.creationDate.slice(0, 10)).toBe('2025-12-09');
  });

  it('accepts list fields given as a single object or null (the packets quirk)', () => {
    const json = JSON.parse(readFileSync(join(FIXTURES, 'packets', 'ORPHApacket_558.json'), 'utf8'));
    json.Orphapacket.Parents = { Parent: { ORPHAcode: '519292', Label: 'Syndromic ectopia lentis' } };
    json.Orphapacket.Synonyms = { Synonym: 'MFS' };
    json.Orphapacket.Children = null;
    json.Orphapacket.Genes = null;
    const { entry } = parsePacket(json)!;
    expect(entry.parents).toEqual(['519292']);
    expect(entry.synonyms).toEqual(['MFS']);
    expect(entry.children).toEqual([]);
  });

  it('classifies levels by disorder type and maps subtypes to their disorder', () => {
    const lex = importOrphanet([TAR]);
    expect(lex.entries.map((e) => e.code)).toEqual(['98', '558', '1052', '68329', '93685', '100006', '166024', '284963']);
    expect(lex.byCode.get('68329')!.level).toBe('group');          // Category
    expect(lex.byCode.get('93685')!.level).toBe('subtype');        // Clinical subtype
    expect(lex.byCode.get('284963')!.disorderParent).toBe('558');  // Marfan syndrome type 1 -> Marfan syndrome
    expect(lex.release).toBe('2025-12-09');
    expect(lex.source.version).toBe('1.3.42 / 4.1.8 [2025-03-03]');
  });

  it('gives the same bytes from the tarball and from the loose files', () => {
    const loose = readdirSync(join(FIXTURES, 'packets')).map((f) => join(FIXTURES, 'packets', f));
    const a = importOrphanet([TAR]);
    const b = importOrphanet(loose);
    expect(JSON.stringify(a.entries)).toEqual(JSON.stringify(b.entries));
  });
});

describe('Orphadata product1 parser', () => {
  it('parses the product1 sample (names, synonyms, group, external references, JDBOR date)', () => {
    const p1 = parseProduct1(readFileSync(P1_SAMPLE));
    expect(p1.date).toBe('2025-12-09');
    expect(p1.version).toBe('1.3.42 / 4.1.8 [2025-03-03]');
    const e = p1.entries.find((x) => x.code === '166024')!;
    expect(e).toMatchObject({ name: 'Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome', level: 'disorder', status: 'active' });
    expect(e.synonyms).toEqual(['Multiple epiphyseal dysplasia, Al-Gazali type']);
    expect(e.icd10).toEqual(['Q77.3']);
    expect(e.mondo).toEqual(['MONDO:0011778']);
    expect(e.umls).toEqual(['C4304500']);
    expect(e.omim).toEqual(['607131']);
    expect(p1.entries.find((x) => x.code === '58')!.synonyms).toEqual(['AxD', 'Fibrinoid leukodystrophy']);
  });

  it('decodes XML entities by hand (the parser expands none)', () => {
    expect(decodeXml('Crohn&apos;s &amp; Behçet &#233;&#x3b1;')).toBe("Crohn's & Behçet éα");
  });

  it('reads inactive entries: prefixes stripped, status from flags, moved-to targets', () => {
    const p1 = parseProduct1(readFileSync(P1_INACTIVE));
    const by = new Map(p1.entries.map((e) => [e.code, e]));
    expect(by.get('990001')).toMatchObject({ name: 'Marfan-like connective tissue disorder', status: 'obsolete', movedTo: ['558'] });
    expect(by.get('990002')).toMatchObject({ status: 'deprecated', movedTo: ['284963'] });
    expect(by.get('990003')).toMatchObject({ status: 'obsolete', movedTo: [] });
    expect(by.get('990004')).toMatchObject({ name: 'Common connective tissue laxity', status: 'non_rare_inactive', nonRare: true });
  });

  it('merges product1 onto the packets and resolves obsolete/deprecated codes', () => {
    const lex = importOrphanet([TAR, P1_SAMPLE, P1_INACTIVE]);
    expect(lex.source.name).toContain('product1');
    expect(lex.byCode.get('166024')!.icd10).toEqual(['Q77.3']);       // product1 xref merged onto the packet entry
    expect(resolveAnswer(lex, '990001')).toMatchObject({ code: '558', rules: [{ rule: 'obsolete_moved' }] });
    const viaSubtype = resolveAnswer(lex, '990002');                    // deprecated -> subtype -> its disorder
    expect(viaSubtype.code).toBe('558');
    expect(viaSubtype.rules.map((r) => r.rule)).toEqual(['obsolete_moved', 'subtype_mapped_to_parent']);
    expect(resolveAnswer(lex, '990003')).toMatchObject({ code: null, excluded: 'obsolete' });
    expect(resolveAnswer(lex, '68329')).toMatchObject({ code: null, excluded: 'group' });
    expect(lex.byCode.get('990004')!.nonRare).toBe(true);
  });
});

describe('non-rare in Europe rule', () => {
  it('uses only European records above the EU threshold', () => {
    expect(isNonRareInEurope(['Prevalence at birth|>1 / 1000|Europe'])).toBe(true);
    expect(isNonRareInEurope(['Point prevalence|6-9 / 10 000|Europe'])).toBe(true);
    expect(isNonRareInEurope(['Point prevalence|1-5 / 10 000|Europe'])).toBe(false);
    expect(isNonRareInEurope(['Point prevalence|>1 / 1000|Turkey'])).toBe(false);
    expect(isNonRareInEurope(['Cases/families|>1 / 1000|Europe'])).toBe(false);
  });

  it('marks real entries accordingly', () => {
    const lex = lexicon();
    expect(lex.byCode.get('870')!.nonRare).toBe(true);    // Down syndrome: >1/1000 at birth in Europe
    expect(lex.byCode.get('91546')!.nonRare).toBe(true);  // Lyme disease
    expect(lex.byCode.get('797')!.nonRare).toBe(false);   // Sarcoidosis: 1-5/10 000 in Europe (>1/1000 only in Sweden)
    expect(lex.byCode.get('342')!.nonRare).toBe(false);   // FMF: common only in Turkey/Armenia
  });
});

describe('committed lexicon', () => {
  it('carries the pinned release and the full nomenclature', () => {
    const lex = lexicon();
    expect(lex.release).toBe('2025-12-09');
    expect(lex.source.version).toBe('1.3.42 / 4.1.8 [2025-03-03]');
    expect(lex.entries).toHaveLength(9960);
    const count = (l: string) => lex.entries.filter((e) => e.level === l).length;
    expect([count('disorder'), count('subtype'), count('group')]).toEqual([6616, 1108, 2236]);
    expect(lex.entries.reduce((n, e) => n + e.synonyms.length, 0)).toBe(13888);
    const codes = lex.entries.map((e) => Number(e.code));
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
    expect(lex.byCode.get('558')!.mondo).toEqual(['MONDO:0007947']);
    expect(lex.byCode.get('558')!.icd10).toEqual(['Q87.4']);
  });

  it('is small, loads within 300 ms, and re-serialises to the same bytes', () => {
    const bytes = readFileSync(DEFAULT_LEXICON_PATH);
    expect(bytes.length).toBeLessThan(3 * 1024 * 1024);
    loadLexicon();
    const times = [0, 1, 2].map(() => { const t = performance.now(); loadLexicon(); return performance.now() - t; }).sort((a, b) => a - b);
    expect(times[1]).toBeLessThan(300);
    expect(serializeLexicon(loadLexicon()).equals(bytes)).toBe(true);
  });

  it.runIf(sharedAvailable())('is reproduced byte for byte by re-running the import on ../shared', () => {
    const lex = importOrphanet(DEFAULT_SOURCES.map((f) => join(SHARED_ORPHANET, f)));
    expect(serializeLexicon(lex).equals(readFileSync(DEFAULT_LEXICON_PATH))).toBe(true);
  });
});
