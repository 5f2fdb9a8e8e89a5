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
  private postings = new Map<string, number[]>();

  constructor(lex: Lexicon) {
    for (const e of lex.entries) {
      for (const f of [e.name, ...e.synonyms]) {
        const norm = normalizePhrase(f);
        if (norm.length < 5) continue; // short forms make meaningless trigram matches
        const tg = trigrams(norm);
        const id = this.forms.push({ code: e.code, name: e.name, form: f, n: tg.length }) - 1;
        for (const g of tg) (this.postings.get(g) ?? this.postings.set(g, []).get(g)!).push(id);
      }
    }
  }

  search(text: string, limit = 5, minScore = 0.6): FuzzyHit[] {
    const norm = normalizePhrase(text);
    if (norm.length < 5) return [];
    const tg = trigrams(norm);
    const shared = new Map<number, number>();
    for (const g of tg) for (const id of this.postings.get(g) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
    const best = new Map<string, FuzzyHit>();
    for (const [id, k] of shared) {
      const f = this.forms[id];
      const score = (2 * k) / (tg.length + f.n);
      if (score < minScore) continue;
      const prev = best.get(f.code);
      if (!prev || score > prev.score) best.set(f.code, { code: f.code, name: f.name, form: f.form, score: Math.round(score * 1000) / 1000 });
    }
    return [...best.values()].sort((a, b) => b.score - a.score || Number(a.code) - Number(b.code)).slice(0, limit);
  }
}
