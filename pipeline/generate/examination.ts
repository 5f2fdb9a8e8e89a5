// Rule-based examination-track generator (pure). The question is the presenting complaint (the case's
// opening sentences up to its first investigation) and the images of the first investigation (or the
// clinical photographs of the presentation); the answer is the work-up that led to the diagnosis: the
// investigations after those, in the order the case did them, the conditions it ruled out, and what
// it says must not be done. Images the expected investigations produced are withheld. No narrative context.
import type { Sentence } from '../../schemas/article.ts';
import type { ExaminationDraft, FlagItem, KeyTest, TrackLeakTerm } from '../../schemas/question.ts';
import { joinParts } from '../../schemas/question.ts';
import type { VocabMention } from '../../ontology/vocab/index.ts';
import { buildLeakPatterns, findLeaks } from '../leakage/patterns.ts';
import { AVOID_CUE, RULED_OUT_AFTER, RULE_OUT_CUE } from './cues.ts';
import { chooseImages, commonFields, figureOrder, findDecisionPoint, imageList, namesDiagnosis, partsOf, sentenceSource, spanOf, type CaseMaterial, type GenResult, type WithholdRule } from './material.ts';

const MAX_PRESENTING = 8;
const INVESTIGATION_KINDS = new Set(['imaging', 'laboratory', 'pathology', 'genetics']);

export const EXAMINATION_QUESTION = (n: number, photos: boolean): string =>
  `Examine ${imageList(n)}${photos ? '' : ', from the first investigation'}. Which investigations would you order next to reach the diagnosis, ` +
  'in what order and why, and which conditions (red flags) must be ruled out?';

// A laboratory measurement named by what it measures ("serum prolactin", "ACTH levels were"): the
// vocabularies name techniques, not analytes, so these are read from the sentence's own words.
const ANALYTE_RE = /\b(?:(serum|plasma|blood|urine|urinary|salivary|CSF)\s+((?:[A-Za-z][\w-]*\s+){0,2}?[A-Za-z][\w-]*)(?=\s+(?:levels?|concentrations?|titers?|titres?|values?|was|were|and|of|\())|((?:[A-Za-z][\w-]*\s+)?[A-Za-z][\w-]*)\s+levels?\s+(?:was|were|of|in)\b)/g;
// words that end or are no analyte: function words, and what "blood …"/"… level" also says ("blood pressure", "sea level")
const NOT_ANALYTE = /^(?:the|a|an|his|her|their|these|those|with|of|and|or|to|in|on|at|for|by|from|as|normal|high|low|elevated|raised|increased|decreased|all|other|several|both|pressure|flow|loss|cell|cells|transfusion|transfusions|vessels?|supply|sea|energy|activity|consciousness|oxygen|sugar|count|test|tests|product|products|group|type|sample|samples|smear|glucose)$/i;

/** Test mentions that report a test done (not "could not be performed", "no … was done"), analyte measurements included. */
export function testMentions(m: CaseMaterial, s: Sentence): VocabMention[] {
  const found = m.recogniser.find(s.text, { kinds: ['test'], extra: m.articleForms }).filter((x) => !x.negated && !x.kinds.includes('exam'));
  for (const a of s.text.matchAll(ANALYTE_RE)) {
    const prefix = a[1];
    const phrase = (a[2] ?? a[3]).trim();
    const words = phrase.split(/\s+/);
    // the analyte is the run of words after the last function word ("anemia with hemoglobin" → "hemoglobin")
    let from = 0;
    words.forEach((w, i) => { if (NOT_ANALYTE.test(w)) from = i + 1; });
    const kept = words.slice(from);
    if (!kept.length || kept.join('').length < 2 || (prefix && from > 0)) continue;
    const start = a.index! + a[0].indexOf(phrase) + phrase.lastIndexOf(kept.join(' '));
    const end = start + kept.join(' ').length;
    if (s.text.slice(start, end) !== kept.join(' ')) continue;
    if (found.some((x) => x.start < end && x.end > start)) continue;
    const name = prefix ? `${prefix.toLowerCase()} ${kept.join(' ')}` : `${kept.join(' ')} level`;
    found.push({ start, end, text: s.text.slice(start, end), form: name, concepts: [], kinds: ['test'], negated: false });
  }
  return found.sort((a, b) => a.start - b.start);
}

const isInvestigation = (m: CaseMaterial, s: Sentence): boolean => testMentions(m, s).length > 0 || INVESTIGATION_KINDS.has(s.kind);
const conceptKey = (m: CaseMaterial, x: VocabMention): string => (x.concepts.length ? m.recogniser.vocab.concepts[x.concepts[0]].key : `analyte:${x.text.toLowerCase()}`);

/** The vocabulary's name of a test, or the case's own words when that name is a bare adjective ("endoscopic"). */
export function displayName(m: CaseMaterial, x: VocabMention): string {
  if (!x.concepts.length) return x.form;   // an analyte: "prolactin level"
  const name = m.recogniser.vocab.concepts[x.concepts[0]].name;
  return !/\s/.test(name) && /(?:al|ic|ous|ive|ary|ed)$/i.test(name) ? x.text : name;
}

/** Conditions the case ruled out or had on its differential, from its own words and align's negated mentions. */
export function redFlagsOf(m: CaseMaterial, sentences: Sentence[]): FlagItem[] {
  const out: FlagItem[] = [];
  const push = (s: Sentence, start: number, text: string, cue: string) => {
    let t = text.trim().replace(/^(?:the|a|an|any)\s+/i, '').replace(/\s+(?:was|were|is|are|and|or|by|on|in|at|with)$/i, '');
    const words = t.split(/\s+/);
    if (words.length > 8) t = words.slice(0, 8).join(' ');
    if (t.length < 3 || !/\p{L}{3}/u.test(t)) return;
    if (findLeaks(t, m.diagnosis.patterns).length) return;        // the answer itself is no red flag
    if (out.some((o) => o.item.toLowerCase() === t.toLowerCase())) return;
    const at = s.text.indexOf(t, Math.max(0, start - 1));
    out.push({ item: t, cue, source: sentenceSource(s, at >= 0 ? at : 0, at >= 0 ? at + t.length : s.text.length) });
  };
  for (const s of sentences) {
    for (const x of s.text.matchAll(RULE_OUT_CUE)) {
      // "ruled out tuberculosis, sarcoidosis and lymphoma": each item of the list, up to a word that ends it
      const cue = x[0].slice(0, x[0].length - x[1].length).trim();
      const list = x[1].split(/\s+(?:but|which|because|due|as|since|that|so|after|before|while|was|were)\b/)[0];
      let at = x.index! + x[0].length - x[1].length;
      for (const part of list.split(/,\s*|\s+(?:and|or|nor)\s+/)) {
        if (part.trim().split(/\s+/).length <= 6 && /\p{L}{4}/u.test(part)) push(s, at, part, cue);
        at += part.length + 1;
      }
    }
    for (const x of s.text.matchAll(RULED_OUT_AFTER)) push(s, x.index!, x[1].split(/,\s*|\s+(?:and|but)\s+/).pop() ?? x[1], 'ruled out');
    for (const men of m.mentions) {
      if (men.sectionId !== s.sectionId || men.start < s.start || men.end > s.end) continue;
      if (m.diagnosis.codes.has(men.orphaCode) || (men.status !== 'negated' && men.status !== 'differential')) continue;
      if (men.text) push(s, men.start - s.start, men.text, men.status);
    }
  }
  return out;
}

/** Tests the case says were contraindicated or to be avoided. */
export function testsToAvoid(m: CaseMaterial, sentences: Sentence[]): FlagItem[] {
  const out: FlagItem[] = [];
  for (const s of sentences) {
    const cue = AVOID_CUE.map((c) => c.re.exec(s.text)).find((x) => x);
    if (!cue) continue;
    const t = m.recogniser.find(s.text, { kinds: ['test'], extra: m.articleForms })[0];
    if (t && !out.some((o) => o.item === t.text)) out.push({ item: t.text, cue: cue[0], source: sentenceSource(s, t.start, t.end) });
  }
  return out;
}

export function generateExamination(m: CaseMaterial): GenResult<ExaminationDraft> {
  const point = findDecisionPoint(m);
  if (!point) return { ok: false, reason: 'decision_point_not_found', rule: 'generate.examination.cut', detail: { sentences: m.sentences.length } };
  const firstInv = m.sentences.find((s) => s.kind !== 'discussion' && isInvestigation(m, s));
  if (!firstInv || firstInv.index > point.index) return { ok: false, reason: 'workup_not_found', rule: 'generate.examination.workup', detail: { diagnosisAt: point.index } };
  // the presenting complaint: the case's opening sentences, in one run, up to the first investigation (a
  // "diagnosis" sentence belongs to it when it tells an earlier diagnosis, not this one)
  const presenting: Sentence[] = [];
  for (const s of m.sentences) {
    if (s.index >= firstInv.index || presenting.length >= MAX_PRESENTING) break;
    const ok = s.kind === 'history' || s.kind === 'examination' || s.kind === 'other' || (s.kind === 'diagnosis' && !namesDiagnosis(m, s));
    if (!ok) break;
    presenting.push(s);
  }
  if (presenting.length < 1) return { ok: false, reason: 'presenting_complaint_missing', rule: 'generate.examination.presenting', detail: { firstInvestigation: firstInv.index } };

  const workup = m.sentences.filter((s) => s.index >= firstInv.index && s.index <= point.index && s.kind !== 'discussion');
  const hasImages = (figId: string) => m.images.some((i) => i.figureId === figId);
  // the first investigation with an image opens the question; the investigations after it are the answer
  const anchor = workup.find((s) => s.figureRefs.some((r) => hasImages(r.figureId))) ?? null;
  const anchorConcepts = new Set(anchor ? testMentions(m, anchor).map((x) => conceptKey(m, x)) : []);
  const keyTests: KeyTest[] = [];
  const seenKeys = new Set<string>();
  for (const s of workup) {
    if (s === anchor) continue;
    for (const x of testMentions(m, s)) {
      const key = conceptKey(m, x);
      if (anchorConcepts.has(key) || seenKeys.has(key)) continue;
      seenKeys.add(key);
      keyTests.push({
        name: displayName(m, x), order: keyTests.length + 1, surface: x.text,
        conceptIds: [...new Set(x.concepts.flatMap((c) => m.recogniser.vocab.concepts[c].ids))].sort(),
        source: sentenceSource(s, x.start, x.end), withheldImages: [],
      });
    }
  }
  if (keyTests.length < m.options.minKeyTests) {
    return { ok: false, reason: 'too_few_key_tests', rule: 'generate.examination.key_tests', detail: { keyTests: keyTests.length, min: m.options.minKeyTests } };
  }
  const trackTerms: TrackLeakTerm[] = [];
  for (const k of keyTests) {
    const concepts = m.recogniser.find(k.surface, { extra: m.articleForms }).flatMap((x) => x.concepts);
    for (const f of new Set([k.surface, k.name, ...concepts.flatMap((c) => m.recogniser.formsOf(c))])) {
      if (f.trim().length >= 2 && !trackTerms.some((t) => t.form.toLowerCase() === f.toLowerCase())) trackTerms.push({ form: f, source: 'key_test', concept: k.name });
    }
  }

  // Shown: the presentation's own figures and the first investigation's. Withheld: what the expected tests
  // produced — every figure the work-up after the first investigation refers to, each credited to the key
  // test named last before (or in) the sentence that refers to it ("…by echocardiography. It revealed a mass (Figure 2)").
  const figureTest = new Map<string, KeyTest>();
  let current: KeyTest | undefined;
  for (const s of workup) {
    if (s === anchor) continue;
    current = keyTests.filter((k) => k.source.kind === 'sentence' && k.source.sentence <= s.index).pop() ?? keyTests[0];
    for (const r of s.figureRefs) if (!figureTest.has(r.figureId)) figureTest.set(r.figureId, current);
  }
  const anchorFigures = new Set(anchor ? figureOrder([anchor]) : []);
  for (const f of anchorFigures) figureTest.delete(f);
  const keyFigures = new Set(figureTest.keys());
  const afterDiagnosis = new Set(figureOrder(m.sentences.filter((s) => s.index > point.index)));
  const byKeyTest: WithholdRule = (fig) => keyFigures.has(fig.id)
    ? { reason: 'produced_by_expected_test', rule: 'generate.examination.images', detail: `produced by an expected investigation (${figureTest.get(fig.id)?.name})` }
    : null;
  const patterns = [...m.diagnosis.leakPatterns, ...buildLeakPatterns(trackTerms.map((t) => ({ form: t.form, source: 'alias' as const })))];
  const order = [...new Set([...figureOrder(presenting), ...(anchor ? figureOrder([anchor]) : [])])];
  const choice = chooseImages(m, order, [byKeyTest], patterns, (fig) => keyFigures.has(fig.id)
    ? { reason: 'produced_by_expected_test', rule: 'generate.examination.images', detail: `produced by an expected investigation (${figureTest.get(fig.id)?.name})` }
    : afterDiagnosis.has(fig.id)
      ? { reason: 'after_diagnosis', rule: 'generate.examination.images', detail: 'referenced only after the diagnosis was made' }
      : { reason: 'not_in_presentation', rule: 'generate.examination.images', detail: 'not part of the presentation or the first investigation' });
  if (choice.images.length < m.options.minImages.examination) {
    return { ok: false, reason: choice.images.length ? 'too_few_images' : 'no_images', rule: 'generate.examination.images', detail: { images: choice.images.length, min: m.options.minImages.examination, withheld: choice.withheld.length }, withheld: choice.withheld };
  }
  for (const k of keyTests) k.withheldImages = choice.withheld.filter((w) => figureTest.get(w.figureId) === k).map((w) => w.imageId);
  const questionParts = [
    ...partsOf(m, presenting, choice.labelOf),
    { sep: '\n\n', text: EXAMINATION_QUESTION(choice.images.length, !anchor), sentence: null },
  ];
  const considered = m.sentences.filter((s) => s.index <= point.index + 1 && s.kind !== 'discussion');
  return {
    ok: true,
    draft: {
      ...commonFields(m, 'examination'),
      track: 'examination',
      question: joinParts(questionParts), questionParts,
      context: '', contextParts: [],
      images: choice.images, withheld: choice.withheld,
      answer: keyTests.map((k) => `${k.order}. ${k.name}`).join('; '),
      trackTerms, forbiddenText: [],
      keyTests,
      redFlags: redFlagsOf(m, considered),
      mustNot: testsToAvoid(m, m.sentences.filter((s) => s.kind !== 'discussion')),
      presentingSentences: presenting.map(spanOf),
      cut: { beforeSentence: firstInv.index, reason: 'first_investigation', sentence: spanOf(firstInv) },
    },
  };
}
