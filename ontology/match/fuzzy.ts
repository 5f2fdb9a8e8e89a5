// Character-trigram candidate generator (Dice coefficient over padded trigrams of the normalised
// form). Its hits are review candidates only: method 'fuzzy', never an accepted link by themselves.
import type { Lexicon } from '../types.ts';
import { normalizePhrase } from './normalize.ts';

export interface FuzzyHit { code: string; name: string; form: string; score: number }

export function trigrams(s: string): string[] {
  const p = `  ${s} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= p.length; i++) out.add(p.slice(i, i + 3));
  return [...out];
}

export class FuzzyIndex {
  private forms: { code: string; name: string; form: string; n: number }[] = [];
  private postings = new Map<string, Int32Array>();
  // per-search scratch: shared-trigram counts per form, reset through the list of forms touched
  private counts: Uint16Array;
  private touched: Int32Array;

  constructor(lex: Lexicon) {
    const lists = new Map<string, number[]>();
    for (const e of lex.entries) {
      for (const f of [e.name, ...e.synonyms]) {
        const norm = normalizePhrase(f);
        if (norm.length < 5) continue; // short forms make meaningless trigram matches
        const tg = trigrams(norm);
        const id = this.forms.push({ code: e.code, name: e.name, form: f, n: tg.length }) - 1;
        for (const g of tg) (lists.get(g) ?? lists.set(g, []).get(g)!).push(id);
      }
    }
    for (const [g, ids] of lists) this.postings.set(g, Int32Array.from(ids));
    this.counts = new Uint16Array(this.forms.length);
    this.touched = new Int32Array(this.forms.length);
  }

  search(text: string, limit = 5, minScore = 0.6): FuzzyHit[] {
    const norm = normalizePhrase(text);
    if (norm.length < 5) return [];
    const tg = trigrams(norm);
    const counts = this.counts, touched = this.touched;
    let nTouched = 0;
    for (const g of tg) {
      const ids = this.postings.get(g);
      if (!ids) continue;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (counts[id]++ === 0) touched[nTouched++] = id;
      }
    }
    const best = new Map<string, FuzzyHit>();
    for (let t = 0; t < nTouched; t++) {
      const id = touched[t];
      const k = counts[id];
      counts[id] = 0;
      const f = this.forms[id];
      const score = (2 * k) / (tg.length + f.n);
      if (score < minScore) continue;
      const prev = best.get(f.code);
      if (!prev || score > prev.score) best.set(f.code, { code: f.code, name: f.name, form: f.form, score: Math.round(score * 1000) / 1000 });
    }
    return [...best.values()].sort((a, b) => b.score - a.score || Number(a.code) - Number(b.code)).slice(0, limit);
  }
}
