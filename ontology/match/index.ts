// The matcher: exact dictionary matching over a token trie (longest match, whole words),
// document-defined abbreviations, context status (negation etc.) and a fuzzy candidate generator.
import type { Mention } from '../../schemas/alignment.ts';
import type { Lexicon } from '../types.ts';
import { findAbbreviations, looksLikeShortForm, type AbbrevDef } from './abbrev.ts';
import { FuzzyIndex, type FuzzyHit } from './fuzzy.ts';
import { contextScopes, statusOf } from './negation.ts';
import { canonWord, isApostrophe, isWordChar, NUMBER_CONTEXT, WORD_CLASS, romanToArabic, singular } from './normalize.ts';
import { sentenceAt, splitSentences } from './sentences.ts';
import { buildTrie, sameAcronym, type Term, type TokenTrie } from './trie.ts';
import { PROCEDURE_NEXT, type VariantKind } from './variants.ts';

export type Field = Mention['field'];

export interface DocPart {
  field: Field;
  sectionId: string | null;
  text: string;
  /** Sentence spans if the caller already has them (the extractor's); else they are computed. */
  sentences?: [number, number][];
}

export interface MentionDetail {
  part: number;                 // index into the parts given
  sentence: [number, number];   // the sentence span in that part's text
  trigger: string | null;       // the context trigger that set a non-affirmed status
  acronym: boolean;
  nCodes: number;
  variant: VariantKind | null;  // the name variant that matched (method 'variant'), see variants.ts
}

export interface DocAbbreviation extends AbbrevDef { part: number; code: string | null }

export interface DocMatch {
  mentions: Mention[];
  details: MentionDetail[];     // parallel to mentions
  abbreviations: DocAbbreviation[];
}

export interface Matcher {
  lexicon: Lexicon;
  matchDocument(parts: DocPart[]): DocMatch;
  /** Matches one free text (a one-part document). */
  match(text: string): Mention[];
  /** Review candidates by character-trigram similarity (never accepted automatically). */
  fuzzy(text: string, limit?: number): FuzzyHit[];
}

/**
 * A tokenised text as parallel arrays (no per-token objects on the hot path). Per token: its word's trie id,
 * its singular's id (-1: none), whether a lexicon form can start with it (`starts`), and its word's entry in
 * the word table (`wk`: `norms[wk[t]]` is its canonical form).
 */
interface Scan { n: number; start: Int32Array; end: Int32Array; ids: Int32Array; sgs: Int32Array; starts: Uint8Array; wk: Int32Array; norms: string[]; hyph: Uint8Array; brk: Uint8Array; bracketed: number[] }

interface Hit { i: number; j: number; terms: Term[]; method: Mention['method']; score: number; form: string; bridged?: number; expanded?: boolean }

const CACHE_LIMIT = 500_000;
/** Texts up to this many chars are scanned in the word table's scratch arrays (kept: 4 chars per token slot). */
const SCRATCH_CHARS = 1 << 20;

interface ScanArrays { start: Int32Array; end: Int32Array; wk: Int32Array; hyph: Uint8Array; brk: Uint8Array }
const newScratch = (cap: number): ScanArrays =>
  ({ start: new Int32Array(cap), end: new Int32Array(cap), wk: new Int32Array(cap), hyph: new Uint8Array(cap), brk: new Uint8Array(cap) });
const STARTS = 1, NUM_CTX = 2;

// Word lookup keyed by a hash computed while scanning, so the hot loop neither allocates a substring nor
// hashes a string for words it has seen before: an open-addressing table over typed arrays, each slot
// [entry, hash, length, offset of its chars in one char pool], so a probe reads one slot and compares
// typed-array chars. Only a new word is sliced and normalised (add). A word's entry (its trie ids and flags
// in typed arrays, its canonical form) is what a scan keeps per token: no object per word, so nothing for
// the young-generation collector to copy.
class WordTable {
  private slots = new Int32Array(4 << 16).fill(-1);
  private pool = new Uint16Array(1 << 16);
  private used = 0;    // chars of the pool in use
  private inSlots = 0; // words the slots index
  // entries: a word of the table, or a rewritten form (roman numerals); kept until the document ends
  n = 0;
  ids = new Int32Array(1 << 12);
  sgs = new Int32Array(1 << 12);
  flags = new Uint8Array(1 << 12);
  norms: string[] = [];
  scratch = newScratch(1 << 12);
  private romanOf = new Map<string, number>();
  private readonly vocabBits: Uint32Array;
  constructor(private trie: TokenTrie) { this.vocabBits = vocabBitsOf(trie); }

  /** Between documents: past the size limit, every entry goes (a scan holds entry numbers, so not during one). */
  settle(): void {
    if (this.n < CACHE_LIMIT) return;
    this.n = 0; this.norms = []; this.romanOf.clear();
    this.clearSlots();
  }

  lookup(text: string, s: number, e: number, h: number): number {
    const slots = this.slots, mask = (slots.length >> 2) - 1, len = e - s;
    let i = h & mask;
    for (let k = slots[i << 2]; k !== -1; k = slots[i << 2]) {
      const x = i << 2;
      if (slots[x + 1] === h && slots[x + 2] === len) {
        const pool = this.pool;
        let o = slots[x + 3], j = s;
        while (j < e && pool[o] === text.charCodeAt(j)) { o++; j++; }
        if (j === e) return k;
      }
      i = (i + 1) & mask;
    }
    return this.add(text, s, e, h, i);
  }

  /** A word not in the table: normalised once, indexed at the free slot `i` its probe ended on. */
  private add(text: string, s: number, e: number, h: number, i: number): number {
    // past the limit within one document: the index starts again (its entries stay until the document ends)
    if (this.inSlots >= CACHE_LIMIT) { this.clearSlots(); return this.lookup(text, s, e, h); }
    const k = this.entry(canonWord(text.slice(s, e)));
    const len = e - s;
    while (this.used + len > this.pool.length) this.pool = grow(this.pool);
    for (let j = 0; j < len; j++) this.pool[this.used + j] = text.charCodeAt(s + j);
    const x = i << 2;
    this.slots[x] = k; this.slots[x + 1] = h; this.slots[x + 2] = len; this.slots[x + 3] = this.used;
    this.used += len;
    if (++this.inSlots * 2 > this.slots.length >> 2) this.rehash(this.slots.length * 2);
    return k;
  }

  /** A new entry for a canonical form: its trie ids and flags. */
  private entry(norm: string): number {
    const k = this.n++;
    if (k === this.ids.length) { this.ids = grow(this.ids); this.sgs = grow(this.sgs); this.flags = grow(this.flags); }
    const sgForm = singular(norm);
    // most new words are in no lexicon form: a bit of the vocabulary's hash set says so without a Map probe
    const bits = this.vocabBits;
    const id = hasBit(bits, norm) ? this.trie.vocab.get(norm) ?? -1 : -1;
    const sg = sgForm && hasBit(bits, sgForm) ? this.trie.vocab.get(sgForm) ?? -1 : -1;
    // starts: the word (or its singular) begins some lexicon form, so a match may start here
    const starts = (id >= 0 && this.trie.child(0, id) >= 0) || (sg >= 0 && this.trie.child(0, sg) >= 0);
    this.ids[k] = id; this.sgs[k] = sg;
    this.flags[k] = (starts ? STARTS : 0) | (NUMBER_CONTEXT.has(norm) ? NUM_CTX : 0);
    this.norms.push(norm);
    return k;
  }

  private clearSlots(): void {
    this.used = 0; this.inSlots = 0;
    this.slots = new Int32Array(4 << 16).fill(-1);
  }

  private rehash(size: number): void {
    const old = this.slots;
    const slots = new Int32Array(size).fill(-1);
    const mask = (size >> 2) - 1;
    for (let x = 0; x < old.length; x += 4) {
      if (old[x] === -1) continue;
      let i = old[x + 1] & mask;
      while (slots[i << 2] !== -1) i = (i + 1) & mask;
      slots.set(old.subarray(x, x + 4), i << 2);
    }
    this.slots = slots;
  }

  /** Roman numerals after "type", "class", "factor"…: "type II" == "type 2". */
  roman(k: number): number {
    const arabic = romanToArabic(this.norms[k]);
    if (!arabic) return k;
    let r = this.romanOf.get(arabic);
    if (r === undefined) { r = this.entry(arabic); this.romanOf.set(arabic, r); }
    return r;
  }
}

// A bit set over the hashes of the trie's vocabulary (2^20 bits, 128 KB: it stays in cache, where the vocabulary
// Map does not): a clear bit means the word is not in the vocabulary. Built once per trie.
const VOCAB_BITS = 20;
const vocabBitSets = new WeakMap<TokenTrie, Uint32Array>();
function vocabBitsOf(trie: TokenTrie): Uint32Array {
  let bits = vocabBitSets.get(trie);
  if (!bits) {
    bits = new Uint32Array(1 << (VOCAB_BITS - 5));
    for (const w of trie.vocab.keys()) { const h = wordHash(w); bits[h >>> 5] |= 1 << (h & 31); }
    vocabBitSets.set(trie, bits);
  }
  return bits;
}
function wordHash(w: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
  return (h ^ (h >>> VOCAB_BITS)) & ((1 << VOCAB_BITS) - 1);
}
const hasBit = (bits: Uint32Array, w: string): boolean => { const h = wordHash(w); return (bits[h >>> 5] & (1 << (h & 31))) !== 0; };

const isJoiner = (c: number) => c === 45 || c === 47 || (c >= 0x2010 && c <= 0x2013);

function grow<T extends Int32Array | Uint8Array | Uint16Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

// A match never crosses brackets, clause punctuation, a sentence stop or a line break:
// "pseudohypoaldosteronism (PHA) type 1" must not yield "PHA) type 1".
function isBreakGap(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 40 || c === 41 || c === 91 || c === 93 || c === 59 || c === 58 || c === 33 || c === 63 || c === 10) return true;
    if (c === 46 && (k + 1 >= text.length || text.charCodeAt(k + 1) <= 32)) return true;
  }
  return false;
}

function scan(text: string, table: WordTable): Scan {
  // the token arrays are filled in the table's scratch arrays (reused: no zeroed allocation per text), and
  // copied out at their length; a text longer than the scratch limit gets arrays of its own
  const own = text.length > SCRATCH_CHARS;
  let cap = own ? (text.length >> 2) + 16 : table.scratch.start.length; // ~6 chars per word in prose; grown when needed
  let { start, end, wk, hyph, brk } = own ? newScratch(cap) : table.scratch;
  const bracketed: number[] = [];
  let n = 0, i = 0, prevEnd = -2, prevNumCtx = false;
  const len = text.length;
  const WC = WORD_CLASS; // a local: an imported binding is loaded again on every access
  while (i < len) {
    let c = text.charCodeAt(i);
    // WORD_CLASS: 1 word char, 2 not, 0 not yet classified (non-ASCII; isWordChar fills it in)
    if (WC[c] === 2 || (WC[c] === 0 && !isWordChar(c))) { i++; continue; }
    const s = i;
    let h = 0x811c9dc5 | 0;
    do {
      h = Math.imul(h ^ c, 16777619);
      i++;
      if (i >= len) break;
      c = text.charCodeAt(i);
    } while (WC[c] === 1 || (WC[c] === 0 && isWordChar(c)));
    if (i + 1 < len && isApostrophe(c) && (text.charCodeAt(i + 1) | 32) === 115 && (i + 2 >= len || !isWordChar(text.charCodeAt(i + 2)))) {
      h = Math.imul(Math.imul(h ^ c, 16777619) ^ text.charCodeAt(i + 1), 16777619);
      i += 2;
    }
    let k = table.lookup(text, s, i, h & 0x3fffffff);
    if (prevNumCtx) k = table.roman(k);
    if (n === cap) { start = grow(start); end = grow(end); wk = grow(wk); hyph = grow(hyph); brk = grow(brk); cap *= 2; }
    start[n] = s; end[n] = i; wk[n] = k;
    hyph[n] = s === prevEnd + 1 && isJoiner(text.charCodeAt(prevEnd)) ? 1 : 0;
    brk[n] = n > 0 && !(s === prevEnd + 1 && text.charCodeAt(prevEnd) === 32) && isBreakGap(text, prevEnd, s) ? 1 : 0;
    // a word alone in brackets, "(KT)": a candidate short form inside a name (withBridgedHits)
    if (brk[n] === 1 && s > 0 && i < len && text.charCodeAt(s - 1) === 40 && text.charCodeAt(i) === 41) bracketed.push(n);
    n++; prevEnd = i; prevNumCtx = (table.flags[k] & NUM_CTX) !== 0;
  }
  if (!own) {
    table.scratch = { start, end, wk, hyph, brk }; // grown, perhaps
    start = start.slice(0, n); end = end.slice(0, n); wk = wk.slice(0, n); hyph = hyph.slice(0, n); brk = brk.slice(0, n);
  }
  // the entries' ids and flags per token, gathered in one pass (the table's arrays stay warm)
  const ids = new Int32Array(n), sgs = new Int32Array(n), starts = new Uint8Array(n);
  const tIds = table.ids, tSgs = table.sgs, tFlags = table.flags;
  for (let t = 0; t < n; t++) { const k = wk[t]; ids[t] = tIds[k]; sgs[t] = tSgs[k]; starts[t] = tFlags[k] & STARTS; }
  return { n, start, end, ids, sgs, starts, wk, norms: table.norms, hyph, brk, bracketed };
}

/** opts.trie: a trie already built for this lexicon (read from the trie cache, ontology/lexicon-cache.ts). */
export function createMatcher(lex: Lexicon, opts: { trie?: TokenTrie } = {}): Matcher {
  const trie = opts.trie ?? buildTrie(lex);
  const table = new WordTable(trie);
  let fuzzyIndex: FuzzyIndex | null = null;
  return {
    lexicon: lex,
    matchDocument: (parts) => matchDocument(lex, trie, table, parts),
    match: (text) => matchDocument(lex, trie, table, [{ field: 'body', sectionId: null, text }]).mentions,
    fuzzy: (text, limit = 5) => (fuzzyIndex ??= new FuzzyIndex(lex)).search(text, limit),
  };
}

const alnum = (s: string) => s.replace(/['’ʼ]s$/i, '').replace(/[^\p{L}\p{N}]/gu, '');

/** Leftmost-longest exact matches in one scanned text. */
function exactHits(trie: TokenTrie, text: string, sc: Scan): Hit[] {
  const hits: Hit[] = [];
  let i = 0;
  while (i < sc.n) {
    // Fast skip: the word starts no lexicon form (nor does its singular or a hyphen join).
    if (sc.starts[i] === 0 && !(i + 1 < sc.n && sc.hyph[i + 1] === 1)) { i++; continue; }
    const best = walk(trie, text, sc, i, 0, i, null);
    if (best) {
      hits.push({ i, j: best.j, terms: best.terms, method: 'exact', score: 1, form: best.terms[0].form });
      i = best.j + 1;
    } else i++;
  }
  return hits;
}

// The surface is sliced only when an acronym needs its case-sensitive check (most terms are not acronyms).
function acceptable(terms: Term[], text: string, sc: Scan, i: number, j: number): Term[] {
  let surface: string | null = null;
  return terms.filter((t) => !t.needsDefinition && (!t.acronym || sameAcronym(surface ??= text.slice(sc.start[i], sc.end[j]), t.form)) &&
    (t.variant !== 'head_word_dropped' || bareEponymOk(text, sc, i, j)));
}

// A bare eponym ("Klippel-Trenaunay" for the syndrome) counts when its names are capitalised and the
// next word does not make it a sign, test or procedure ("Roux-en-Y procedure", "Kaplan-Meier curve")
// and the name does not go on with a hyphen ("Klippel-Trenaunay-Weber").
function bareEponymOk(text: string, sc: Scan, i: number, j: number): boolean {
  for (let k = i; k <= j; k++) {
    const c = text.charCodeAt(sc.start[k]);
    if (!(c >= 65 && c <= 90) && !/^(?:type|\d+[a-z]?)$/.test(sc.norms[sc.wk[k]]) && !(c > 127 && text[sc.start[k]] !== text[sc.start[k]].toLowerCase())) return false;
  }
  if (j + 1 < sc.n && (sc.hyph[j + 1] === 1 || PROCEDURE_NEXT.has(sc.norms[sc.wk[j + 1]]))) return false;
  return true;
}

interface Best { j: number; terms: Term[] }

// Hot path: plain functions with explicit parameters (no per-call closures).
function consider(trie: TokenTrie, text: string, sc: Scan, i: number, node: number, j: number, best: Best | null): Best | null {
  const terms = trie.termsAt(node);
  if (!terms) return best;
  const ok = acceptable(terms, text, sc, i, j);
  return ok.length && (!best || j > best.j) ? { j, terms: ok } : best;
}

function walk(trie: TokenTrie, text: string, sc: Scan, i: number, node: number, j: number, best: Best | null): Best | null {
  if (j >= sc.n || (j > i && sc.brk[j] === 1)) return best;
  const id = sc.ids[j], sg = sc.sgs[j];
  if (id >= 0) {
    const c = trie.child(node, id);
    if (c >= 0) { best = consider(trie, text, sc, i, c, j, best); best = walk(trie, text, sc, i, c, j + 1, best); }
  }
  // Plural head: only as the last token of a match ("cardiac myxomas").
  if (sg >= 0) {
    const c = trie.child(node, sg);
    if (c >= 0) best = consider(trie, text, sc, i, c, j, best);
  }
  // Hyphenated text word vs a closed lexicon word: "non-compaction" == "noncompaction".
  if (j + 1 < sc.n && sc.hyph[j + 1]) {
    const jid = trie.vocab.get(sc.norms[sc.wk[j]] + sc.norms[sc.wk[j + 1]]);
    if (jid !== undefined) {
      const c = trie.child(node, jid);
      if (c >= 0) { best = consider(trie, text, sc, i, c, j + 1, best); best = walk(trie, text, sc, i, c, j + 2, best); }
    }
  }
  return best;
}

// Affixes that say the text names something other than the disease itself: "pseudo-Kaposi sarcoma" and
// "lupus-like" resemble it (differential), "non-Hodgkin" is not it (negated). Only hyphen-joined affixes:
// a free-standing "like" or "non" is ordinary syntax. A form that includes the affix ("Non-Langerhans
// cell histiocytosis") is matched whole by the longest match, so it never gets here.
const PSEUDO_BEFORE = /(?:^|[^\p{L}\p{N}])pseudo[-\u2010\u2011]$/iu;
const NON_BEFORE = /(?:^|[^\p{L}\p{N}])non[-\u2010\u2011]$/iu;
const LIKE_AFTER = /^[-\u2010\u2011](?:like|mimicking|mimic)\b/i;

const isHyphen = (c: number) => c === 45 || c === 0x2010 || c === 0x2011;

export function affixStatus(text: string, start: number, end: number): { status: Mention['status']; trigger: string } | null {
  if (!isHyphen(text.charCodeAt(start - 1)) && !isHyphen(text.charCodeAt(end))) return null; // nearly every mention
  const before = text.slice(Math.max(0, start - 8), start);
  if (PSEUDO_BEFORE.test(before)) return { status: 'differential', trigger: 'pseudo-' };
  if (NON_BEFORE.test(before)) return { status: 'negated', trigger: 'non-' };
  if (LIKE_AFTER.test(text.slice(end, end + 12))) return { status: 'differential', trigger: '-like' };
  return null;
}

// Rule abbreviation_inside_name: "X-Y (XYS) syndrome", "Klippel-Trenaunay (KT) syndrome". Authors put the
// short form inside the name; the brackets stop a match, so the name is matched again with the bracketed
// short form left out. Only a single bracketed short form (looksLikeShortForm) whose letters start with the
// name's first letter and follow the name's letters in order (Schwartz & Hearst), between two words.
const BRIDGE_BEFORE = 8, BRIDGE_AFTER = 6;

function withBridgedHits(trie: TokenTrie, text: string, sc: Scan, hits: Hit[]): Hit[] {
  let out: Hit[] | null = null;
  for (const k of sc.bracketed) {
    // token k alone in brackets (the scan noted it), a word right before "(" and right after ")", and the two
    // words next to each other in some lexicon form (a cheap filter: "computed tomography (CT) scan" stops here)
    if (k < 1 || k + 1 >= sc.n || sc.brk[k + 1] !== 1) continue;
    if (!bridgeable(trie, sc, k - 1, k + 1)) continue;
    const open = sc.start[k] - 1, close = sc.end[k];
    if (!/^\s*$/.test(text.slice(sc.end[k - 1], open)) || !/^\s*$/.test(text.slice(close + 1, sc.start[k + 1]))) continue;
    const sf = text.slice(sc.start[k], sc.end[k]);
    if (!looksLikeShortForm(sf) || !/\p{Lu}/u.test(sf[0])) continue;
    // a scan of the tokens around with token k left out and the bracket gap closed
    const from = Math.max(0, k - BRIDGE_BEFORE), to = Math.min(sc.n, k + 1 + BRIDGE_AFTER);
    const idx = [...Array(to - from).keys()].map((x) => x + from).filter((x) => x !== k);
    const mini: Scan = {
      n: idx.length, start: Int32Array.from(idx, (x) => sc.start[x]), end: Int32Array.from(idx, (x) => sc.end[x]), ids: Int32Array.from(idx, (x) => sc.ids[x]),
      sgs: Int32Array.from(idx, (x) => sc.sgs[x]), starts: Uint8Array.from(idx, (x) => sc.starts[x]), wk: Int32Array.from(idx, (x) => sc.wk[x]), norms: sc.norms,
      hyph: Uint8Array.from(idx, (x) => sc.hyph[x]), brk: Uint8Array.from(idx, (x) => (x === k + 1 ? 0 : sc.brk[x])), bracketed: [],
    };
    const gap = k - from; // index in `mini` of the token after the brackets
    for (const h of exactHits(trie, text, mini)) {
      if (!(h.i < gap && h.j >= gap)) continue;
      const i = idx[h.i], j = idx[h.j];
      const name = text.slice(sc.start[i], open) + text.slice(close + 1, sc.end[j]);
      if (!initialsFit(sf, name)) continue;
      out ??= [...hits];
      out = out.filter((x) => x.j < i || x.i > j); // the partial matches inside the name give way
      out.push({ ...h, i, j, bridged: k });
    }
  }
  return out ? out.sort((a, b) => a.i - b.i) : hits;
}

function bridgeable(trie: TokenTrie, sc: Scan, a: number, b: number): boolean {
  for (const x of [sc.ids[a], sc.sgs[a]]) for (const y of [sc.ids[b], sc.sgs[b]]) if (x >= 0 && y >= 0 && trie.hasPair(x, y)) return true;
  return false;
}

/** The short form's letters begin with the name's first letter and occur in the name in order. */
export function initialsFit(sf: string, name: string): boolean {
  const s = sf.toLowerCase().replace(/[^\p{L}\p{N}]/gu, ''), n = name.toLowerCase();
  if (!s || s[0] !== n.replace(/^[^\p{L}\p{N}]+/u, '')[0]) return false;
  let p = 0;
  for (const c of s) { p = n.indexOf(c, p); if (p < 0) return false; p++; }
  return true;
}

// Rule abbreviation_expanded_in_name: a defined short form used inside a longer name ("autoimmune PAP" after
// "pulmonary alveolar proteinosis (PAP)", "vascular EDS"). The words around the short form are matched again
// with the short form written out; a longer lexicon form of another entry that spans the whole long form and at
// least one of the words around wins over the bare short form.
function withExpandedAbbreviations(trie: TokenTrie, table: WordTable, defs: DocAbbreviation[], text: string, sc: Scan, hits: Hit[]): Hit[] {
  const longOf = new Map<string, DocAbbreviation>();
  for (const d of defs) if (d.code && !longOf.has(d.short)) longOf.set(d.short, d);
  let out = hits;
  for (const h of hits) {
    // the bare short form: linked through the definition, or a lexicon acronym the document defines alike ("GvHD")
    if (h.i !== h.j || (h.method !== 'abbreviation' && !h.terms.every((t) => t.acronym))) continue;
    const k = h.i;
    const d = longOf.get(h.method === 'abbreviation' ? h.terms[0].form : alnum(text.slice(sc.start[k], sc.end[k])));
    if (!d || (h.method !== 'abbreviation' && !h.terms.some((t) => t.code === d.code))) continue;
    let a = k, b = k;
    while (a > 0 && k - a < 2 && sc.brk[a] !== 1) a--;   // up to two words before, within the clause
    while (b + 1 < sc.n && b - k < 2 && sc.brk[b + 1] !== 1) b++;
    if (a === k && b === k) continue;
    const pre = text.slice(sc.start[a], sc.start[k]), post = text.slice(sc.end[k], sc.end[b]);
    const combined = `${pre}${d.long}${post}`;
    const lo = pre.length, hi = pre.length + d.long.length;
    const csc = scan(combined, table);
    const best = exactHits(trie, combined, csc).filter((x) => csc.start[x.i] <= lo && csc.end[x.j] >= hi && (csc.start[x.i] < lo || csc.end[x.j] > hi) && x.terms.every((t) => t.code !== d.code))
      .sort((x, y) => (csc.end[y.j] - csc.start[y.i]) - (csc.end[x.j] - csc.start[x.i]))[0];
    if (!best) continue;
    // map the combined scan's edge tokens back to the part's tokens
    const before = csc.start[best.i] < lo ? [...Array(csc.n).keys()].filter((t) => csc.start[t] >= csc.start[best.i] && csc.end[t] <= lo).length : 0;
    const after = csc.end[best.j] > hi ? [...Array(csc.n).keys()].filter((t) => csc.start[t] >= hi && csc.end[t] <= csc.end[best.j]).length : 0;
    const i = k - before, j = k + after;
    out = out.filter((x) => x === h ? false : x.j < i || x.i > j);
    out.push({ i, j, terms: best.terms, method: 'exact', score: 1, form: best.form, expanded: true });
  }
  return out === hits ? hits : out.sort((x, y) => x.i - y.i);
}

/** Codes that a document-defined abbreviation stands for, from the exact hit ending its long form. */
function resolveDefinitions(defs: DocAbbreviation[], hitsByPart: Hit[][], scans: Scan[]): void {
  for (const d of defs) {
    const sc = scans[d.part];
    // "Klippel-Trenaunay (KT) syndrome": the short form inside a bridged name stands for that name
    const around = hitsByPart[d.part].find((h) => h.bridged !== undefined && sc.start[h.bridged] === d.shortStart && h.terms.length === 1);
    if (around) { d.code = around.terms[0].code; continue; }
    const ending = hitsByPart[d.part].filter((h) => sc.end[h.j] === d.longEnd && sc.start[h.i] < d.longEnd && h.terms.length === 1);
    const hit = ending.find((h) => sc.start[h.i] >= d.longStart - 1) ?? ending[0];
    d.code = hit ? hit.terms[0].code : null;
  }
}

function abbreviationHits(lex: Lexicon, defs: DocAbbreviation[], text: string, sc: Scan, part: number, taken: Set<number>): Hit[] {
  const byShort = new Map<string, DocAbbreviation>();
  for (const d of defs) if (d.code && !byShort.has(d.short)) byShort.set(d.short, d);
  const hits: Hit[] = [];
  if (!byShort.size) return hits;
  // a cheap test before any substring: a token can only be a short form (or its possessive or plural) when it
  // starts with a short form's first char and is at most 3 chars longer than one ("'s" + "s")
  const firsts = new Set<number>();
  let minLen = Infinity, maxLen = 0;
  for (const sf of byShort.keys()) { firsts.add(sf.charCodeAt(0)); minLen = Math.min(minLen, sf.length); maxLen = Math.max(maxLen, sf.length); }
  for (let k = 0; k < sc.n; k++) {
    const c0 = text.charCodeAt(sc.start[k]);
    if (c0 >= 97 && c0 <= 122) continue; // short forms start with a capital or a digit
    const len = sc.end[k] - sc.start[k];
    if (len < minLen || len > maxLen + 3 || !firsts.has(c0)) continue;
    if (taken.has(k)) continue;
    const raw = text.slice(sc.start[k], sc.end[k]).replace(/['’ʼ]s$/i, '');
    const d = byShort.get(raw) ?? (raw.endsWith('s') ? byShort.get(raw.slice(0, -1)) : undefined);
    if (!d || !d.code) continue;
    if (d.part === part && sc.start[k] >= d.shortStart && sc.end[k] <= d.shortEnd) continue; // the definition itself
    const e = lex.byCode.get(d.code)!;
    const term: Term = { code: d.code, form: d.short, isName: false, acronym: true, needsDefinition: false, nCodes: 1, variant: null };
    hits.push({ i: k, j: k, terms: [term], method: 'abbreviation', score: 0.9, form: `${d.short} = ${e.name}` });
  }
  return hits;
}

function matchDocument(lex: Lexicon, trie: TokenTrie, table: WordTable, parts: DocPart[]): DocMatch {
  table.settle();
  const scans = parts.map((p) => scan(p.text, table));
  const hitsByPart = parts.map((p, k) => withBridgedHits(trie, p.text, scans[k], exactHits(trie, p.text, scans[k])));
  const defs: DocAbbreviation[] = parts.flatMap((p, k) => findAbbreviations(p.text).map((d) => ({ ...d, part: k, code: null })));
  resolveDefinitions(defs, hitsByPart, scans);
  // A short form the document defines as something else is not the lexicon's acronym here.
  const otherwise = new Set(defs.filter((d) => d.code === null).map((d) => d.short));
  const mentions: Mention[] = [];
  const details: MentionDetail[] = [];
  parts.forEach((p, k) => {
    const sc = scans[k];
    let hits = hitsByPart[k];
    if (otherwise.size) hits = hits.filter((h) => !(h.i === h.j && h.terms.every((t) => t.acronym) && otherwise.has(alnum(p.text.slice(sc.start[h.i], sc.end[h.i])))));
    const taken = new Set<number>();
    for (const h of hits) for (let t = h.i; t <= h.j; t++) taken.add(t);
    hits = [...hits, ...abbreviationHits(lex, defs, p.text, sc, k, taken)].sort((a, b) => a.i - b.i);
    if (!hits.length) return;
    if (defs.length && hits.some((h) => h.i === h.j && (h.method === 'abbreviation' || h.terms[0].acronym))) hits = withExpandedAbbreviations(trie, table, defs, p.text, sc, hits);
    const sentences = p.sentences ?? splitSentences(p.text);
    const scopeCache = new Map<number, ReturnType<typeof contextScopes>>();
    for (const h of hits) {
      const start = sc.start[h.i], end = sc.end[h.j];
      const si = sentenceAt(sentences, start);
      const [ss, se] = sentences[si] ?? [0, p.text.length];
      let scopes = scopeCache.get(si);
      if (!scopes) { scopes = contextScopes(p.text.slice(ss, se)); scopeCache.set(si, scopes); }
      const ctx = affixStatus(p.text, start, end) ?? statusOf(scopes, start - ss, end - ss);
      for (const t of h.terms) {
        const e = lex.byCode.get(t.code)!;
        const acronymPenalty = t.acronym && h.method === 'exact' ? 0.8 : 1;
        const variant: VariantKind | null = h.bridged !== undefined ? 'abbreviation_inside_name' : h.expanded ? 'abbreviation_expanded_in_name' : h.method === 'exact' ? t.variant : null;
        mentions.push({
          sectionId: p.sectionId, field: p.field, start, end, text: p.text.slice(start, end),
          orphaCode: t.code, orphaName: e.name, matchedForm: h.method === 'abbreviation' ? h.form : t.form,
          method: variant ? 'variant' : h.method, score: round(h.score * acronymPenalty * (variant ? VARIANT_SCORE[variant] : 1) / t.nCodes), status: ctx.status,
        });
        details.push({ part: k, sentence: [ss, se], trigger: ctx.trigger, acronym: t.acronym, nCodes: t.nCodes, variant });
      }
    }
  });
  return { mentions, details, abbreviations: defs };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A variant is slightly weaker evidence than the name as Orphanet writes it; a dropped head word most. */
export const VARIANT_SCORE: Record<VariantKind, number> = { head_word_dropped: 0.85, type_order: 1, of_reordered: 0.95, organ_adjective: 0.95, abbreviation_inside_name: 0.95, abbreviation_expanded_in_name: 0.9 };
