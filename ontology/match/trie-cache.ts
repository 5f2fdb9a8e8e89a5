// The built token trie as bytes, so a process reads it instead of building it (~0.4 s over the full
// lexicon): cached next to the compiled lexicon (ontology/lexicon-cache.ts). The key covers the lexicon file
// and the source of every module that decides what the trie holds (this folder's normalize, variants and
// trie modules), so a change to the normaliser can never meet a stale trie.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TokenTrie, type Term } from './trie.ts';
import type { VariantKind } from './variants.ts';

/** Bump when the byte layout below changes. */
export const TRIE_FORMAT = 1;
const MAGIC = 'mmrare-trie';

/** A hash of the code that builds tries: the modules under ontology/match that decide the trie's content. */
export function trieCodeHash(): string {
  const h = createHash('sha256').update(`${MAGIC}-${TRIE_FORMAT}\n`);
  for (const m of ['trie.ts', 'variants.ts', 'normalize.ts', 'trie-cache.ts']) h.update(readFileSync(new URL(`./${m}`, import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/**
 * Layout: a JSON header line (counts and the terms table), then the typed arrays: edge keys (float64),
 * edge targets (int32), pair keys (float64), term-list offsets and term indices per node (int32).
 */
export function serializeTrie(trie: TokenTrie): Buffer {
  const vocab = [...trie.vocab.keys()]; // ids are 1.. in insertion order
  vocab.forEach((w, i) => { if (trie.vocab.get(w) !== i + 1) throw new Error('trie vocabulary ids are not dense'); });
  const edgeKeys = new Float64Array(trie.edges.size);
  const edgeVals = new Int32Array(trie.edges.size);
  let k = 0;
  for (const [key, val] of trie.edges) { edgeKeys[k] = key; edgeVals[k] = val; k++; }
  const pairs = Float64Array.from(trie.pairs);
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
  const header = Buffer.from(`${JSON.stringify({ magic: MAGIC, format: TRIE_FORMAT, nodes: trie.nodes, edges: edgeKeys.length, pairs: pairs.length, nodeTerms: nt.length, vocab, terms })}\n`);
  const pad = (8 - (header.length % 8)) % 8; // typed arrays start 8-aligned
  return Buffer.concat([header, Buffer.alloc(pad, 0x20), Buffer.from(edgeKeys.buffer), Buffer.from(pairs.buffer), Buffer.from(edgeVals.buffer), Buffer.from(nt.buffer)]);
}

export function deserializeTrie(buf: Buffer): TokenTrie {
  const nl = buf.indexOf(0x0a);
  const h = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { magic: string; format: number; nodes: number; edges: number; pairs: number; nodeTerms: number; vocab: string[]; terms: [string, string, number, number, VariantKind | null][] };
  if (h.magic !== MAGIC || h.format !== TRIE_FORMAT) throw new Error('not a trie file of this format');
  let off = nl + 1;
  off += (8 - (off % 8)) % 8;
  // copy into fresh aligned buffers (the file's Buffer may sit at any offset of the pool)
  const take = <T extends Float64Array | Int32Array>(C: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T => {
    const bytes = n * C.BYTES_PER_ELEMENT;
    const ab = new ArrayBuffer(bytes);
    new Uint8Array(ab).set(buf.subarray(off, off + bytes));
    off += bytes;
    return new C(ab);
  };
  const edgeKeys = take(Float64Array, h.edges);
  const pairs = take(Float64Array, h.pairs);
  const edgeVals = take(Int32Array, h.edges);
  const nt = take(Int32Array, h.nodeTerms);
  if (off !== buf.length) throw new Error('trie file has the wrong length');
  const trie = new TokenTrie();
  h.vocab.forEach((w, i) => trie.vocab.set(w, i + 1));
  for (let i = 0; i < edgeKeys.length; i++) trie.edges.set(edgeKeys[i], edgeVals[i]);
  for (let i = 0; i < pairs.length; i++) trie.pairs.add(pairs[i]);
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
