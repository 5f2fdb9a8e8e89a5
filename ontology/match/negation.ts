// NegEx-style context rules (Chapman et al. 2001, extended with ConText's hypothetical / historical /
// family categories and a "differential" category for case reports). A trigger opens a scope of
// up to SCOPE_WORDS words forward (pre) or backward (post) in its sentence; a termination word
// ("but", "however", "which", ";") closes it. Pseudo-triggers ("no change", "not only") are skipped.
import type { Mention } from '../../schemas/alignment.ts';

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
const TRIGGER_ORDER = [...RULE_OF.keys()].sort((a, b) => b.length - a.length);
const ALL_TRIGGERS = new RegExp(`\\b(?:${TRIGGER_ORDER.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s+')).join('|')})\\b`, 'gi');

// The same search without the regex: a 300-phrase case-insensitive alternation costs tens of ms to compile in
// a fresh process, before its first match. The phrases by their first word, each list in alternation order; the
// regex can only match at a word start (every phrase starts and ends with a letter or digit), and there
// the first phrase of that word's list that matches, with "\s+" for each space, ASCII case folded, and a word
// boundary after it. Phrases outside this shape (none today) keep the regex.
const SIMPLE_PHRASE = /^[a-z0-9](?:[a-z0-9/-]| (?! ))*[a-z0-9]$|^[a-z0-9]$/;
// Keyed by a hash of the lower-cased first word, so a sentence word is looked up without a substring: words
// that share a hash share a list (still in alternation order), and phraseEnd rejects the other word's phrases.
const TRIGGERS_BY_WORD: Map<number, string[]> | null = TRIGGER_ORDER.every((p) => SIMPLE_PHRASE.test(p)) ? new Map() : null;
if (TRIGGERS_BY_WORD) for (const p of TRIGGER_ORDER) {
  const h = wordHash(p, 0, /^[a-z0-9]+/.exec(p)![0].length);
  (TRIGGERS_BY_WORD.get(h) ?? TRIGGERS_BY_WORD.set(h, []).get(h)!).push(p);
}

/** FNV-1a of s[from, to) with ASCII capitals lower-cased, as a small integer (triggerMatches inlines it). */
function wordHash(s: string, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), 16777619);
  }
  return h & 0x3fffffff;
}

/** Which trigger search runs: 'words' unless a phrase is outside the shape the word search handles. */
export const TRIGGER_SEARCH: 'words' | 'regex' = TRIGGERS_BY_WORD ? 'words' : 'regex';

const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // \w
const isSpaceCode = (c: number) => (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff; // \s

/** End of `phrase` matched at `p` (spaces as \s+, letters in either case, then a word boundary), or -1. */
function phraseEnd(s: string, p: number, phrase: string): number {
  let i = p;
  for (let k = 0; k < phrase.length; k++) {
    const pc = phrase.charCodeAt(k);
    if (pc === 32) {
      if (i >= s.length || !isSpaceCode(s.charCodeAt(i))) return -1;
      while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
      continue;
    }
    if (i >= s.length) return -1;
    const c = s.charCodeAt(i);
    if (c !== pc && !(pc >= 97 && pc <= 122 && c === pc - 32)) return -1;
    i++;
  }
  return i < s.length && isWordCode(s.charCodeAt(i)) ? -1 : i;
}

/** The trigger matches of one sentence, in order, as [start, end) pairs: what ALL_TRIGGERS.exec would find. */
function triggerMatches(s: string): number[] {
  const out: number[] = [];
  if (!TRIGGERS_BY_WORD) {
    ALL_TRIGGERS.lastIndex = 0;
    for (let m = ALL_TRIGGERS.exec(s); m; m = ALL_TRIGGERS.exec(s)) out.push(m.index, m.index + m[0].length);
    return out;
  }
  // i only ever lands on a word start or a non-word char: after a whole word, or after a match (which ends at a boundary)
  const n = s.length;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (!isWordCode(c)) { i++; continue; }
    let q = i, h = 0x811c9dc5 | 0;
    do {
      h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), 16777619);
      if (++q >= n) break;
      c = s.charCodeAt(q);
    } while (isWordCode(c));
    const list = TRIGGERS_BY_WORD.get(h & 0x3fffffff);
    let end = -1;
    if (list !== undefined) for (let k = 0; k < list.length && end < 0; k++) end = phraseEnd(s, i, list[k]);
    if (end >= 0) { out.push(i, end); i = end; } else i = q;
  }
  return out;
}

/** Finds the context scopes in one sentence; offsets are relative to the sentence. */
export function contextScopes(sentence: string): Span[] {
  let terms: number[] | null = null;
  const spans: Span[] = [];
  const found = triggerMatches(sentence);
  for (let x = 0; x < found.length; x += 2) {
    const ts = found[x], te = found[x + 1];
    const trigger = sentence.slice(ts, te);
    const r = RULE_OF.get(trigger.toLowerCase().replace(/\s+/g, ' '));
    if (!r) continue;
    if (!terms) {
      terms = [];
      TERMINATION.lastIndex = 0;
      for (let t = TERMINATION.exec(sentence); t; t = TERMINATION.exec(sentence)) terms.push(t.index);
    }
    if (r.dir === 'pre') {
      const stop = terms.find((t) => t >= te) ?? sentence.length;
      spans.push({ start: te, end: limitForward(sentence, te, stop), status: r.status, trigger });
    } else {
      const stop = [...terms].reverse().find((t) => t < ts);
      const from = stop === undefined ? 0 : stop;
      spans.push({ start: limitBackward(sentence, from, ts), end: ts, status: r.status, trigger });
    }
  }
  return spans;
}

// The scope limits count words (runs of letters and digits); for an ASCII sentence by char codes, since a
// Unicode-property regex costs milliseconds to compile in a fresh process.
const isAlnumCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function isAsciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

function limitForward(s: string, from: number, stop: number): number {
  if (isAsciiText(s)) {
    let n = 0, end = from, i = from;
    for (;;) {
      while (i < s.length && !isAlnumCode(s.charCodeAt(i))) i++;
      if (i >= s.length || i >= stop) break;
      while (i < s.length && isAlnumCode(s.charCodeAt(i))) i++;
      end = i;
      if (++n >= SCOPE_WORDS) break;
    }
    return Math.min(Math.max(end, from), stop);
  }
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
  if (isAsciiText(s)) {
    const starts: number[] = []; // where the words of s[from, to) start
    for (let k = from; k < to; k++) if (isAlnumCode(s.charCodeAt(k)) && (k === from || !isAlnumCode(s.charCodeAt(k - 1)))) starts.push(k);
    return starts.length <= SCOPE_WORDS ? from : starts[starts.length - SCOPE_WORDS];
  }
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
