// The built token trie as bytes, so a process reads it instead of building it (~0.4 s over the full
// lexicon): cached next to the compiled lexicon (ontology/lexicon-cache.ts). The key covers the lexicon file
// and the source of every module that decides what the trie holds (this folder's normalize, variants and
// trie modules), so a change to the normaliser can never meet a stale trie.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PairTable, TokenTrie, type Term } from './trie.ts';
import type { VariantKind } from './variants.ts';

/** Bump when the byte layout below changes. */
export const TRIE_FORMAT = 2;
const MAGIC = 'mmrare-trie';

/** A hash of the code that builds tries: the modules under ontology/match that decide the trie's content. */
export function trieCodeHash(): string {
  const h = createHash('sha256').update(`${MAGIC}-${TRIE_FORMAT}\n`);
  for (const m of ['trie.ts', 'variants.ts', 'normalize.ts', 'trie-cache.ts']) h.update(readFileSync(new URL(`./${m}`, import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/**
 * Layout: a JSON header line (counts and the terms table), then the typed arrays as they are in memory (int32):
 * the edge table's three columns, the pair table's three columns, then term-list offsets and term indices per node.
 */
export function serializeTrie(trie: TokenTrie): Buffer {
  const vocab = [...trie.vocab.keys()]; // ids are 1.. in insertion order
  vocab.forEach((w, i) => { if (trie.vocab.get(w) !== i + 1) throw new Error('trie vocabulary ids are not dense'); });
  // terms: each distinct object once, nodes as (node, count, indices…)
  const termIndex = new Map<Term, number>();
  const terms: unknown[] = [];
  const nodeTerms: number[] = [];
  for (const [node, list] of trie.terms) {
    nodeTerms.push(node, list.length);
    for (const t of list) {
      let i = termIndex.get(t);
      if (i === undefined) {
        i = terms.length;
        termIndex.set(t, i);
        terms.push([t.code, t.form, (t.isName ? 1 : 0) | (t.acronym ? 2 : 0) | (t.needsDefinition ? 4 : 0), t.nCodes, t.variant]);
      }
      nodeTerms.push(i);
    }
  }
  const nt = Int32Array.from(nodeTerms);
  const { edges: e, pairs: p } = trie;
  const header = Buffer.from(`${JSON.stringify({ magic: MAGIC, format: TRIE_FORMAT, nodes: trie.nodes, edgeSlots: e.a.length, edges: e.size, pairSlots: p.a.length, pairs: p.size, nodeTerms: nt.length, vocab, terms })}\n`);
  const pad = (8 - (header.length % 8)) % 8; // typed arrays start aligned
  const bytes = (x: Int32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return Buffer.concat([header, Buffer.alloc(pad, 0x20), bytes(e.a), bytes(e.b), bytes(e.v), bytes(p.a), bytes(p.b), bytes(p.v), bytes(nt)]);
}

export function deserializeTrie(buf: Buffer): TokenTrie {
  const nl = buf.indexOf(0x0a);
  const h = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { magic: string; format: number; nodes: number; edgeSlots: number; edges: number; pairSlots: number; pairs: number; nodeTerms: number; vocab: string[]; terms: [string, string, number, number, VariantKind | null][] };
  if (h.magic !== MAGIC || h.format !== TRIE_FORMAT) throw new Error('not a trie file of this format');
  let off = nl + 1;
  off += (8 - (off % 8)) % 8;
  // one copy into a fresh aligned buffer (the file's Buffer may sit at any offset of the pool), then views on it
  const ab = new ArrayBuffer(buf.length - off);
  new Uint8Array(ab).set(buf.subarray(off));
  let at = 0;
  const take = (n: number): Int32Array => {
    if (at + n * 4 > ab.byteLength) throw new Error('trie file is too short');
    const x = new Int32Array(ab, at, n);
    at += n * 4;
    return x;
  };
  const edges = new PairTable(0, { a: take(h.edgeSlots), b: take(h.edgeSlots), v: take(h.edgeSlots), size: h.edges });
  const pairs = new PairTable(0, { a: take(h.pairSlots), b: take(h.pairSlots), v: take(h.pairSlots), size: h.pairs });
  const nt = take(h.nodeTerms);
  if (at !== ab.byteLength) throw new Error('trie file has the wrong length');
  const trie = new TokenTrie();
  trie.edges = edges;
  trie.pairs = pairs;
  for (let i = 0; i < h.vocab.length; i++) trie.vocab.set(h.vocab[i], i + 1);
  const terms: Term[] = h.terms.map(([code, form, f, nCodes, variant]) => ({ code, form, isName: (f & 1) !== 0, acronym: (f & 2) !== 0, needsDefinition: (f & 4) !== 0, nCodes, variant }));
  for (let i = 0; i < nt.length;) {
    const node = nt[i++];
    const n = nt[i++];
    const list: Term[] = new Array(n);
    for (let j = 0; j < n; j++) list[j] = terms[nt[i++]];
    trie.terms.set(node, list);
  }
  trie.nodes = h.nodes;
  return trie;
}
