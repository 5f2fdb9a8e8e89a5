// The built token trie as bytes, so a process reads it instead of building it (~0.4 s over the full
// lexicon): cached next to the compiled lexicon (ontology/lexicon-cache.ts). The key covers the lexicon file
// and the source of every module that decides what the trie holds (this folder's normalize, variants and
// trie modules), so a change to the normaliser can never meet a stale trie.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PairTable, TokenTrie, type Term } from './trie.ts';
import type { VariantKind } from './variants.ts';

/** Bump when the byte layout below changes. */
export const TRIE_FORMAT = 3;
const MAGIC = 'mmrare-trie';

/** A hash of the code that builds tries: the modules under ontology/match that decide the trie's content. */
export function trieCodeHash(): string {
  const h = createHash('sha256').update(`${MAGIC}-${TRIE_FORMAT}\n`);
  for (const m of ['trie.ts', 'variants.ts', 'normalize.ts', 'trie-cache.ts']) h.update(readFileSync(new URL(`./${m}`, import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/**
 * Layout: a JSON header line (counts and the vocabulary), then the typed arrays as they are in memory (int32): the
 * edge table's three columns, the pair table's three columns, per node the offset of its term list in the list
 * array (-1: none), the list array (count, then term indices), the byte offsets of the terms, and last the
 * terms themselves, each a small JSON array. Reading fills only the vocabulary: a term list is decoded the first
 * time a match reaches its node, so opening the trie does not parse some 30,000 terms a run mostly never meets.
 */
export function serializeTrie(trie: TokenTrie): Buffer {
  const vocab = [...trie.vocab.keys()]; // ids are 1.. in insertion order
  vocab.forEach((w, i) => { if (trie.vocab.get(w) !== i + 1) throw new Error('trie vocabulary ids are not dense'); });
  // terms: each distinct object once; lists as (count, indices…), found through listAt[node]
  const termIndex = new Map<Term, number>();
  const termJson: Buffer[] = [];
  const listAt = new Int32Array(trie.nodes).fill(-1);
  const lists: number[] = [];
  for (const [node, list] of [...trie.allTerms()].sort((x, y) => x[0] - y[0])) {
    listAt[node] = lists.length;
    lists.push(list.length);
    for (const t of list) {
      let i = termIndex.get(t);
      if (i === undefined) {
        i = termJson.length;
        termIndex.set(t, i);
        termJson.push(Buffer.from(JSON.stringify([t.code, t.form, (t.isName ? 1 : 0) | (t.acronym ? 2 : 0) | (t.needsDefinition ? 4 : 0), t.nCodes, t.variant])));
      }
      lists.push(i);
    }
  }
  const termOffsets = new Int32Array(termJson.length + 1);
  termJson.forEach((b, i) => { termOffsets[i + 1] = termOffsets[i] + b.length; });
  const lt = Int32Array.from(lists);
  const { edges: e, pairs: p } = trie;
  const header = Buffer.from(`${JSON.stringify({ magic: MAGIC, format: TRIE_FORMAT, nodes: trie.nodes, edgeSlots: e.a.length, edges: e.size, pairSlots: p.a.length, pairs: p.size, lists: lt.length, terms: termJson.length, vocab })}\n`);
  const pad = (8 - (header.length % 8)) % 8; // typed arrays start aligned
  const bytes = (x: Int32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return Buffer.concat([header, Buffer.alloc(pad, 0x20), bytes(e.a), bytes(e.b), bytes(e.v), bytes(p.a), bytes(p.b), bytes(p.v), bytes(listAt), bytes(lt), bytes(termOffsets), ...termJson]);
}

export function deserializeTrie(buf: Buffer): TokenTrie {
  const nl = buf.indexOf(0x0a);
  const h = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { magic: string; format: number; nodes: number; edgeSlots: number; edges: number; pairSlots: number; pairs: number; lists: number; terms: number; vocab: string[] };
  if (h.magic !== MAGIC || h.format !== TRIE_FORMAT) throw new Error('not a trie file of this format');
  let off = nl + 1;
  off += (8 - (off % 8)) % 8;
  const intBytes = (3 * h.edgeSlots + 3 * h.pairSlots + h.nodes + h.lists + h.terms + 1) * 4;
  // one copy into a fresh aligned buffer (the file's Buffer may sit at any offset of the pool), then views on it
  const ab = new ArrayBuffer(intBytes);
  if (off + intBytes > buf.length) throw new Error('trie file is too short');
  new Uint8Array(ab).set(buf.subarray(off, off + intBytes));
  let at = 0;
  const take = (n: number): Int32Array => { const x = new Int32Array(ab, at, n); at += n * 4; return x; };
  const edges = new PairTable(0, { a: take(h.edgeSlots), b: take(h.edgeSlots), v: take(h.edgeSlots), size: h.edges });
  const pairs = new PairTable(0, { a: take(h.pairSlots), b: take(h.pairSlots), v: take(h.pairSlots), size: h.pairs });
  const listAt = take(h.nodes);
  const lists = take(h.lists);
  const termOffsets = take(h.terms + 1);
  const blob = buf.subarray(off + intBytes);
  if (termOffsets[h.terms] !== blob.length) throw new Error('trie file has the wrong length');
  const trie = new TokenTrie();
  trie.edges = edges;
  trie.pairs = pairs;
  for (let i = 0; i < h.vocab.length; i++) trie.vocab.set(h.vocab[i], i + 1);
  trie.nodes = h.nodes;
  const decoded: (Term | undefined)[] = new Array(h.terms);
  const termOf = (i: number): Term => {
    let t = decoded[i];
    if (t === undefined) {
      const [code, form, f, nCodes, variant] = JSON.parse(blob.toString('utf8', termOffsets[i], termOffsets[i + 1])) as [string, string, number, number, VariantKind | null];
      t = decoded[i] = { code, form, isName: (f & 1) !== 0, acronym: (f & 2) !== 0, needsDefinition: (f & 4) !== 0, nCodes, variant };
    }
    return t;
  };
  trie.lazyTerms = (node) => {
    const at = node >= 0 && node < listAt.length ? listAt[node] : -1;
    if (at < 0) return null;
    const n = lists[at];
    const list: Term[] = new Array(n);
    for (let j = 0; j < n; j++) list[j] = termOf(lists[at + 1 + j]);
    return list;
  };
  return trie;
}
