// How the text reached the answer: the link kind and the chain from the words in the article to the
// answer code, for the reviewer and the decisions table. "broader" means the article's diagnosis is more
// specific than the answer (a subtype, a site, an organism, a qualifier Orphanet does not split, or an
// entity whose definition files it under the answer): the answer is the nearest entry the text supports.
import type { CaseLink } from '../../schemas/alignment.ts';
import type { RuleNote } from '../lexicon.ts';
import { tokenize } from '../match/normalize.ts';
import type { Lexicon } from '../types.ts';

export interface LinkInput {
  answer: string;
  matchedCode: string;          // the code the text named (before subtype / group / obsolete rules)
  method: 'exact' | 'variant' | 'abbreviation' | 'fuzzy';
  isName: boolean;              // matched the preferred label (vs a synonym)
  surface: string;              // the mention's text
  textBefore: string;           // the sentence text before the mention (for qualifiers)
  derivedRule: string | null;   // a broader.ts rule that made the mention
  rules: RuleNote[];            // resolution rules on the way (subtype, group child, obsolete, short reference)
}

// Words before a name that do not make the diagnosis more specific.
const NOT_QUALIFIER = new Set(['a', 'an', 'the', 'of', 'with', 'and', 'or', 'in', 'on', 'as', 'to', 'for', 'by', 'from', 'at', 'rare', 'unusual',
  'uncommon', 'unique', 'interesting', 'novel', 'first', 'new', 'case', 'cases', 'report', 'reports', 'presentation', 'typical', 'severe', 'mild',
  'massive', 'huge', 'giant', 'large', 'small', 'extensive', 'is', 'was', 'were', 'are', 'be', 'been', 'this', 'that', 'his', 'her', 'their',
  'our', 'its', 'diagnosed', 'diagnosis', 'consistent', 'compatible', 'suggestive', 'confirmed', 'revealed', 'showed', 'demonstrated', 'had', 'has',
  'have', 'patient', 'patients', 'man', 'woman', 'boy', 'girl', 'child', 'old', 'year', 'young', 'an', 'possible', 'probable', 'definite', 'final',
  'known', 'rarely', 'very', 'extremely', 'unexpected', 'concomitant', 'coexisting', 'simultaneous']);
const SPECIFIC_RULES = new Set(['mapped_to_broader_entry_by_definition', 'modifier_inserted_before_head']);

/** Up to four plain words right before the mention (no punctuation between) that qualify it. */
export function qualifiersBefore(textBefore: string): string[] {
  const tail = /([\p{L}\p{N}][\p{L}\p{N}\s'’-]*)$/u.exec(textBefore.replace(/\s+$/, ' ').slice(-80));
  if (!tail) return [];
  const toks = tokenize(tail[1]);
  const out: string[] = [];
  for (let i = toks.length - 1; i >= 0 && out.length < 4; i--) {
    if (NOT_QUALIFIER.has(toks[i].norm) || /^\d/.test(toks[i].norm)) break;
    out.unshift(toks[i].raw);
  }
  return out;
}

export function linkOf(lex: Lexicon, x: LinkInput): CaseLink {
  const name = (c: string) => lex.byCode.get(c)?.name ?? `ORPHA:${c}`;
  const quals = x.derivedRule ? [] : qualifiersBefore(x.textBefore);
  const surface = [...quals, x.surface].join(' ');
  const chain: CaseLink['chain'] = [{ code: null, name: surface, relation: 'text' }];
  if (x.derivedRule) chain.push({ code: x.matchedCode, name: name(x.matchedCode), relation: x.derivedRule });
  else {
    if (quals.length) chain.push({ code: null, name: x.surface, relation: 'qualifiers_left_out' });
    chain.push({ code: x.matchedCode, name: name(x.matchedCode), relation: x.method === 'abbreviation' ? 'abbreviation' : x.method === 'variant' ? 'name_variant' : x.isName ? 'name' : 'synonym' });
  }
  let viaSubtype = false, viaGroup = false;
  for (const r of x.rules) {
    const to = /-> ORPHA:(\d+)/.exec(r.detail)?.[1] ?? /moved to ORPHA:(\d+)/.exec(r.detail)?.[1];
    if (!to || chain[chain.length - 1].code === to) continue;
    if (r.rule === 'subtype_mapped_to_parent') viaSubtype = true;
    if (r.rule.startsWith('group_')) viaGroup = true;
    chain.push({ code: to, name: name(to), relation: r.rule });
  }
  if (chain[chain.length - 1].code !== x.answer) chain.push({ code: x.answer, name: name(x.answer), relation: 'answer' });
  const kind: CaseLink['kind'] = (x.derivedRule && SPECIFIC_RULES.has(x.derivedRule)) || viaSubtype || quals.length ? 'broader'
    : viaGroup ? 'group_child'
      : x.derivedRule ? 'derived'
        : x.method === 'abbreviation' ? 'abbreviation' : x.method === 'variant' ? 'variant' : x.isName ? 'exact' : 'synonym';
  return { kind, surface, chain };
}
