// The leak rules of each track (docs/tracks.md, docs/decisions.md). A rule finds spans in one
// model-visible text; its action says what happens to them: `mask` replaces the span, `drop_sentence`
// removes the sentence that holds it. Every hit becomes a decision row (field, span, matched text).
import type { Lexicon } from '../../ontology/types.ts';
import type { QuestionDraft } from '../../schemas/question.ts';
import { answerTerms } from '../leakage/terms.ts';
import type { CodeFinder } from '../leakage/code-finder.ts';
import { buildLeakPatterns, codeTerms, findLeaks, type LeakHit, type LeakSource } from '../leakage/patterns.ts';
import { copiedRuns, findingOverlap } from '../leakage/overlap.ts';

export interface RuleHit { start: number; end: number; text: string; form: string; reason: string; rule: string; action: 'mask' | 'drop_sentence'; score?: number }

export interface LeakRule {
  rule: string;
  /** Which fields it reads: sentences only (a sentence-level rule), or every text. */
  sentencesOnly: boolean;
  find(text: string): RuleHit[];
}

export interface FilterThresholds { captionShingleWords: number; findingOverlap: number }

const REASON: Record<LeakSource, string> = {
  answer: 'leak_answer_in_context', alias: 'leak_synonym_in_context', code: 'leak_code_in_context', parent: 'leak_parent_group_in_context',
  treatment: 'leak_treatment_in_context', key_test: 'leak_key_test_in_question',
};

function mergeOverlaps(hits: LeakHit[], text: string): LeakHit[] {
  const sorted = [...hits].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: LeakHit[] = [];
  for (const h of sorted) {
    const last = out[out.length - 1];
    if (last && h.start < last.end) {
      if (h.end > last.end) { last.end = h.end; last.text = text.slice(last.start, last.end); }
      continue;
    }
    out.push({ ...h });
  }
  return out;
}

/**
 * The answer-in-context finder every track runs: the diagnosis's name, synonyms, defined short forms,
 * parent groups and ORPHA code (surface patterns), plus normalised matcher hits on the answer's codes,
 * plus the track's own answer terms (treatment drugs/procedures, examination key tests).
 */
export function leakFinder(draft: QuestionDraft, lex: Lexicon, findCodes: CodeFinder | null): (text: string) => LeakHit[] {
  const terms = answerTerms(lex, draft.orphaCode, draft.orphaName, draft.orphaAliases, draft.extraTerms);
  const patterns = [...buildLeakPatterns([...terms.terms, ...draft.trackTerms.map((t) => ({ form: t.form, source: t.source }))]), ...codeTerms(draft.orphaCode)];
  return (text) => {
    const hits = findLeaks(text, patterns);
    if (findCodes) {
      for (const m of findCodes(text)) if (terms.codes.has(m.orphaCode)) hits.push({ start: m.start, end: m.end, text: m.text, form: m.text, source: 'alias' });
    }
    return mergeOverlaps(hits, text);
  };
}

// a result of an investigation: a verb that reports one, a measured value with a unit, a named finding word
const RESULT_RE = /\b(?:showed|shows|revealed|reveals|demonstrated|demonstrates|confirmed|found|detected|positive|negative|normal|abnormal|elevated|raised|decreased|increased|low|high)\b|\b\d+(?:[.,]\d+)?\s?(?:mg|g|µg|μg|ng|pg|mmol|µmol|μmol|mEq|IU|U|mIU|cells)\s?\/\s?(?:d?L|ml|mL|l|µL|μL)\b/i;

/** The rules of a draft's track, built once per question. */
export function rulesFor(draft: QuestionDraft, lex: Lexicon, findCodes: CodeFinder | null, t: FilterThresholds): LeakRule[] {
  const find = leakFinder(draft, lex, findCodes);
  const rules: LeakRule[] = [{
    rule: 'filter.leak.answer_terms', sentencesOnly: false,
    find: (text) => find(text).map((h) => ({ start: h.start, end: h.end, text: h.text, form: h.form, reason: REASON[h.source], rule: `filter.leak.${h.source}`, action: 'mask' as const })),
  }];
  if (draft.track === 'examination') {
    // a presenting sentence that reports the result of an expected investigation goes, not just the test's name
    const tests = buildLeakPatterns(draft.trackTerms.map((x) => ({ form: x.form, source: x.source })));
    rules.push({
      rule: 'filter.leak.test_result', sentencesOnly: true,
      find: (text) => {
        const named = findLeaks(text, tests)[0];
        const value = /\b\d+(?:[.,]\d+)?\s?(?:mg|g|µg|μg|ng|pg|mmol|µmol|μmol|mEq|IU|U|mIU|cells)\s?\/\s?(?:d?L|ml|mL|l|µL|μL)\b/i.exec(text);
        const result = RESULT_RE.exec(text);
        if (named && result) return [{ start: named.start, end: named.end, text: named.text, form: named.form, reason: 'leak_test_result_in_question', rule: 'filter.leak.test_result', action: 'drop_sentence' as const }];
        if (value) return [{ start: value.index, end: value.index + value[0].length, text: value[0], form: 'a measured value', reason: 'leak_test_result_in_question', rule: 'filter.leak.test_result', action: 'drop_sentence' as const }];
        return [];
      },
    });
  }
  if (draft.track === 'cross-image') {
    const captions = draft.forbiddenText.filter((f) => f.source === 'caption');
    const findings = draft.forbiddenText.filter((f) => f.source === 'finding');
    rules.push({
      rule: 'filter.leak.caption', sentencesOnly: false,
      find: (text) => captions.flatMap((c) => copiedRuns(text, c.text, t.captionShingleWords).map((r) => ({
        ...r, form: `caption of ${c.ref}`, reason: 'leak_caption_text', rule: 'filter.leak.caption', action: 'drop_sentence' as const,
      }))),
    });
    rules.push({
      rule: 'filter.leak.finding', sentencesOnly: true,
      find: (text) => findings.map((f) => ({ f, score: findingOverlap(text, f.text) })).filter((x) => x.score >= t.findingOverlap).slice(0, 1)
        .map((x) => ({ start: 0, end: text.length, text, form: `finding of ${x.f.ref}`, reason: 'leak_finding_in_context', rule: 'filter.leak.finding', action: 'drop_sentence' as const, score: Number(x.score.toFixed(3)) })),
    });
  }
  return rules;
}
