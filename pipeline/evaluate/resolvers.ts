// The two resolvers Level 1 uses, over the project's own matchers: a predicted disease name to an Orphanet
// answer code (the align matcher, then resolveAnswer: obsolete → its target, subtype → its disorder; a group
// stays itself), scored
// as a hit when it is the gold code or a narrow parent/child of it (ontology/diagnose/hypernym.ts
// clinicallyValid); and the vocabulary concept ids (drugs, procedures, tests) named in a text.
import { matcherFor, resolveAnswer, type Lexicon } from '../../ontology/index.ts';
import { clinicallyValid } from '../../ontology/diagnose/hypernym.ts';
import { recogniserFor, type Vocab } from '../../ontology/vocab/index.ts';
import type { ConceptResolver, OrphanetResolver } from './score.ts';

export function orphanetResolver(lex: Lexicon): OrphanetResolver {
  const matcher = matcherFor(lex);
  const memo = new Map<string, string | null>();
  const codeOf = (text: string): string | null => {
    if (memo.has(text)) return memo.get(text)!;
    // the first mention that is not negated (the longest at its start), resolved to an answer code
    const ms = matcher.match(text).filter((m) => m.status !== 'negated').sort((a, b) => a.start - b.start || (b.end - b.start) - (a.end - a.start));
    let code: string | null = null;
    for (const m of ms) {
      const r = resolveAnswer(lex, m.orphaCode);
      // a group is never an answer code, but may still be a narrow parent clinicallyValid accepts
      const c = r.code ?? (r.excluded === 'group' && lex.byCode.get(m.orphaCode)?.level === 'group' ? m.orphaCode : null);
      if (c) { code = c; break; }
    }
    memo.set(text, code);
    return code;
  };
  return (prediction, gold) => {
    const code = codeOf(prediction);
    if (!code) return { hit: false, code: null, relation: null };
    const v = clinicallyValid(lex, code, gold);
    return { hit: v.valid, code, relation: v.relation };
  };
}

export function conceptResolver(vocab: Vocab | null): ConceptResolver {
  if (!vocab) return () => new Set();
  const rec = recogniserFor(vocab);
  return (text) => {
    const out = new Set<string>();
    for (const m of rec.find(text)) if (!m.negated) for (const c of m.concepts) for (const id of vocab.concepts[c].ids) out.add(id);
    return out;
  };
}
