import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOrphanet, loadLexicon, parseProduct1, resolveAnswer, serializeLexicon, isNonRareInEurope } from '../../ontology/index.ts';
import { compileCached, importToCache, importedLexicon, openLexicon, orphanetSources } from '../../ontology/lexicon-cache.ts';
import { parsePacket } from '../../ontology/import/packets.ts';
import { decodeXml } from '../../ontology/import/product1.ts';
import { readTar } from '../../ontology/import/tar.ts';
import { resolveDataLocations } from '../../pipeline/core/data-locations.ts';
import { DataError } from '../../pipeline/core/errors.ts';
import { PACKETS_DIR, PRODUCT1_SAMPLE, lexicon, packetsTar } from './helpers.ts';
import { writeSyntheticProduct1 } from './synthetic-product1.ts';
import { SHARED_DATA } from '../shared-data.ts';

const TAR = packetsTar();
const P1_SAMPLE = PRODUCT1_SAMPLE();
const P1_INACTIVE = writeSyntheticProduct1(mkdtempSync(join(tmpdir(), 'mmrare-p1-')));

describe('tar reader', () => {
  it('lists the regular files of a pax tar.gz', () => {
    const files = readTar(readFileSync(TAR)).filter((f) => f.path.endsWith('.json'));
    expect(files.map((f) => f.path.replace(/^\.\//, '')).sort()).toEqual(readdirSync(PACKETS_DIR()).sort());
    expect(JSON.parse(files[0].data.toString('utf8')).Orphapacket.ORPHAcode).toMatch(/^\d+$/);
  });
});

describe('ORPHApackets parser', () => {
  it('reads names, synonyms, type, parents, children, OMIM, prevalence, onset', () => {
    const json = JSON.parse(readFileSync(join(PACKETS_DIR(), 'ORPHApacket_558.json'), 'utf8'));
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
    const json = JSON.parse(readFileSync(join(PACKETS_DIR(), 'ORPHApacket_558.json'), 'utf8'));
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
    const loose = readdirSync(PACKETS_DIR()).map((f) => join(PACKETS_DIR(), f));
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

  it('compiles once per release into the cache and reloads the same bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmrare-lexcache-'));
    const sources = orphanetSources(resolveDataLocations({ env: {} }));
    const first = compileCached(sources, { dir });
    expect(first.built).toBe(true);
    expect(first.file).toMatch(/orphanet-2025-12-09-c\d+-[0-9a-f]{16}\.json\.gz$/);
    const bytes = readFileSync(first.file!);
    expect(bytes.length).toBeLessThan(3 * 1024 * 1024);
    const again = compileCached(sources, { dir });
    expect(again).toMatchObject({ built: false, file: first.file });
    expect(serializeLexicon(again.lexicon).equals(bytes)).toBe(true);
    expect(serializeLexicon(loadLexicon(first.file!)).equals(bytes)).toBe(true);
    // a different release (here: fewer source files) is another cache entry, never a stale hit
    const other = compileCached(sources.slice(0, 1), { dir });
    expect(other.built).toBe(true);
    expect(other.file).not.toBe(first.file);
  });

  it('keeps working in memory when the cache cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmrare-lexcache-ro-'));
    chmodSync(dir, 0o500);
    const warnings: string[] = [];
    const res = compileCached([TAR], { dir: join(dir, 'sub'), warn: (w) => warnings.push(w) });
    chmodSync(dir, 0o700);
    if (process.getuid?.() === 0) return; // root writes anyway: nothing to check
    expect(res).toMatchObject({ built: true, file: null });
    expect(warnings.join()).toContain('could not write the lexicon cache');
  });

  it('uses an imported release unless the user points at Orphanet files, and says what is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmrare-lexcache-imp-'));
    const imported = importToCache([TAR], { dir });
    expect(importedLexicon(dir)?.file).toBe(imported.file);
    // the default data dir: the imported release wins
    expect(openLexicon(resolveDataLocations({ env: {} }), { dir }).origin).toBe('imported');
    // a data dir given explicitly: its own release
    const explicit = openLexicon(resolveDataLocations({ env: { MMRARE_DATA_DIR: SHARED_DATA } }), { dir });
    expect(explicit.origin).toBe('data-dir');
    expect(explicit.lexicon.entries.length).toBe(9960);
    // nothing anywhere: a DataError naming the location and how to get it
    const empty = mkdtempSync(join(tmpdir(), 'mmrare-nodata-'));
    let err: unknown;
    try { openLexicon(resolveDataLocations({ flag: empty }), { dir: join(empty, 'cache') }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain(join(empty, 'orphanet', 'orphapackets'));
    expect((err as Error).message).toContain('mmrare ontology import');
    // a compiled file named in the config is used as is
    const pinned = openLexicon(resolveDataLocations({ config: { data: { lexicon: imported.file } } }), { dir: join(empty, 'cache') });
    expect(pinned).toMatchObject({ origin: 'config-lexicon', file: imported.file });
    expect(existsSync(join(empty, 'cache'))).toBe(false);
  });
});
