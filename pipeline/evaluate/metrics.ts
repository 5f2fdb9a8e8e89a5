// Level 1: deterministic metrics (DESIGN §8), small pure functions over strings and gold rows. The matching
// rules are written out here and in docs/evaluation.md; every function has worked examples in
// tests/evaluate/metrics.test.ts.

import { seededRandom } from '../core/seeded-random.ts';

// ---------------------------------------------------------------- normalisation (SQuAD)

/** SQuAD's normalize_answer: lower-case, punctuation removed, articles a/an/the removed, whitespace collapsed. */
export function normalizeAnswer(s: string): string {
  return s.normalize('NFKC').toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export const answerTokens = (s: string): string[] => (normalizeAnswer(s) ? normalizeAnswer(s).split(' ') : []);

/** SQuAD token F1: harmonic mean of token precision and recall over the multiset of shared tokens. */
export function tokenF1(prediction: string, gold: string): number {
  const p = answerTokens(prediction), g = answerTokens(gold);
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const n = counts.get(t) ?? 0;
    if (n > 0) { same++; counts.set(t, n - 1); }
  }
  if (same === 0) return 0;
  const precision = same / p.length, recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** The best F1 over the gold answer and its aliases (SQuAD's max over ground truths). */
export function maxTokenF1(prediction: string, golds: readonly string[]): number {
  let best = 0;
  for (const g of golds) best = Math.max(best, tokenF1(prediction, g));
  return best;
}

export const exactMatch = (prediction: string, golds: readonly string[]): boolean =>
  golds.some((g) => normalizeAnswer(g) !== '' && normalizeAnswer(g) === normalizeAnswer(prediction));

// ---------------------------------------------------------------- reading the model's answer

const stripMarkup = (s: string): string => s.replace(/\*\*|__|`/g, '').trim();

/**
 * The diagnosis a free-text answer gives: the text after the last "Diagnosis:" / "Final diagnosis:" label,
 * else the first non-empty line; list markers and markup removed, cut at the first sentence end.
 */
export function extractDiagnosis(answer: string): string {
  const lines = answer.split(/\r?\n/).map(stripMarkup).filter((l) => l !== '');
  let pick: string | undefined;
  for (const l of lines) {
    const m = /^(?:final\s+|most\s+likely\s+)?diagnosis\s*[:\-–]\s*(.+)$/i.exec(l);
    if (m) pick = m[1];
  }
  pick ??= lines[0] ?? '';
  return pick.replace(/^\s*(?:\d+[.)]|[-*•])\s*/, '').replace(/\.\s.*$|\.$/, '').trim();
}

/**
 * A ranked differential: numbered lines "1. X", "2) X", "#3 X" (in their numeric order; a repeated
 * number keeps the first). Explanations after " - ", " — ", ":" or "(" are cut off.
 */
export function parseRankedList(answer: string): string[] {
  const items = new Map<number, string>();
  for (const raw of answer.split(/\r?\n/)) {
    const m = /^\s*(?:#\s*)?(\d{1,2})\s*[.):]\s+(.+)$/.exec(stripMarkup(raw));
    if (!m) continue;
    const n = Number(m[1]);
    const name = stripMarkup(m[2]).split(/\s+[-—–]\s+|:\s|\s\(/)[0].replace(/[.;,]+$/, '').trim();
    if (name && !items.has(n)) items.set(n, name);
  }
  return [...items.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** 1-based rank of the first correct item, or null. */
export function firstCorrectRank(items: readonly string[], correct: (item: string) => boolean): number | null {
  for (let i = 0; i < items.length; i++) if (correct(items[i])) return i + 1;
  return null;
}

export const recallAtK = (rank: number | null, k: number): number => (rank !== null && rank <= k ? 1 : 0);
export const reciprocalRank = (rank: number | null): number => (rank === null ? 0 : 1 / rank);
export const RECALL_KS = [1, 3, 5, 10] as const;

// ---------------------------------------------------------------- "is this item mentioned?"

/** Words that carry no content for item matching (beside the SQuAD articles). */
const STOP = new Set(['of', 'and', 'or', 'in', 'on', 'at', 'to', 'for', 'with', 'by', 'from', 'as', 'is', 'was', 'be', 'are', 'were',
  'this', 'that', 'these', 'those', 'it', 'its', 'into', 'per', 'via', 'then', 'than', 'also', 'any', 'all', 'if', 'not', 'no']);

/** A light stem so "biopsies"/"biopsy", "tumours"/"tumour", "scans"/"scan" meet (not a full stemmer). */
export function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && /(?:ches|shes|xes|ses)$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

/** Content tokens of a phrase: SQuAD-normalised, hyphenated words also split, stop words out, stemmed. */
export function contentTokens(s: string): string[] {
  return answerTokens(s.replace(/[-/]/g, ' ')).filter((t) => !STOP.has(t)).map(stem);
}

/**
 * Token containment: an item is mentioned when its content tokens occur in the answer's content tokens
 * as one contiguous run (in order). "Surgical excision" is in "complete surgical excision of the mass";
 * "excision" alone is not "surgical excision". An item with no content tokens is never mentioned.
 */
export function mentions(answer: string | readonly string[], item: string): boolean {
  const a = typeof answer === 'string' ? contentTokens(answer) : answer;
  const t = contentTokens(item);
  if (t.length === 0 || t.length > a.length) return false;
  outer: for (let i = 0; i + t.length <= a.length; i++) {
    for (let j = 0; j < t.length; j++) if (a[i + j] !== t[j]) continue outer;
    return true;
  }
  return false;
}

/** Share of the claim's distinct content tokens that the answer has (anywhere). */
export function tokenCoverage(answer: string | readonly string[], claim: string): number {
  const a = new Set(typeof answer === 'string' ? contentTokens(answer) : answer);
  const c = [...new Set(contentTokens(claim))];
  if (c.length === 0) return 0;
  return c.filter((t) => a.has(t)).length / c.length;
}

export const FOLLOW_UP_CUES = ['follow up', 'followup', 'follow', 'monitor', 'monitoring', 'surveillance', 'recheck', 'review', 'reassess', 'reassessment', 'repeat', 'serial'];

/** A follow-up rubric item is met by any follow-up cue in the answer. */
export const mentionsFollowUp = (answer: string | readonly string[]): boolean => FOLLOW_UP_CUES.some((c) => mentions(answer, c));

// ---------------------------------------------------------------- per-track Level 1

export interface Fraction { hit: number; of: number; value: number | null }
const fraction = (hit: number, of: number): Fraction => ({ hit, of, value: of === 0 ? null : hit / of });

export interface RubricItemLike { item: string; kind?: string; name?: string; concept_ids?: readonly string[] }

/**
 * Recall of rubric_must_include. An item is mentioned when its `name` (or its `item` text) is contained
 * by token containment, or when `lexiconHits` (concept ids the vocabulary recognised in the answer) share
 * one of its concept_ids; a follow_up item when the answer names any follow-up.
 */
export function treatmentRecall(answer: string, items: readonly RubricItemLike[], lexiconHits: ReadonlySet<string> = new Set()): { recall: Fraction; mentioned: string[]; missing: string[] } {
  const a = contentTokens(answer);
  const mentioned: string[] = [], missing: string[] = [];
  for (const it of items) {
    const ok = it.kind === 'follow_up'
      ? mentionsFollowUp(a)
      : mentions(a, it.name ?? it.item) || mentions(a, it.item) || (it.concept_ids ?? []).some((c) => lexiconHits.has(c));
    (ok ? mentioned : missing).push(it.item);
  }
  return { recall: fraction(mentioned.length, items.length), mentioned, missing };
}

/** Items of a must-not list the answer mentions (token containment). */
export function mustNotHits(answer: string, items: readonly { item: string }[]): string[] {
  const a = contentTokens(answer);
  return items.filter((it) => mentions(a, it.item)).map((it) => it.item);
}

export type Relation = 'confirm' | 'complement' | 'contrast';
const RELATION_WORDS: [Relation, RegExp][] = [
  ['confirm', /\bconfirm(?:s|ing|ed|ation|atory)?\b/i],
  ['complement', /\bcomplement(?:s|ing|ed|ary)?\b/i],
  ['contrast', /\bcontrast(?:s|ing|ed)?\b/i],
];

/**
 * The relation type an answer states: the word after the last "Relation:" label (confirm/complement/
 * contrast, in any inflection), else the only one of the three named anywhere; null when none or several.
 */
export function parseRelation(answer: string): Relation | null {
  const labelled = [...answer.matchAll(/relation(?:\s+type)?\s*[:\-–]\s*\**\s*([A-Za-z]+)/gi)];
  for (const m of labelled.reverse()) {
    for (const [r, re] of RELATION_WORDS) if (re.test(m[1])) return r;
  }
  const named = RELATION_WORDS.filter(([, re]) => re.test(answer)).map(([r]) => r);
  return named.length === 1 ? named[0] : null;
}

/** Mainline claims recalled: a claim counts when the answer covers at least `minCoverage` of its content tokens. */
export function claimRecall(answer: string, claims: readonly string[], minCoverage: number): { recall: Fraction; coverage: number[] } {
  const a = contentTokens(answer);
  const coverage = claims.map((c) => tokenCoverage(a, c));
  return { recall: fraction(coverage.filter((c) => c >= minCoverage).length, claims.length), coverage };
}

/** Key tests named: token containment of the test name, or a vocabulary concept of the test recognised in the answer. */
export function keyTestRecall(answer: string, tests: readonly { name: string; concept_ids?: readonly string[] }[], lexiconHits: ReadonlySet<string> = new Set()): { recall: Fraction; mentioned: string[]; missing: string[] } {
  const a = contentTokens(answer);
  const mentioned: string[] = [], missing: string[] = [];
  for (const t of tests) (mentions(a, t.name) || (t.concept_ids ?? []).some((c) => lexiconHits.has(c)) ? mentioned : missing).push(t.name);
  return { recall: fraction(mentioned.length, tests.length), mentioned, missing };
}

// ---------------------------------------------------------------- aggregation helpers

export const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Percentile bootstrap of the mean over questions: [lo, hi] at `level` (0.95), `iterations` resamples, seeded. */
export function bootstrapCi(xs: readonly number[], opts: { iterations?: number; level?: number; seed?: number } = {}): [number, number] | null {
  if (xs.length === 0) return null;
  const iters = opts.iterations ?? 1000, level = opts.level ?? 0.95;
  const rand = seededRandom(opts.seed ?? 1); // the same CIs on every run
  const means: number[] = [];
  for (let i = 0; i < iters; i++) {
    let s = 0;
    for (let j = 0; j < xs.length; j++) s += xs[Math.floor(rand() * xs.length)];
    means.push(s / xs.length);
  }
  means.sort((a, b) => a - b);
  const lo = means[Math.floor(((1 - level) / 2) * iters)];
  const hi = means[Math.min(iters - 1, Math.ceil((1 - (1 - level) / 2) * iters) - 1)];
  return [lo, hi];
}
