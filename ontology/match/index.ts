// The matcher: exact dictionary matching over a token trie (longest match, whole words),
// document-defined abbreviations, context status (negation etc.) and a fuzzy candidate generator.
import type { Mention } from '../../schemas/alignment.ts';
import type { Lexicon } from '../types.ts';
import { findAbbreviations, type AbbrevDef } from './abbrev.ts';
import { FuzzyIndex, type FuzzyHit } from './fuzzy.ts';
import { contextScopes, statusOf } from './negation.ts';
import { canonWord, singular, tokenize, type Token } from './normalize.ts';
import { sentenceAt, splitSentences } from './sentences.ts';
import { buildTrie, type Term, type TokenTrie } from './trie.ts';

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

interface Hit { part: number; i: number; j: number; terms: Term[]; method: Mention['method']; score: number; form: string }

const CACHE_LIMIT = 500_000;

export function createMatcher(lex: Lexicon): Matcher {
  const trie = buildTrie(lex);
  const canonCache = new Map<string, string>();
  const canon = (raw: string): string => {
    let c = canonCache.get(raw);
    if (c === undefined) {
      if (canonCache.size > CACHE_LIMIT) canonCache.clear();
      c = canonWord(raw);
      canonCache.set(raw, c);
    }
    return c;
  };
  let fuzzyIndex: FuzzyIndex | null = null;

  const matcher: Matcher = {
    lexicon: lex,
    matchDocument: (parts) => matchDocument(lex, trie, canon, parts),
    match: (text) => matchDocument(lex, trie, canon, [{ field: 'body', sectionId: null, text }]).mentions,
    fuzzy: (text, limit = 5) => (fuzzyIndex ??= new FuzzyIndex(lex)).search(text, limit),
  };
  return matcher;
}

const alnum = (s: string) => s.replace(/['’ʼ]s$/i, '').replace(/[^\p{L}\p{N}]/gu, '');

/** Leftmost-longest exact matches in one token stream. */
function exactHits(trie: TokenTrie, text: string, toks: Token[], part: number): Hit[] {
  const n = toks.length;
  const ids = new Int32Array(n);
  for (let k = 0; k < n; k++) ids[k] = trie.vocab.get(toks[k].norm) ?? -1;
  const hits: Hit[] = [];
  let i = 0;
  while (i < n) {
    if (ids[i] < 0 && !(i + 1 < n && toks[i + 1].hyphenBefore)) { i++; continue; }
    const best = longestAt(trie, text, toks, ids, i);
    if (best) {
      hits.push({ part, i, j: best.j, terms: best.terms, method: 'exact', score: 1, form: best.terms[0].form });
      i = best.j + 1;
    } else i++;
  }
  return hits;
}

function acceptable(terms: Term[] | undefined, surface: string): Term[] {
  if (!terms) return [];
  return terms.filter((t) => !t.needsDefinition && (!t.acronym || alnum(surface) === alnum(t.form)));
}

function longestAt(trie: TokenTrie, text: string, toks: Token[], ids: Int32Array, i: number): { j: number; terms: Term[] } | null {
  let best: { j: number; terms: Term[] } | null = null;
  const consider = (node: number, j: number) => {
    const ok = acceptable(trie.terms.get(node), text.slice(toks[i].start, toks[j].end));
    if (ok.length && (!best || j > best.j)) best = { j, terms: ok };
  };
  const walk = (node: number, j: number): void => {
    if (j >= toks.length) return;
    if (ids[j] >= 0) {
      const c = trie.child(node, ids[j]);
      if (c >= 0) { consider(c, j); walk(c, j + 1); }
    }
    // Plural head: only as the last token of a match ("cardiac myxomas").
    const sg = singular(toks[j].norm);
    if (sg) {
      const sid = trie.vocab.get(sg);
      if (sid !== undefined) { const c = trie.child(node, sid); if (c >= 0) consider(c, j); }
    }
    // Hyphenated text word vs a closed lexicon word: "non-compaction" == "noncompaction".
    if (j + 1 < toks.length && toks[j + 1].hyphenBefore) {
      const jid = trie.vocab.get(toks[j].norm + toks[j + 1].norm);
      if (jid !== undefined) { const c = trie.child(node, jid); if (c >= 0) { consider(c, j + 1); walk(c, j + 2); } }
    }
  };
  walk(0, i);
  return best;
}

/** Codes that a document-defined abbreviation stands for, from the exact hit ending its long form. */
function resolveDefinitions(defs: DocAbbreviation[], hitsByPart: Hit[][], toksByPart: Token[][]): void {
  for (const d of defs) {
    const toks = toksByPart[d.part];
    const hit = hitsByPart[d.part].find((h) => toks[h.j].end === d.longEnd && toks[h.i].start >= d.longStart - 1 && h.terms.length === 1)
      ?? hitsByPart[d.part].find((h) => toks[h.j].end === d.longEnd && toks[h.i].start < d.longEnd && h.terms.length === 1);
    d.code = hit ? hit.terms[0].code : null;
  }
}

function abbreviationHits(lex: Lexicon, defs: DocAbbreviation[], text: string, toks: Token[], part: number, taken: Set<number>): Hit[] {
  const byShort = new Map<string, DocAbbreviation>();
  for (const d of defs) if (!byShort.has(d.short)) byShort.set(d.short, d);
  const hits: Hit[] = [];
  for (let k = 0; k < toks.length; k++) {
    if (taken.has(k)) continue;
    const raw = toks[k].raw.replace(/['’ʼ]s$/i, '');
    const d = byShort.get(raw) ?? (raw.endsWith('s') ? byShort.get(raw.slice(0, -1)) : undefined);
    if (!d || !d.code) continue;
    if (d.part === part && toks[k].start >= d.shortStart && toks[k].end <= d.shortEnd) continue; // the definition itself
    const e = lex.byCode.get(d.code)!;
    const term: Term = { code: d.code, form: d.short, isName: false, acronym: true, needsDefinition: false, nCodes: 1 };
    hits.push({ part, i: k, j: k, terms: [term], method: 'abbreviation', score: 0.9, form: `${d.short} = ${e.name}` });
  }
  return hits;
}

function matchDocument(lex: Lexicon, trie: TokenTrie, canon: (s: string) => string, parts: DocPart[]): DocMatch {
  const toksByPart = parts.map((p) => tokenize(p.text, canon));
  const hitsByPart = parts.map((p, k) => exactHits(trie, p.text, toksByPart[k], k));
  const defs: DocAbbreviation[] = parts.flatMap((p, k) => findAbbreviations(p.text).map((d) => ({ ...d, part: k, code: null })));
  resolveDefinitions(defs, hitsByPart, toksByPart);
  // A short form the document defines as something else is not the lexicon's acronym here.
  const otherwise = new Set(defs.filter((d) => d.code === null).map((d) => d.short));
  const mentions: Mention[] = [];
  const details: MentionDetail[] = [];
  parts.forEach((p, k) => {
    const toks = toksByPart[k];
    let hits = hitsByPart[k].filter((h) => !(h.i === h.j && h.terms.every((t) => t.acronym) && otherwise.has(alnum(toks[h.i].raw))));
    const taken = new Set<number>();
    for (const h of hits) for (let t = h.i; t <= h.j; t++) taken.add(t);
    hits = [...hits, ...abbreviationHits(lex, defs, p.text, toks, k, taken)].sort((a, b) => a.i - b.i);
    if (!hits.length) return;
    const sentences = p.sentences ?? splitSentences(p.text);
    const scopeCache = new Map<number, ReturnType<typeof contextScopes>>();
    for (const h of hits) {
      const start = toks[h.i].start, end = toks[h.j].end;
      const si = sentenceAt(sentences, start);
      const [ss, se] = sentences[si] ?? [0, p.text.length];
      let scopes = scopeCache.get(si);
      if (!scopes) { scopes = contextScopes(p.text.slice(ss, se)); scopeCache.set(si, scopes); }
      const ctx = statusOf(scopes, start - ss, end - ss);
      for (const t of h.terms) {
        const e = lex.byCode.get(t.code)!;
        const acronymPenalty = t.acronym && h.method === 'exact' ? 0.8 : 1;
        mentions.push({
          sectionId: p.sectionId, field: p.field, start, end, text: p.text.slice(start, end),
          orphaCode: t.code, orphaName: e.name, matchedForm: h.method === 'abbreviation' ? h.form : t.form,
          method: h.method, score: round(h.score * acronymPenalty / t.nCodes), status: ctx.status,
        });
        details.push({ part: k, sentence: [ss, se], trigger: ctx.trigger, acronym: t.acronym, nCodes: t.nCodes });
      }
    }
  });
  return { mentions, details, abbreviations: defs };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
