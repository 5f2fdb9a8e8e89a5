// Finds vocabulary terms in text: longest match over folded, stemmed tokens (case-sensitive for short
// capital abbreviations), whole tokens only, each mention with its offsets, concepts and kinds, and a
// NegEx-style negation flag ("no", "negative for" before it; "was ruled out" after it, same clause).
import type { Vocab, VocabKind } from './types.ts';
import { formKey, isCaseSensitiveForm, keyTokens } from './keys.ts';

export interface VocabMention {
  start: number;
  end: number;
  text: string;          // the surface as written
  form: string;          // the vocabulary form that matched
  concepts: number[];    // indexes into vocab.concepts
  kinds: VocabKind[];
  negated: boolean;
}

/** A form the article defines ("computed tomography (CT)"), added for one text's search. */
export interface ExtraForm { form: string; concepts: number[] }

export interface Recogniser {
  readonly vocab: Vocab;
  find(text: string, opts?: { kinds?: readonly VocabKind[]; extra?: ExtraForm[] }): VocabMention[];
  /** The concepts a surface form names exactly (e.g. the long form of an abbreviation the article defines). */
  conceptsOf(surface: string): number[];
  /** Every form of a concept (for leak patterns: all names of a drug of the answer). */
  formsOf(concept: number): string[];
  kindsOf(concepts: number[]): VocabKind[];
}

interface Entry { form: string; concepts: number[] }

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function triggerRe(triggers: string[]): RegExp | null {
  const t = [...triggers].filter((x) => x.length >= 2).sort((a, b) => b.length - a.length).map((x) => escape(x).replace(/\s+/g, '\\s+'));
  return t.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${t.join('|')})(?![\\p{L}\\p{N}])`, 'iu') : null;
}

// A clause ends at these: a negation before them does not reach a term after them.
const CLAUSE_BREAK = /[.;:!?]|\b(?:but|however|although|though|whereas|which|except|aside from|apart from)\b/giu;

const recognisers = new WeakMap<Vocab, Recogniser>();

/** The recogniser of a vocabulary, built once per vocabulary object. */
export function recogniserFor(vocab: Vocab): Recogniser {
  let r = recognisers.get(vocab);
  if (!r) { r = createRecogniser(vocab); recognisers.set(vocab, r); }
  return r;
}

/** Drops the recogniser built for this vocabulary (about 8 MB) once nothing will recognise with it; recogniserFor builds it again. */
export function releaseRecogniser(vocab: Vocab): void {
  recognisers.delete(vocab);
}

export function createRecogniser(vocab: Vocab): Recogniser {
  const ci = new Map<string, Entry>();
  const ex = new Map<string, Entry>();
  const cs = new Map<string, Entry>();
  const maxLen = new Map<string, number>();
  const formsByConcept = new Map<number, string[]>();
  for (const f of vocab.forms) {
    const map = f.mode === 'case' ? cs : f.mode === 'exact' ? ex : ci;
    const prev = map.get(f.key);
    map.set(f.key, prev ? { form: prev.form, concepts: [...new Set([...prev.concepts, ...f.concepts])].sort((a, b) => a - b) } : { form: f.text, concepts: f.concepts });
    const first = `${f.mode}|${f.key.split(' ')[0]}`;
    maxLen.set(first, Math.max(maxLen.get(first) ?? 0, f.key.split(' ').length));
    for (const c of f.concepts) {
      const l = formsByConcept.get(c) ?? [];
      l.push(f.text);
      formsByConcept.set(c, l);
    }
  }
  const pre = triggerRe(vocab.negation.pre);
  const post = triggerRe(vocab.negation.post);

  const kindsOf = (concepts: number[]): VocabKind[] => [...new Set(concepts.flatMap((c) => vocab.concepts[c].kinds))].sort();

  function negatedAt(text: string, start: number, end: number): boolean {
    // the part of the clause before the term (from its last break), and after it (to the next)
    const before = text.slice(Math.max(0, start - 80), start);
    let cut = 0;
    for (const m of before.matchAll(CLAUSE_BREAK)) cut = m.index! + m[0].length;
    if (pre && pre.test(before.slice(cut))) return true;
    const after = text.slice(end, end + 50);
    const stop = after.search(/[.;:!?]|\b(?:but|however|and|whereas)\b/iu);
    return !!post && post.test(stop >= 0 ? after.slice(0, stop) : after);
  }

  function find(text: string, opts: { kinds?: readonly VocabKind[]; extra?: ExtraForm[] } = {}): VocabMention[] {
    const toks = keyTokens(text);
    const extra = new Map<string, Entry>();
    for (const e of opts.extra ?? []) {
      const sens = isCaseSensitiveForm(e.form);
      extra.set(`${sens ? 'case' : 'stem'}|${formKey(e.form, sens ? 'case' : 'stem')}`, { form: e.form, concepts: e.concepts });
    }
    const extraMax = Math.max(0, ...[...extra.keys()].map((k) => k.split(' ').length));
    const out: VocabMention[] = [];
    for (let i = 0; i < toks.length;) {
      let best: { len: number; e: Entry } | null = null;
      const limit = Math.max(maxLen.get(`stem|${toks[i].key}`) ?? 0, maxLen.get(`exact|${toks[i].fold}`) ?? 0, maxLen.get(`case|${toks[i].caseKey}`) ?? 0, extraMax);
      for (let len = Math.min(limit, toks.length - i); len >= 1 && !best; len--) {
        const span = toks.slice(i, i + len);
        // tokens of one term are separated by spaces or hyphens only, never by a sentence break
        if (span.some((t, k) => k > 0 && /[^\s\-‐-―/]/.test(text.slice(span[k - 1].end, t.start)))) continue;
        const key = span.map((t) => t.key).join(' ');
        const ckey = span.map((t) => t.caseKey).join(' ');
        const fkey = span.map((t) => t.fold).join(' ');
        // a drug name in the plural ("bisphosphonates" is a class; "infusions of X" keeps X) is tried without its "s"
        const e = extra.get(`case|${ckey}`) ?? extra.get(`stem|${key}`) ?? cs.get(ckey) ?? ex.get(fkey) ?? ex.get(fkey.replace(/s$/, '')) ?? ci.get(key);
        if (e) best = { len, e };
      }
      if (!best) { i++; continue; }
      const start = toks[i].start;
      const end = toks[i + best.len - 1].end;
      const kinds = kindsOf(best.e.concepts);
      if (!opts.kinds || kinds.some((k) => opts.kinds!.includes(k))) {
        out.push({ start, end, text: text.slice(start, end), form: best.e.form, concepts: best.e.concepts, kinds, negated: negatedAt(text, start, end) });
      }
      i += best.len;
    }
    return out;
  }

  return {
    vocab,
    find,
    kindsOf,
    conceptsOf: (surface) => {
      if (isCaseSensitiveForm(surface)) return cs.get(formKey(surface, 'case'))?.concepts ?? [];
      return [...new Set([...(ex.get(formKey(surface, 'exact'))?.concepts ?? []), ...(ci.get(formKey(surface, 'stem'))?.concepts ?? [])])];
    },
    formsOf: (c) => formsByConcept.get(c) ?? [],
  };
}
