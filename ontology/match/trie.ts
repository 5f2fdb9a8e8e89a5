// A token trie over the canonical tokens of every lexicon name and synonym. Tokens are interned
// to integers; all edges live in one typed-array hash table keyed by (node, token) (PairTable).
import type { Lexicon } from '../types.ts';
import { canonWord, tokenize, type Token } from './normalize.ts';
import { formVariants as nameVariants, type VariantKind } from './variants.ts';

export interface Term {
  code: string;
  form: string;          // the lexicon string as Orphanet writes it
  isName: boolean;       // preferred label (vs synonym)
  acronym: boolean;      // matched case-sensitively against the surface
  needsDefinition: boolean; // short (<= 3 letters) or a common word: only when the document defines it
  nCodes: number;        // how many codes share this normalised form (ambiguity)
  variant: VariantKind | null; // a generated name variant (variants.ts) of `form`, or null for the form itself
}

// Single-word lexicon forms that are ordinary English or anatomy words in case reports.
export const COMMON_WORDS = new Set(['malleus', 'plague', 'dysphasia', 'noma', 'kuru', 'lubag', 'asidan', 'glanders', 'sodoku', 'equinia', 'pouchitis']);

export function isAcronym(form: string): boolean {
  const compact = form.replace(/[^\p{L}\p{N}]/gu, '');
  if (/\s/.test(form.trim()) || compact.length > 10 || compact.length < 2) return false;
  const upper = (compact.match(/\p{Lu}/gu) ?? []).length;
  const lower = (compact.match(/\p{Ll}/gu) ?? []).length;
  return upper >= 2 && upper >= lower;
}

export function needsDefinition(form: string): boolean {
  const letters = form.replace(/[^\p{L}\p{N}]/gu, '');
  if (letters.length <= 3) return true;
  return COMMON_WORDS.has(form.toLowerCase());
}

/**
 * A map from a pair of non-negative int32s to an int32 (-1: absent): open addressing over typed arrays.
 * Replaces a Map keyed by a * 2^21 + b: those keys are heap numbers (slow to hash and to fill), and the
 * arrays are written to and read from the trie cache as they are, so opening a cached trie fills nothing.
 */
export class PairTable {
  a: Int32Array;
  b: Int32Array;
  v: Int32Array;
  size = 0;

  constructor(capacity = 1024, arrays?: { a: Int32Array; b: Int32Array; v: Int32Array; size: number }) {
    if (arrays) { this.a = arrays.a; this.b = arrays.b; this.v = arrays.v; this.size = arrays.size; return; }
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.a = new Int32Array(cap).fill(-1);
    this.b = new Int32Array(cap);
    this.v = new Int32Array(cap);
  }

  get(a: number, b: number): number {
    const mask = this.a.length - 1;
    for (let i = pairHash(a, b) & mask; ; i = (i + 1) & mask) {
      const x = this.a[i];
      if (x === -1) return -1;
      if (x === a && this.b[i] === b) return this.v[i];
    }
  }

  set(a: number, b: number, v: number): void {
    if ((this.size + 1) * 2 > this.a.length) this.grow();
    const mask = this.a.length - 1;
    let i = pairHash(a, b) & mask;
    for (; this.a[i] !== -1; i = (i + 1) & mask) if (this.a[i] === a && this.b[i] === b) { this.v[i] = v; return; }
    this.a[i] = a; this.b[i] = b; this.v[i] = v; this.size++;
  }

  /** [a, b, v] of every entry, in slot order. */
  *entries(): IterableIterator<[number, number, number]> {
    for (let i = 0; i < this.a.length; i++) if (this.a[i] !== -1) yield [this.a[i], this.b[i], this.v[i]];
  }

  private grow(): void {
    const { a, b, v } = this;
    const cap = a.length * 2, mask = cap - 1;
    this.a = new Int32Array(cap).fill(-1); this.b = new Int32Array(cap); this.v = new Int32Array(cap);
    for (let k = 0; k < a.length; k++) {
      if (a[k] === -1) continue;
      let i = pairHash(a[k], b[k]) & mask;
      while (this.a[i] !== -1) i = (i + 1) & mask;
      this.a[i] = a[k]; this.b[i] = b[k]; this.v[i] = v[k];
    }
  }
}

function pairHash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

export class TokenTrie {
  readonly vocab = new Map<string, number>();
  /** (node, token id) -> child node. */
  edges = new PairTable(1 << 16);
  /** The terms ending at each node. A trie read from the cache fills it on demand (termsAt), see trie-cache.ts. */
  readonly terms = new Map<number, Term[]>();
  /** For a cached trie: decodes the term list of a node not yet in `terms` (null: none ends there). */
  lazyTerms: ((node: number) => Term[] | null) | null = null;
  /** Adjacent word pairs (a, b) of every form: a bracket between two words can only be bridged inside a form. */
  pairs = new PairTable(1 << 15);
  nodes = 1; // 0 = root

  tokenId(norm: string): number {
    let id = this.vocab.get(norm);
    if (id === undefined) { id = this.vocab.size + 1; this.vocab.set(norm, id); }
    return id;
  }

  private root: Int32Array | null = null; // root children by token id: most lookups start at the root

  child(node: number, tok: number): number {
    if (node === 0) {
      const r = this.root ?? this.freezeRoot();
      return tok < r.length ? r[tok] : -1;
    }
    return this.edges.get(node, tok);
  }

  termsAt(node: number): Term[] | undefined {
    const t = this.terms.get(node);
    if (t !== undefined || this.lazyTerms === null) return t;
    const list = this.lazyTerms(node);
    if (list === null) return undefined;
    this.terms.set(node, list);
    return list;
  }

  /** Every node's terms, decoding the cached ones not yet read. */
  allTerms(): Map<number, Term[]> {
    if (this.lazyTerms !== null) for (let node = 0; node < this.nodes; node++) this.termsAt(node);
    return this.terms;
  }

  hasPair(a: number, b: number): boolean {
    return this.pairs.get(a, b) !== -1;
  }

  private freezeRoot(): Int32Array {
    const r = new Int32Array(this.vocab.size + 1).fill(-1);
    for (let t = 1; t <= this.vocab.size; t++) r[t] = this.edges.get(0, t);
    this.root = r;
    return r;
  }

  insert(tokens: string[], term: Term): void {
    this.root = null;
    let node = 0, prev = -1;
    for (const t of tokens) {
      const id = this.tokenId(t);
      if (prev >= 0) this.pairs.set(prev, id, 1);
      prev = id;
      let next = this.edges.get(node, id);
      if (next === -1) { next = this.nodes++; this.edges.set(node, id, next); }
      node = next;
    }
    const list = this.terms.get(node) ?? [];
    // One term per code at a node: a name and a synonym that normalise alike are the same match.
    if (!list.some((x) => x.code === term.code)) list.push(term);
    this.terms.set(node, list);
  }
}

/** Token sequences for a form: as written, plus hyphen-joined variants ("non-compaction" -> "noncompaction"). */
export function formVariants(form: string, canon?: (raw: string) => string, tokens?: Token[]): string[][] {
  const toks = tokens ?? tokenize(form, canon);
  const base = toks.map((t) => t.norm);
  const out = [base];
  if (toks.some((t) => t.hyphenBefore)) {
    const joined: string[] = [];
    for (const t of toks) {
      if (t.hyphenBefore && joined.length) joined[joined.length - 1] += t.norm;
      else joined.push(t.norm);
    }
    out.push(joined);
  }
  return out;
}

// Side abbreviations: Orphanet writes some acronyms with a side prefix ("R-ACAOS" for the anomalous
// aortic origin of the *right* coronary artery) that authors spell out ("right ACAOS"), and the reverse.
// "L-"/"R-" are side prefixes only when the entry itself names that side ("L-2-hydroxyglutaric",
// "L-ferritin", "L-CMD" are not "left"), so a variant is added only then, in both directions.
const SIDE_PREFIX = /^([LR])-(\S+)$/;
const SIDE_WORD = /^(left|right)[ -](\S+)$/i;

/** Side variants of a form: "R-ACAOS" -> "right ACAOS", "right ACAOS" -> "R-ACAOS" (acronym rest only). */
export function sideVariants(form: string, entryText: string): string[] {
  const p = SIDE_PREFIX.exec(form);
  if (p && isAcronym(p[2])) {
    const side = p[1] === 'R' ? 'right' : 'left';
    return new RegExp(`\\b${side}\\b`, 'i').test(entryText) ? [`${side} ${p[2]}`] : [];
  }
  const w = SIDE_WORD.exec(form);
  if (w && isAcronym(w[2])) return [`${w[1][0].toUpperCase()}-${w[2]}`];
  return [];
}

/** Acronym surface check, with a spelled-out side word compared case-insensitively ("Right ACAOS"). */
export function sameAcronym(surface: string, form: string): boolean {
  const compact = (s: string) => s.replace(/['’ʼ]s$/i, '').replace(/[^\p{L}\p{N}]/gu, '');
  if (compact(surface) === compact(form)) return true;
  if (!SIDE_WORD.test(form)) return false;
  const lowerSide = (s: string) => s.replace(/^(?:left|right)(?=[ -])/i, (m) => m.toLowerCase());
  return compact(lowerSide(surface)) === compact(lowerSide(form));
}

export function buildTrie(lex: Lexicon): TokenTrie {
  const trie = new TokenTrie();
  // Count codes per normalised form first, so ambiguous forms can be scored down.
  const codesOf = new Map<string, Set<string>>();
  const cache = new Map<string, string>();
  const canon = (raw: string) => cache.get(raw) ?? (cache.set(raw, canonWord(raw)), cache.get(raw)!);
  const forms: { code: string; form: string; isName: boolean; key: string; variants: string[][]; acronym: boolean }[] = [];
  const generated: { code: string; form: string; tokens: string[]; kind: VariantKind }[] = [];
  for (const e of lex.entries) {
    const all = [e.name, ...e.synonyms];
    const entryText = all.join(' | '); // sideVariants looks for the side word in the entry's names
    for (const [i, f] of all.entries()) {
      if (!f || /^(?:del|dup|trip|inv|der|r)\(/i.test(f)) continue; // cytogenetic formulas are not prose
      const acronym = isAcronym(f);
      const toks = tokenize(f, canon);
      const variants = formVariants(f, canon, toks);
      const key = acronym ? `A:${f.replace(/[^\p{L}\p{N}]/gu, '')}` : variants[0].join(' ');
      forms.push({ code: e.code, form: f, isName: i === 0, key, variants, acronym });
      // a side variant keeps the acronym's case-sensitive check and shares its form's ambiguity count
      for (const g of sideVariants(f, entryText)) forms.push({ code: e.code, form: g, isName: false, key, variants: formVariants(g, canon), acronym });
      (codesOf.get(key) ?? codesOf.set(key, new Set()).get(key)!).add(e.code);
      if (!acronym) for (const v of nameVariants(toks)) generated.push({ code: e.code, form: f, tokens: v.tokens, kind: v.kind });
    }
  }
  for (const { code, form, isName, key, variants, acronym } of forms) {
    const term: Term = { code, form, isName, acronym, needsDefinition: needsDefinition(form), nCodes: codesOf.get(key)!.size, variant: null };
    for (const v of variants) if (v.length) trie.insert(v, term);
  }
  // Name variants: never one that is already a form (of this or another entry); shared ones are ambiguous.
  const variantCodes = new Map<string, Set<string>>();
  const kept = generated.filter((g) => !codesOf.has(g.tokens.join(' ')));
  for (const g of kept) { const k = g.tokens.join(' '); (variantCodes.get(k) ?? variantCodes.set(k, new Set()).get(k)!).add(g.code); }
  for (const g of kept) {
    trie.insert(g.tokens, { code: g.code, form: g.form, isName: false, acronym: false, needsDefinition: false, nCodes: variantCodes.get(g.tokens.join(' '))!.size, variant: g.kind });
  }
  return trie;
}
