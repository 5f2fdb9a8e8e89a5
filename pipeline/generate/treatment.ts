// Rule-based treatment-track generator (pure). The model sees the narrative cut before the first
// sentence that gives a treatment, and the images taken before it; the answer is the treatment the case
// actually gave, as a rubric of drugs (dose and route where stated), procedures and follow-up, each tied
// to the sentence it came from, and what the case says was avoided, contraindicated or harmful.
import type { Sentence } from '../../schemas/article.ts';
import type { AvoidItem, RubricItem, TrackLeakTerm, TreatmentDraft } from '../../schemas/question.ts';
import { joinParts } from '../../schemas/question.ts';
import type { VocabMention } from '../../ontology/vocab/index.ts';
import { buildLeakPatterns } from '../leakage/patterns.ts';
import { ANALYTE_AFTER, ANALYTE_BEFORE, ANALYTE_SELF, AFTER_TREATMENT_CAPTION, AVOID_CUE, DOSE_RE, FOLLOW_UP_CUE, HISTORY_CUE, PAST_SENTENCE_CUE, ROUTE_IV_RE, ROUTE_RE, TREATMENT_CUE } from './cues.ts';
import { chooseImages, commonFields, figureOrder, imageList, partsOf, sentenceSource, spanOf, type CaseMaterial, type GenResult, type WithholdRule } from './material.ts';

export const TREATMENT_QUESTION = (n: number): string =>
  `Read the case description and examine ${imageList(n)}. What treatment would you give this patient now? ` +
  'Name the drugs (with dose and route where appropriate) or procedures, what to avoid, and the follow-up you would arrange.';

const THERAPY_WORD = /\b(?:therapeutic|curative|treat\w*|resect\w*|excis\w*|remov\w*)\b/i;

// a treatment decided, even one decided against ("surgical correction was not to be done"): the plan is the answer
const DECISION_CUE = /\b(?:decided|decision|elected|opted|chose|declined|refused|advised|recommended|indicated|was planned|were planned)\b/i;

/** Drug and procedure mentions in a sentence that stand for something given, done or decided, not measured or ruled out. */
export function therapeuticMentions(m: CaseMaterial, s: Sentence): VocabMention[] {
  const decided = DECISION_CUE.test(s.text);
  return m.recogniser.find(s.text, { kinds: ['drug', 'drug_class', 'procedure'], extra: m.articleForms }).filter((x) => {
    if (x.negated && !decided) return false;
    const drug = x.kinds.includes('drug') || x.kinds.includes('drug_class');
    if (drug) return !ANALYTE_SELF.test(x.text) && !ANALYTE_BEFORE.test(s.text.slice(Math.max(0, x.start - 30), x.start)) && !ANALYTE_AFTER.test(s.text.slice(x.end, x.end + 30));
    // a procedure that is also a test (biopsy) is diagnostic unless the sentence says it was therapeutic
    return !x.kinds.includes('test') || THERAPY_WORD.test(s.text);
  });
}

const INVESTIGATION_KINDS = new Set(['imaging', 'laboratory', 'pathology', 'genetics']);

/** Whether a mention sits in a past-history phrase ("history of intake of antiseizure drugs"): the cue shortly before it, same clause. */
function inHistoryPhrase(text: string, x: VocabMention): boolean {
  for (const h of text.matchAll(HISTORY_CUE)) {
    const between = text.slice(h.index! + h[0].length, x.start);
    if (h.index! < x.start && between.length <= 40 && !/[.;,]/.test(between)) return true;
  }
  return false;
}

/**
 * A sentence that gives a treatment: a therapeutic mention plus a treatment verb (or the extractor's
 * "treatment" kind), not in a past-history phrase; in an investigation sentence ("angiography was
 * performed … by cannulation") only a drug counts.
 */
export function treatmentMentions(m: CaseMaterial, s: Sentence, opts: { allowHistory: boolean }): VocabMention[] {
  if (s.kind === 'discussion') return [];
  let ms = therapeuticMentions(m, s);
  if (!opts.allowHistory) ms = PAST_SENTENCE_CUE.test(s.text) ? [] : ms.filter((x) => !inHistoryPhrase(s.text, x));
  // in an investigation sentence a procedure counts only when the sentence says it treats ("surgical resection")
  if (INVESTIGATION_KINDS.has(s.kind) && !THERAPY_WORD.test(s.text)) ms = ms.filter((x) => x.kinds.includes('drug') || x.kinds.includes('drug_class'));
  if (!ms.length) return [];
  return TREATMENT_CUE.test(s.text) || s.kind === 'treatment' ? ms : [];
}

// how a drug was given, when a drug is named beside it: a route, not a procedure of its own
const ADMINISTRATION = /^(?:infusions?|injections?|administration)$/i;

const PLAN_WORD = /\b(?:surg(?:ery|ical)|operat(?:e|ion|ive)|treatment|therapy|management)\b/i;

/**
 * The first treatment sentence of the case, or null: one that gives a treatment, or one that records a
 * treatment decision in words the vocabulary does not list ("decided that surgical correction was not to be done").
 */
export function findTreatmentStart(m: CaseMaterial): Sentence | null {
  return m.sentences.find((s) => treatmentMentions(m, s, { allowHistory: false }).length > 0
    || (s.kind !== 'discussion' && DECISION_CUE.test(s.text) && PLAN_WORD.test(s.text) && !PAST_SENTENCE_CUE.test(s.text))) ?? null;
}

/** The vocabulary's name, or the case's own words when that name is a bare adjective ("surgical"). */
function nameOf(m: CaseMaterial, x: VocabMention): string {
  const name = m.recogniser.vocab.concepts[x.concepts[0]].name;
  return !/\s/.test(name) && /(?:al|ic|ous|ive|ary|ed)$/i.test(name) ? x.text : name;
}
const conceptIds = (m: CaseMaterial, x: VocabMention): string[] => [...new Set(x.concepts.flatMap((c) => m.recogniser.vocab.concepts[c].ids))].sort();

/** The dose written after a drug name ("prednisolone 40 mg per day"), within its clause. */
export function doseAfter(text: string, end: number): string | null {
  const tail = text.slice(end, end + 60);
  const stop = tail.search(/[;.]\s|\band\b(?! tapered)/);
  const m = DOSE_RE.exec(stop >= 0 ? tail.slice(0, stop) : tail);
  return m ? m[0].trim() : null;
}

/** A route named in the same clause as the mention ("oral corticosteroid therapy", "given intravenously"). */
export function routeNear(text: string, start: number, end: number): string | null {
  const from = Math.max(0, text.lastIndexOf(',', start) + 1, text.lastIndexOf(';', start) + 1);
  const toComma = text.slice(end).search(/[;]|, (?:and|which|but)\b/);
  const window = text.slice(from, toComma >= 0 ? end + toComma : text.length);
  const r = ROUTE_RE.exec(window) ?? ROUTE_IV_RE.exec(window);
  if (!r) return null;
  return r[0].toLowerCase().replace(/ly$/, '').replace(/^i\.v\.$|^iv$/, 'intravenous').replace(/^p\.o\.$|^per os$/, 'oral');
}

export function rubricOf(m: CaseMaterial, segment: Sentence[]): RubricItem[] {
  const items: RubricItem[] = [];
  const seen = new Set<string>();
  for (const s of segment) {
    // what the sentence says was avoided or contraindicated is no part of the treatment given
    const avoid = avoidClause(s.text);
    const ms = treatmentMentions(m, s, { allowHistory: true }).filter((x) => !avoid || x.end <= avoid.start || x.start >= avoid.end);
    const specificDrug = ms.some((x) => x.kinds.includes('drug'));
    const specificProc = ms.some((x) => x.kinds.includes('procedure') && nameOf(m, x).toLowerCase() !== 'surgery');
    for (const x of ms) {
      const isDrug = x.kinds.includes('drug') || x.kinds.includes('drug_class');
      // a class named beside its drug ("corticosteroid therapy (prednisolone …)") and a bare "surgery" beside a named operation add nothing
      if (isDrug && !x.kinds.includes('drug') && specificDrug) continue;
      if (!isDrug && nameOf(m, x).toLowerCase() === 'surgery' && specificProc) continue;
      if (!isDrug && ADMINISTRATION.test(x.text) && specificDrug) continue;
      const key = m.recogniser.vocab.concepts[x.concepts[0]].key;
      const dose = isDrug ? doseAfter(s.text, x.end) : null;
      const route = isDrug ? routeNear(s.text, x.start, x.end) : null;
      if (seen.has(key)) {
        // a drug named again with the dose the first mention lacked ("treatment with X was started" … "X at 60 mg per day")
        const k = items.findIndex((i) => i.kind === 'drug' && i.conceptIds.join() === conceptIds(m, x).join());
        if (k >= 0 && !items[k].dose && dose) {
          items[k] = { ...items[k], item: [x.text, dose].join(' ') + (route ?? items[k].route ? `, ${route ?? items[k].route}` : ''), dose, route: route ?? items[k].route, source: sentenceSource(s, x.start, x.end) };
        }
        continue;
      }
      seen.add(key);
      items.push({
        item: [x.text, dose].filter(Boolean).join(' ') + (route ? `, ${route}` : ''),
        kind: isDrug ? 'drug' : 'procedure', name: nameOf(m, x), dose, route, conceptIds: conceptIds(m, x),
        source: sentenceSource(s, x.start, x.end),
      });
    }
  }
  const fu = segment.slice(1).find((s) => FOLLOW_UP_CUE.test(s.text));
  if (fu) {
    const at = FOLLOW_UP_CUE.exec(fu.text)!;
    items.push({ item: `follow-up: ${fu.text.length > 160 ? `${fu.text.slice(0, 157)}…` : fu.text}`, kind: 'follow_up', name: at[0].toLowerCase(), dose: null, route: null, conceptIds: [], source: sentenceSource(fu) });
  }
  return items;
}

/** The avoidance cue of a sentence and its clause ("TNF-α inhibitors were contraindicated for our patient"), if any. */
export function avoidClause(text: string): { reason: AvoidItem['reason']; cue: string; at: number; start: number; end: number } | null {
  const cue = AVOID_CUE.map((c) => ({ c, hit: c.re.exec(text) })).find((x) => x.hit);
  if (!cue?.hit) return null;
  const at = cue.hit.index;
  const start = Math.max(...[...text.slice(0, at).matchAll(/[;,]\s*|\b(?:so|but|and then|while|whereas)\b/g)].map((b) => b.index! + b[0].length), 0);
  const after = text.slice(at).search(/[;,]|\b(?:so|but|while|whereas)\b/);
  return { reason: cue.c.reason, cue: cue.hit[0], at, start, end: after >= 0 ? at + after : text.length };
}

/** What the case says was avoided, contraindicated or harmful: a drug/procedure mention in a sentence with such a cue. */
export function avoidedOf(m: CaseMaterial, sentences: Sentence[]): AvoidItem[] {
  const out: AvoidItem[] = [];
  for (const s of sentences) {
    if (s.kind === 'discussion') continue;
    const clause = avoidClause(s.text);
    if (!clause) continue;
    // what the cue is about: a drug or procedure in the cue's own clause, nearest to it (never a guess across clauses)
    const at = clause.at;
    const cue = { c: { reason: clause.reason }, hit: [clause.cue] };
    const ms = m.recogniser.find(s.text, { kinds: ['drug', 'drug_class', 'procedure'], extra: m.articleForms }).filter((x) => x.start >= clause.start && x.end <= clause.end);
    if (!ms.length) continue;
    const x = [...ms].sort((a, b) => Math.abs(a.start - at) - Math.abs(b.start - at))[0];
    if (out.some((o) => o.item.toLowerCase() === x.text.toLowerCase())) continue;
    out.push({ item: x.text, reason: cue.c.reason, cue: cue.hit[0], source: sentenceSource(s, x.start, x.end) });
  }
  return out;
}

/** Every form of the answer's drugs and procedures: none may appear in the model-visible text. */
export function treatmentTerms(m: CaseMaterial, items: RubricItem[]): TrackLeakTerm[] {
  const out: TrackLeakTerm[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    if (it.kind === 'follow_up') continue;
    const concepts = m.recogniser.find(it.source.text, { extra: m.articleForms }).flatMap((x) => x.concepts);
    const forms = new Set([it.source.text, it.name, ...concepts.flatMap((c) => m.recogniser.formsOf(c))]);
    for (const f of forms) {
      const k = f.toLowerCase();
      if (f.trim().length < 3 || seen.has(k)) continue;
      seen.add(k);
      out.push({ form: f, source: 'treatment', concept: it.name });
    }
  }
  return out;
}

export function generateTreatment(m: CaseMaterial): GenResult<TreatmentDraft> {
  const start = findTreatmentStart(m);
  if (!start) return { ok: false, reason: 'treatment_not_found', rule: 'generate.treatment.cut', detail: { sentences: m.sentences.length } };
  const ctx = m.sentences.filter((s) => s.index < start.index && s.kind !== 'discussion');
  if (ctx.length < m.options.minContextSentences) {
    return { ok: false, reason: 'context_too_short', rule: 'generate.treatment.min_context', detail: { sentences: ctx.length, min: m.options.minContextSentences, cut: start.index } };
  }
  const segment = m.sentences.filter((s) => s.index >= start.index && s.kind !== 'discussion');
  const mustInclude = rubricOf(m, segment);
  if (!mustInclude.some((i) => i.kind !== 'follow_up')) {
    return { ok: false, reason: 'treatment_not_found', rule: 'generate.treatment.rubric', detail: { cut: start.index } };
  }
  const mustNot = avoidedOf(m, m.sentences);
  const trackTerms = treatmentTerms(m, mustInclude);

  // Images taken before treatment started: figures referenced before the cut. A figure first referenced at
  // or after it shows the course; a caption that says "after treatment"/"postoperative" shows the outcome.
  const referencedLater = new Set(figureOrder(segment));
  const captionAfter: WithholdRule = (fig) => {
    const hit = AFTER_TREATMENT_CAPTION.exec(fig.caption);
    return hit ? { reason: 'caption_after_treatment', rule: 'generate.treatment.images', detail: `the caption describes the course after treatment ("${hit[0]}")` } : null;
  };
  const patterns = [...m.diagnosis.leakPatterns, ...buildLeakPatterns(trackTerms.map((t) => ({ form: t.form, source: 'alias' as const })))];
  const inCase = new Set(figureOrder(m.sentences));
  const choice = chooseImages(m, figureOrder(ctx), [captionAfter], patterns, (fig) => referencedLater.has(fig.id)
    ? { reason: 'taken_after_treatment_start', rule: 'generate.treatment.images', detail: 'first referenced at or after the first treatment sentence' }
    : inCase.has(fig.id)
      ? { reason: 'timing_unknown', rule: 'generate.treatment.images', detail: 'not referenced before treatment: when it was taken is unknown' }
      : { reason: 'not_referenced_in_case', rule: 'generate.treatment.images', detail: "not referenced from this case's narrative" });
  if (choice.images.length < m.options.minImages.treatment) {
    return { ok: false, reason: choice.images.length ? 'too_few_images' : 'no_images', rule: 'generate.treatment.images', detail: { images: choice.images.length, min: m.options.minImages.treatment, withheld: choice.withheld.length }, withheld: choice.withheld };
  }
  const contextParts = partsOf(m, ctx, choice.labelOf);
  const question = TREATMENT_QUESTION(choice.images.length);
  const treatmentSentences = segment.filter((s) => mustInclude.some((i) => i.source.kind === 'sentence' && i.source.sentence === s.index));
  return {
    ok: true,
    draft: {
      ...commonFields(m, 'treatment'),
      track: 'treatment',
      question, questionParts: [{ sep: '', text: question, sentence: null }],
      context: joinParts(contextParts), contextParts,
      images: choice.images, withheld: choice.withheld,
      answer: mustInclude.map((i) => i.item).join('; '),
      trackTerms, forbiddenText: [],
      mustInclude, mustNot,
      treatmentSentences: treatmentSentences.map(spanOf),
      contextSentences: ctx.map(spanOf),
      cut: { beforeSentence: start.index, reason: 'first_treatment_sentence', sentence: spanOf(start) },
    },
  };
}
