// The leak rules of each track (docs/tracks.md, docs/decisions.md). A rule finds spans in one
// model-visible text; its action says what happens to them: `mask` replaces the span, `drop_sentence`
// removes the sentence that holds it. Every hit becomes a decision row (field, span, matched text).
import type { Lexicon } from '../../ontology/types.ts';
import type { QuestionDraft } from '../../schemas/question.ts';
import { answerTerms } from '../leakage/terms.ts';
import type { CodeFinder } from '../leakage/code-finder.ts';
import { buildLeakPatterns, codeTerms, findLeaks, type LeakHit, type LeakSource } from '../leakage/patterns.ts';
import { copiedRuns, findingOverlap } from '../leakage/overlap.ts';
import { DIAGNOSIS_RE, PRIOR_DIAG_RE } from '../core/cues.ts';

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

// The case's own final diagnosis being told (not a first impression, a differential or a past illness) ...
const FINAL_DIAGNOSIS_RE = /\b(?:we|finally|eventually|ultimately|definitively|thus|therefore)\s+(?:\w+\s+){0,2}diagnosed\b|\bfinal diagnosis\b|\bdiagnosis\s+of\s+.{1,80}?\s+was\s+(?:made|established|confirmed)\b|\bdiagnosed\s+(?:this case|the case|the patient|our patient|her|him)\s+(?:as|with)\b/i;
const NOT_FINAL_RE = /\b(?:initial(?:ly)?|misdiagnos\w*|suspected|not|no|excluded|ruled out|differential|previously|history of)\b/i;
// ... and a disease named there: "<Name>('s) syndrome/disease", or a disease suffix ("-itis", "-oma", ...)
const DISEASE_WORD_RE = /\b[\p{L}-]+(?:['’]s)?\s+(?:syndrome|disease)\b|\b(?!(?:diagnosis|prognosis|hypothesis|thesis|emphasis|analysis|basis)\b)[\p{L}-]{3,}(?:itis|osis|oma|omas|aemia|emia|pathy|plasia|ectasia)\b/giu;

/** The rules of a draft's track, built once per question. */
export function rulesFor(draft: QuestionDraft, lex: Lexicon, findCodes: CodeFinder | null, t: FilterThresholds): LeakRule[] {
  const find = leakFinder(draft, lex, findCodes);
  const rules: LeakRule[] = [{
    rule: 'filter.leak.answer_terms', sentencesOnly: false,
    find: (text) => find(text).map((h) => ({ start: h.start, end: h.end, text: h.text, form: h.form, reason: REASON[h.source], rule: `filter.leak.${h.source}`, action: 'mask' as const })),
  }];
  if (draft.track !== 'diagnosis') {
    // Outside the diagnosis track the diagnosis must not be told either, and authors name it in words no
    // lexicon holds ("an incomplete form of Heerfordt's syndrome"): a sentence that states a diagnosis and
    // names a disease-like entity the answer masks did not cover is dropped whole.
    rules.push({
      rule: 'filter.leak.diagnosis_statement', sentencesOnly: true,
      find: (text) => {
        if (!FINAL_DIAGNOSIS_RE.test(text) || NOT_FINAL_RE.test(text) || !DIAGNOSIS_RE.test(text) || PRIOR_DIAG_RE.test(text)) return [];
        const masked = find(text);
        for (const m of text.matchAll(DISEASE_WORD_RE)) {
          const [s, e] = [m.index!, m.index! + m[0].length];
          if (masked.some((h) => h.start < e && h.end > s)) continue;
          return [{ start: s, end: e, text: m[0], form: 'a named diagnosis', reason: 'leak_diagnosis_statement', rule: 'filter.leak.diagnosis_statement', action: 'drop_sentence' as const }];
        }
        return [];
      },
    });
  }
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
