// The cached trie is the built trie: same vocabulary, edges, pairs and terms, and the same matches on real
// case reports; trieFor writes it once and reads it back; a damaged file is rebuilt.
import { describe, it, expect, afterAll } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTrie } from '../../ontology/match/trie.ts';
import { deserializeTrie, serializeTrie, trieCodeHash } from '../../ontology/match/trie-cache.ts';
import { createMatcher } from '../../ontology/match/index.ts';
import { trieFor } from '../../ontology/lexicon-cache.ts';
import { lexicon, article } from './helpers.ts';
import { sharedFiles } from '../shared-data.ts';
import { articleParts } from '../../ontology/diagnose/index.ts';
import { tempDir } from '../helpers.ts';

const t = tempDir('mmrare-trie-');
afterAll(() => t.cleanup());

describe('trie cache', () => {
  it('round-trips the full lexicon trie exactly and matches real articles alike', () => {
    const lex = lexicon();
    const built = buildTrie(lex);
    const back = deserializeTrie(serializeTrie(built));
    // term lists are decoded when a match reaches their node, once
    expect(back.terms.size).toBe(0);
    const node = [...built.terms.keys()][0];
    expect(back.termsAt(node)).toEqual(built.terms.get(node));
    expect(back.termsAt(node)).toBe(back.termsAt(node));
    expect(back.terms.size).toBe(1);
    expect(back.termsAt(0)).toBe(built.terms.get(0));
    expect(back.nodes).toBe(built.nodes);
    expect([...back.vocab]).toEqual([...built.vocab]);
    expect([...back.edges.entries()]).toEqual([...built.edges.entries()]);
    expect([...back.pairs.entries()]).toEqual([...built.pairs.entries()]);
    expect([...back.allTerms()].sort((x, y) => x[0] - y[0])).toEqual([...built.terms].sort((x, y) => x[0] - y[0]));
    const a = createMatcher(lex, { trie: built });
    const b = createMatcher(lex, { trie: back });
    for (const f of sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).slice(0, 12)) {
      const parts = articleParts(article(f.replace('.nxml', '')));
      expect(b.matchDocument(parts)).toEqual(a.matchDocument(parts));
    }
  }, 60_000);

  it('trieFor caches by lexicon file and code, and rebuilds a damaged file', () => {
    const lex = lexicon();
    const first = trieFor(lex, { dir: t.dir });
    const files = readdirSync(t.dir).filter((f) => f.endsWith('.bin'));
    expect(files).toHaveLength(1);
    expect(files[0]).toContain(`-trie-${trieCodeHash()}.bin`); // a change to the trie code is a new file, never a stale hit
    const again = trieFor(lex, { dir: t.dir });
    expect([...again.edges.entries()]).toEqual([...first.edges.entries()]);
    writeFileSync(join(t.dir, files[0]), 'not a trie');
    const rebuilt = trieFor(lex, { dir: t.dir });
    expect(rebuilt.nodes).toBe(first.nodes);
    expect(deserializeTrie(readFileSync(join(t.dir, files[0]))).nodes).toBe(first.nodes);
  }, 60_000);
});
