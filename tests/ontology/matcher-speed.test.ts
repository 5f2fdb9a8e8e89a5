// The matcher's fast paths give what the code they replaced gave: the regex-free word normalisers and the
// char-loop abbreviation finder against the earlier versions (tests/ontology/oracle/), on every word and every
// text of the shared case reports and the lexicon; the typed-array pair table behind the trie; and the
// remembered source hashes that key the lexicon cache; the word table past its size limit.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCached, fileHashes, orphanetSources, sourceHashesFile, sourceKey, trieFor } from '../../ontology/lexicon-cache.ts';
import { resolveDataLocations } from '../../pipeline/core/data-locations.ts';
import { americanize, canonWord, singular } from '../../ontology/match/normalize.ts';
import { findAbbreviations, looksLikeShortForm } from '../../ontology/match/abbrev.ts';
import { PairTable } from '../../ontology/match/trie.ts';
import { createMatcher } from '../../ontology/match/index.ts';
import { articleParts } from '../../ontology/diagnose/index.ts';
import * as oracle from './oracle/abbrev-regex.ts';
import * as negOracle from './oracle/negation-regex.ts';
import { contextScopes, TRIGGER_SEARCH } from '../../ontology/match/negation.ts';
import { splitSentences } from '../../ontology/match/sentences.ts';
import { americanizeRegex, canonWordRegex, singularRegex } from './oracle/normalize-regex.ts';
import { article, lexicon } from './helpers.ts';
import { sharedFiles } from '../shared-data.ts';

const texts = (): string[] => sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).flatMap((f) => articleParts(article(f.replace('.nxml', ''))).map((p) => p.text));

// words as the matcher cuts them, plus whitespace-separated pieces (punctuation, apostrophes, line breaks)
function words(): string[] {
  const out = new Set<string>();
  const lex = lexicon();
  const all = [...lex.entries.flatMap((e) => [e.name, ...e.synonyms]), ...texts()];
  for (const s of all) {
    for (const m of s.matchAll(/[\p{L}\p{N}\p{M}]+(?:['’ʼ][sS])?/gu)) { out.add(m[0]); out.add(m[0].toLowerCase()); }
    for (const w of s.split(/[ \t]+/)) out.add(w);
  }
  return [...out];
}

const EDGE_CASES = ['analyse', 'paralysed', 'dialyses', 'catalysing', 'organisations', 'organisation', 'ise', 'rise', 'wise', 'noise', 'arise',
  'a\nbise', 'ab\nise', 'abc\nise', 'x\nabcise', 'x\u2028yzise', 'ab\ryse', 'a\nyse', 'ys', 'yse', 'lyse', 'analysis', 'isis', 'crisis', 'tumours', 'colour',
  "Wilson's", 'WILSON’S', 'Wilsonʼs', "s's", "'s", 'S', 'boxes', 'churches', 'buzzes', 'rashes', 'fezes', 'es', 'haemorrhagic', 'centre', 'catalogue'];

describe('matcher fast paths agree with the code they replaced', () => {
  it('word normalisers: every lexicon and case-report word, and edge cases', () => {
    const ws = [...words(), ...EDGE_CASES];
    expect(ws.length).toBeGreaterThan(20_000);
    const bad = ws.filter((w) => americanize(w) !== americanizeRegex(w) || canonWord(w) !== canonWordRegex(w) || singular(w) !== singularRegex(w));
    expect(bad).toEqual([]);
    // the edge cases exercise both branches of each rule
    expect(americanize('organisations')).toBe('organizations');
    expect(americanize('ab\nise')).toBe('ab\nise');
    expect(americanize('x\nabcise')).toBe('x\nabcize');
    expect(canonWord('WILSON’S')).toBe('wilson');
  }, 60_000);

  it('abbreviation definitions and short forms: every case-report text', () => {
    const ts = texts();
    expect(ts.length).toBeGreaterThan(100);
    let defs = 0;
    for (const t of ts) {
      const got = findAbbreviations(t);
      expect(got).toEqual(oracle.findAbbreviations(t));
      defs += got.length;
    }
    expect(defs).toBeGreaterThan(50);
    for (const s of ['LVNC', 'KT', 'a b c', 'A  B', ' AB', 'AB ', 'ab', 'Ab\u00a0c d', 'ÉCG', 'éc', '1A', '12']) expect(looksLikeShortForm(s)).toBe(oracle.looksLikeShortForm(s));
    // brackets at the limits: 80 chars inside, 81, empty, nested, a line break
    const long = (n: number) => `Left ventricular noncompaction (${'L'.repeat(1)}${'x'.repeat(n - 1)}) and`;
    const reverse = ['seen on CXR (chest x ray)', 'the ABCDEFGHIJKL (Alpha Beta Gamma)', 'a -AB (Alpha Beta)', 'AB  (Alpha Beta)', '1AB (one alpha beta)',
      'LV-NC (left ventricular noncompaction)', 'x-AB-C (Alpha Beta Cell)', 'ÉCG (électro cardio gramme)', 'the KT\t(Klippel Trenaunay)'];
    for (const t of [long(80), long(81), 'a () b', 'ab (c (LVNC) d)', 'Left ventricular noncompaction (LV\nNC)', 'Xy Zw (XZ', ...reverse]) expect(findAbbreviations(t)).toEqual(oracle.findAbbreviations(t));
    expect(findAbbreviations(reverse[0]).map((d) => d.short)).toEqual(['CXR']);
  }, 60_000);
});

describe('context triggers without the regex', () => {
  it('find the same scopes as the trigger regex in every case-report sentence and in edge cases', () => {
    expect(TRIGGER_SEARCH).toBe('words');
    const sentences = texts().flatMap((t) => splitSentences(t).map(([a, b]) => t.slice(a, b)));
    expect(sentences.length).toBeGreaterThan(3000);
    let scoped = 0;
    for (const s of sentences) {
      const got = contextScopes(s);
      expect(got).toEqual(negOracle.contextScopes(s));
      scoped += got.length;
    }
    expect(scoped).toBeGreaterThan(500);
    const edge = ['NO  evidence of disease', 'No\u00a0evidence\tof X', 'R/O sepsis', 'work-up for fever', 'Work-Up  For', 'no2 change', '_no change', 'éno sign',
      'not ruled out', 'was ruled out', 'one two three four five six seven eight nine ten eleven was ruled out',
      'no sign of one two three four five six seven eight nine ten but then', 'a-b c/d (e) f was excluded', 'Wilson’s disease was excluded', 'x was  ruled\nout', 'nor', 'no', 'differential diagnosis included ALS', 'unlikely.', 'ifno', 'history of ', 'ſuspected', 'K\u212anown'];
    for (const s of edge) expect(contextScopes(s)).toEqual(negOracle.contextScopes(s));
  }, 60_000);
});

describe('word table', () => {
  it('matches alike after it fills up (500,000 distinct words) and starts again', () => {
    const lex = lexicon();
    const fresh = () => createMatcher(lex, { trie: trieFor(lex) });
    const sentence = 'Klippel-Trenaunay syndrome was suspected; Wilson disease was excluded.';
    const m = fresh();
    const before = m.match(sentence);
    expect(before.length).toBeGreaterThan(0);
    const filler = Array.from({ length: 500_100 }, (_, i) => `qz${i.toString(36)}`).join(' ');
    expect(m.match(`${filler} ${sentence}`).map((x) => ({ ...x, start: x.start - filler.length - 1, end: x.end - filler.length - 1 }))).toEqual(before);
    expect(m.match(sentence)).toEqual(before);
    expect(fresh().match(sentence)).toEqual(before);
  }, 60_000);
});

describe('PairTable', () => {
  it('maps int pairs to ints through growth, with -1 for absent pairs', () => {
    const t = new PairTable(4);
    const ref = new Map<string, number>();
    for (let k = 0; k < 5000; k++) {
      const a = (k * 7919) % 1201, b = (k * 104729) % 2_000_000, v = k;
      t.set(a, b, v);
      ref.set(`${a},${b}`, v);
    }
    expect(t.size).toBe(ref.size);
    for (const [key, v] of ref) { const [a, b] = key.split(',').map(Number); expect(t.get(a, b)).toBe(v); }
    expect(t.get(1, 3)).toBe(ref.get('1,3') ?? -1);
    expect(t.get(99_999, 0)).toBe(-1);
    expect([...t.entries()].length).toBe(ref.size);
    t.set(0, 0, 5); t.set(0, 0, 6);
    expect(t.get(0, 0)).toBe(6);
  });
});

describe('source hashes for the lexicon cache key', () => {
  it('are the files\' sha256, remembered by path, size, inode and times, and taken again for a changed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmrare-srchash-'));
    const f = join(dir, 'ORPHApackets_json_test.tar.gz');
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    writeFileSync(f, 'first release');
    expect(fileHashes([f], dir)).toEqual([sha('first release')]);
    const memo = JSON.parse(readFileSync(sourceHashesFile(dir), 'utf8')) as Record<string, string>;
    expect(Object.values(memo)).toEqual([sha('first release')]);
    // an unchanged file is not read again: the remembered hash is what comes back
    const fake = 'f'.repeat(64);
    writeFileSync(sourceHashesFile(dir), JSON.stringify({ [Object.keys(memo)[0]]: fake }));
    expect(fileHashes([f], dir)).toEqual([fake]);
    // changed content (another size; then the same size a moment later): hashed again, the old entry dropped
    writeFileSync(f, 'second release!');
    expect(fileHashes([f], dir)).toEqual([sha('second release!')]);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
    writeFileSync(f, 'third  release!');
    expect(fileHashes([f], dir)).toEqual([sha('third  release!')]);
    expect(Object.values(JSON.parse(readFileSync(sourceHashesFile(dir), 'utf8')))).toEqual([sha('third  release!')]);
    // a damaged memo is only a miss
    writeFileSync(sourceHashesFile(dir), 'not json');
    expect(fileHashes([f], dir)).toEqual([sha('third  release!')]);
    // the key of the real release does not depend on whether the hashes were remembered
    const sources = orphanetSources(resolveDataLocations({ env: {} }));
    const fresh = mkdtempSync(join(tmpdir(), 'mmrare-srchash-'));
    const key = sourceKey(sources, fresh);
    expect(existsSync(sourceHashesFile(fresh))).toBe(true);
    expect(sourceKey(sources, fresh)).toBe(key);
    expect(compileCached(sources).file).toContain(`-${key}.json.gz`);
  });
});
