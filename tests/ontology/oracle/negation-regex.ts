// The context rules as they were before the trigger search left the regex (ontology/match/negation.ts), kept as
// the oracle that the word-indexed search must agree with (tests/ontology/matcher-speed.test.ts).
// NegEx-style context rules (Chapman et al. 2001, extended with ConText's hypothetical / historical /
// family categories and a "differential" category for case reports). A trigger opens a scope of
// up to SCOPE_WORDS words forward (pre) or backward (post) in its sentence; a termination word
// ("but", "however", "which", ";") closes it. Pseudo-triggers ("no change", "not only") are skipped.
import type { Mention } from '../../../schemas/alignment.ts';

export type ContextStatus = Mention['status'];

interface Rule { phrase: string; status: Exclude<ContextStatus, 'affirmed'>; dir: 'pre' | 'post' }

const SCOPE_WORDS = 8;

const PSEUDO = [
  'no change', 'no changes', 'no increase', 'no decrease', 'no further', 'not only', 'not necessarily', 'no longer',
  'gram negative', 'gram-negative', 'without difficulty', 'without delay', 'no significant change',
  'also known as', 'known as', 'well known', 'not been reported', 'not performed', 'not done', 'not available', 'not carried out',
  'not obtained', 'not assessed', 'not measured', 'not tested', 'not previously reported', 'cannot be excluded', 'could not be excluded',
  'could not be ruled out', 'cannot be ruled out', 'not be ruled out', 'not excluded', 'not ruled out',
];

function rules(status: Rule['status'], dir: Rule['dir'], phrases: string[]): Rule[] {
  return phrases.map((p) => ({ phrase: p.toLowerCase(), status, dir }));
}

export const CONTEXT_RULES: Rule[] = [
  ...rules('negated', 'pre', [
    'no', 'not', 'without', 'no evidence of', 'no sign of', 'no signs of', 'no history of', 'negative for',
    'absence of', 'absent', 'free of', 'denied', 'denies', 'excluding', 'exclusion of', 'ruling out',
    'not consistent with', 'inconsistent with', 'rather than', 'instead of', 'neither', 'nor', 'unlikely',
    'ruled out', 'excluded',
  ]),
  ...rules('negated', 'post', [
    'was excluded', 'were excluded', 'been excluded', 'is excluded', 'are excluded', 'was ruled out', 'were ruled out',
    'been ruled out', 'is ruled out', 'was unlikely',
    'is unlikely', 'were negative', 'was negative', 'was not found', 'were not found', 'was not confirmed', 'not detected',
  ]),
  ...rules('hypothetical', 'pre', [
    'suspected', 'suspicion of', 'suspicious for', 'suspicious of', 'possible', 'possibly', 'presumed', 'presumptive',
    'may have', 'might', 'could be', 'to rule out', 'rule out', 'r/o', 'risk of', 'at risk for', 'at risk of',
    'evaluate for', 'evaluation for', 'work-up for', 'workup for', 'concern for', 'concerning for', 'screening for',
    'screened for', 'tested for', 'test for', 'if',
  ]),
  ...rules('hypothetical', 'post', [
    'was suspected', 'were suspected', 'was considered', 'were considered', 'was questioned', 'was thought',
    'is suspected', 'was presumed', 'could not be excluded', 'cannot be excluded', 'could not be ruled out', 'cannot be ruled out',
  ]),
  ...rules('differential', 'pre', [
    'differential diagnosis', 'differential diagnoses', 'differential diagnosis included', 'differentials', 'differential',
    'mimicking', 'mimic', 'mimics', 'mimicked', 'masquerading as', 'simulating', 'misdiagnosed as', 'misdiagnosis of',
    'initially diagnosed as', 'initially diagnosed with', 'initially diagnosed and treated as', 'initially thought to be',
    'first diagnosed as', 'previously misdiagnosed', 'misdiagnosed', 'misdiagnosis',
    'similar to', 'resembling', 'reminiscent of', 'distinguished from', 'distinguish it from', 'differentiated from', 'differentiate', 'versus', 'vs',
  ]),
  ...rules('family', 'pre', [
    'family history of', 'familial history of', 'his mother', 'her mother', 'his father', 'her father', 'his brother',
    'her brother', 'his sister', 'her sister', 'his parents', 'her parents', 'his son', 'her son', 'his daughter', 'her daughter', 'his grandmother',
    'her grandmother', 'his grandfather', 'her grandfather', 'his cousin', 'her cousin', 'his uncle', 'her uncle', 'his aunt', 'her aunt',
    'his siblings', 'her siblings', 'affected relatives', 'first-degree relatives', 'family members',
  ]),
  ...rules('historical', 'pre', ['history of', 'known case of', 'previously diagnosed with', 'past medical history of', 'known']),
];

const TERMINATION = /\b(?:but|however|although|though|except|aside from|apart from|yet|which|who|whereas|while|nevertheless|confirmed|revealed|showed|diagnosed|consistent with)\b|[;:]/gi;

// Stronger statuses win when several triggers cover one mention.
const PRIORITY: Record<ContextStatus, number> = { negated: 5, differential: 4, hypothetical: 3, family: 2, historical: 1, affirmed: 0 };

interface Span { start: number; end: number; status: Rule['status']; trigger: string }

function wordsBetween(text: string, a: number, b: number): number {
  if (b <= a) return 0;
  const m = text.slice(a, b).match(/[\p{L}\p{N}]+/gu);
  return m ? m.length : 0;
}

// All triggers and pseudo-triggers in one alternation, longest first: one regex pass per sentence,
// and the longest trigger wins where triggers overlap ("was ruled out" (post) over "ruled out" (pre)).
// A phrase that is both a trigger and a pseudo-trigger acts as the trigger.
const RULE_OF = new Map<string, Rule | null>();
for (const p of PSEUDO) RULE_OF.set(p, null);
for (const r of CONTEXT_RULES) RULE_OF.set(r.phrase, r);
const ALL_TRIGGERS = new RegExp(`\\b(?:${[...RULE_OF.keys()].sort((a, b) => b.length - a.length).map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s+')).join('|')})\\b`, 'gi');

/** Finds the context scopes in one sentence; offsets are relative to the sentence. */
export function contextScopes(sentence: string): Span[] {
  let terms: number[] | null = null;
  const spans: Span[] = [];
  ALL_TRIGGERS.lastIndex = 0;
  for (let m = ALL_TRIGGERS.exec(sentence); m; m = ALL_TRIGGERS.exec(sentence)) {
    const r = RULE_OF.get(m[0].toLowerCase().replace(/\s+/g, ' '));
    if (!r) continue;
    if (!terms) {
      terms = [];
      TERMINATION.lastIndex = 0;
      for (let t = TERMINATION.exec(sentence); t; t = TERMINATION.exec(sentence)) terms.push(t.index);
    }
    const ts = m.index, te = m.index + m[0].length;
    if (r.dir === 'pre') {
      const stop = terms.find((t) => t >= te) ?? sentence.length;
      spans.push({ start: te, end: limitForward(sentence, te, stop), status: r.status, trigger: m[0] });
    } else {
      const stop = [...terms].reverse().find((t) => t < ts);
      const from = stop === undefined ? 0 : stop;
      spans.push({ start: limitBackward(sentence, from, ts), end: ts, status: r.status, trigger: m[0] });
    }
  }
  return spans;
}

function limitForward(s: string, from: number, stop: number): number {
  const re = /[\p{L}\p{N}]+/gu;
  re.lastIndex = from;
  let n = 0, end = from;
  for (let m = re.exec(s); m && m.index < stop; m = re.exec(s)) {
    end = m.index + m[0].length;
    if (++n >= SCOPE_WORDS) break;
  }
  return Math.min(Math.max(end, from), stop);
}

function limitBackward(s: string, from: number, to: number): number {
  const words = [...s.slice(from, to).matchAll(/[\p{L}\p{N}]+/gu)];
  if (words.length <= SCOPE_WORDS) return from;
  return from + words[words.length - SCOPE_WORDS].index!;
}

/** Status of a span [start, end) (sentence-relative) given the sentence's scopes. */
export function statusOf(scopes: Span[], start: number, end: number): { status: ContextStatus; trigger: string | null } {
  let best: Span | null = null;
  for (const s of scopes) {
    const overlaps = start < s.end && end > s.start;
    if (overlaps && (!best || PRIORITY[s.status] > PRIORITY[best.status])) best = s;
  }
  return best ? { status: best.status, trigger: best.trigger } : { status: 'affirmed', trigger: null };
}

export { wordsBetween };
