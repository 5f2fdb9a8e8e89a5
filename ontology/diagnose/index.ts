// Case diagnosis: chooses each case's primary Orphanet diagnosis from the article's mentions,
// with a confidence, the evidence sentences, runner-ups, aliases, the link and the rules that shaped it.
//
// Steps per case: every mention becomes an evidence item keyed by its answer code (subtype -> disorder,
// obsolete -> moved-to, group -> a clearly fitting child, else the group itself as a non-answer); short
// references move to the specific entry they abbreviate (references.ts); a background condition next to a
// foreground one counts little (background.ts); items add up to signals per candidate (score.ts). All
// candidates compete, answers and non-answers (groups, refused types) alike: when a non-answer has the
// strongest evidence the case has no answer, rather than the closest neighbour that is one.
import type { CaseDiagnosis, Mention } from '../../schemas/alignment.ts';
import type { ParsedArticle } from '../../schemas/article.ts';
import { defaultDisorderChild, resolveAnswer, type Resolution, type RuleNote } from '../lexicon.ts';
import { normalizePhrase } from '../match/normalize.ts';
import { createMatcher, type DocMatch, type DocPart, type Matcher, type MentionDetail } from '../match/index.ts';
import type { Lexicon } from '../types.ts';
import { trieFor } from '../lexicon-cache.ts';
import { backgroundScopes, FEATURE_GAP, scopeOf, type CueScope } from './background.ts';
import { derivedMentions, type DerivedMention } from './broader.ts';
import { DX_OBJECT, dxCredit } from './cues.ts';
import { around, groupChild } from './groups.ts';
import { linkOf } from './link.ts';
import { answerPolicyOf, DEFAULT_MIN_CONFIDENCE, type AnswerPolicy, type RefusalReason } from './policy.ts';
import { classOf, specificFor, type SpecificMention } from './references.ts';
import { confidenceOf, CONTRA_PLACE, scoreSignals, type Signals } from './score.ts';

export interface DiagnoseOptions extends AnswerPolicy {
  /** Below this confidence a case goes to review (default DEFAULT_MIN_CONFIDENCE). */
  minConfidence?: number;
  /** Reuse a matcher built for this lexicon (building one takes ~0.3 s). */
  matcher?: Matcher;
}

/** Every candidate of a case with its score and signals (for reviewers and the evaluation). */
export interface CandidateDetail {
  code: string; name: string; answer: boolean; refused: RefusalReason | null; score: number; signals: Signals;
  evidence: string[];                          // sentences that name it, best places first (title, diagnosis statements, abstract, case, discussion)
  evidenceSpans: CaseDiagnosis['evidence'];
  aliases: string[];
  link: CaseDiagnosis['link'];
}
export interface DiagnoseResult { mentions: Mention[]; diagnoses: CaseDiagnosis[]; candidates: CandidateDetail[][] }

const matcherCache = new WeakMap<Lexicon, Matcher>();
export function matcherFor(lex: Lexicon): Matcher {
  let m = matcherCache.get(lex);
  // the trie from its cache when this lexicon was opened from a compiled file (lexicon-cache.ts)
  if (!m) { m = createMatcher(lex, { trie: trieFor(lex) }); matcherCache.set(lex, m); }
  return m;
}

/** Drops the matcher built for this lexicon (about 23 MB): a build calls it once no later stage matches; matcherFor then builds it again. */
export function releaseMatcher(lex: Lexicon): void {
  matcherCache.delete(lex);
}

/** The article's text as matcher parts: title, abstract, sections (with the extractor's sentences), captions. */
export function articleParts(article: ParsedArticle): DocPart[] {
  const sentencesBySection = new Map<string, [number, number][]>();
  for (const c of article.cases) for (const s of c.sentences) {
    const list = sentencesBySection.get(s.sectionId) ?? [];
    list.push([s.start, s.end]);
    sentencesBySection.set(s.sectionId, list);
  }
  const parts: DocPart[] = [];
  if (article.title) parts.push({ field: 'title', sectionId: null, text: article.title, sentences: [[0, article.title.length]] });
  if (article.abstract) parts.push({ field: 'abstract', sectionId: null, text: article.abstract });
  for (const s of article.sections) {
    if (s.kind === 'back-matter' || s.kind === 'methods' || !s.text) continue;
    const given = sentencesBySection.get(s.id)?.sort((a, b) => a[0] - b[0]);
    parts.push({ field: 'body', sectionId: s.id, text: s.text, sentences: given && coversText(given, s.text) ? given : undefined });
  }
  for (const f of article.figures) if (f.caption) parts.push({ field: 'caption', sectionId: f.id, text: f.caption });
  return parts;
}

// The extractor's sentences are used only when they cover the section (else our splitter runs).
function coversText(spans: [number, number][], text: string): boolean {
  const covered = spans.reduce((n, [a, b]) => n + (b - a), 0);
  return covered >= text.replace(/\s+$/, '').length * 0.8;
}

/** One piece of evidence: a mention (exact, variant, abbreviation or derived) with the answer it counts for. */
interface Item {
  m: Mention;
  d: MentionDetail;
  exactIdx: number | null;       // index into doc.mentions (null: derived)
  derived: DerivedMention | null;
  key: string;                   // answer code, or "x<code>" for a non-answer (group, excluded code)
  res: Resolution;
  weight: number;
  sentence: string;
  notes: RuleNote[];             // rules this item adds to its candidate (short reference, background)
}

interface Candidate {
  key: string;
  code: string;                  // the answer code, or the non-answer's own code
  answer: boolean;               // a disorder-level answer code (else a group or an excluded code)
  refused: RefusalReason | null; // an answer code the policy refuses (particular situation, non-rare)
  via: Set<string>;
  rules: RuleNote[];
  signals: Signals;
  items: Item[];
  evidence: CaseDiagnosis['evidence'];
}

function emptySignals(): Signals {
  return { title: 0, abstract: 0, dxStatement: 0, dxKind: 0, caseBody: 0, otherBody: 0, caption: 0, weak: 0, contra: 0 };
}

/** Sentence kinds the extractor assigned, keyed by "sectionId:start". */
function sentenceKinds(article: ParsedArticle): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of article.cases) for (const s of c.sentences) m.set(`${s.sectionId}:${s.start}`, s.kind);
  return m;
}

export function diagnoseArticle(article: ParsedArticle, lex: Lexicon, opts: DiagnoseOptions = {}): DiagnoseResult {
  const matcher = opts.matcher ?? matcherFor(lex);
  const parts = articleParts(article);
  const doc = matcher.matchDocument(parts);
  const kinds = sentenceKinds(article);
  const cases = article.cases.length ? article.cases : [{ index: 1, label: 'Case', sectionIds: article.sections.filter((s) => s.kind === 'case').map((s) => s.id), sentences: [] }];
  const fuzzy = fuzzyMentions(matcher, parts, doc);
  const derived = derivedMentions(lex, parts, doc, matcher);
  const ctx: ArticleContext = { article, lex, parts, doc, derived, kinds, opts, scopes: new Map() };
  const details: CandidateDetail[][] = [];
  const diagnoses = cases.map((c) => diagnoseCase(c.index, new Set(c.sectionIds), ctx, fuzzy, details));
  return { mentions: [...doc.mentions, ...fuzzy], diagnoses, candidates: details };
}

/**
 * diagnoseArticle with `between` awaited between its steps (document matching, fuzzy fallback, derived
 * links, each case): a caller that must stay responsive (Ctrl-C in the align stage) yields there, or throws
 * to stop. The result is the same as diagnoseArticle's.
 */
export async function diagnoseArticleStepwise(article: ParsedArticle, lex: Lexicon, opts: DiagnoseOptions, between: () => Promise<void>): Promise<DiagnoseResult> {
  const matcher = opts.matcher ?? matcherFor(lex);
  const parts = articleParts(article);
  await between();
  const doc = matcher.matchDocument(parts);
  await between();
  const kinds = sentenceKinds(article);
  const cases = article.cases.length ? article.cases : [{ index: 1, label: 'Case', sectionIds: article.sections.filter((s) => s.kind === 'case').map((s) => s.id), sentences: [] }];
  const fuzzy = fuzzyMentions(matcher, parts, doc);
  await between();
  const derived = derivedMentions(lex, parts, doc, matcher);
  await between();
  const ctx: ArticleContext = { article, lex, parts, doc, derived, kinds, opts, scopes: new Map() };
  const details: CandidateDetail[][] = [];
  const diagnoses: CaseDiagnosis[] = [];
  for (const c of cases) {
    diagnoses.push(diagnoseCase(c.index, new Set(c.sectionIds), ctx, fuzzy, details));
    await between();
  }
  return { mentions: [...doc.mentions, ...fuzzy], diagnoses, candidates: details };
}

interface ArticleContext {
  article: ParsedArticle; lex: Lexicon; parts: DocPart[]; doc: DocMatch; derived: DerivedMention[];
  kinds: Map<string, string>; opts: DiagnoseOptions;
  scopes: Map<string, CueScope[]>; // background scopes per sentence ("part:start")
}

/** This case's evidence items, keyed by answer (after subtype / obsolete / group rules). */
function caseItems(caseIndex: number, caseSections: Set<string>, ctx: ArticleContext): Item[] {
  const { article, lex, parts, doc } = ctx;
  const otherCases = new Set(article.cases.filter((c) => c.index !== caseIndex).flatMap((c) => c.sectionIds));
  const elsewhere = (m: Mention) => !!m.sectionId && otherCases.has(m.sectionId) && !caseSections.has(m.sectionId); // another patient
  const resolved = new Map<string, Resolution>();
  const items: Item[] = [];
  doc.mentions.forEach((m, idx) => {
    if (m.method === 'fuzzy' || elsewhere(m)) return;
    const d = doc.details[idx];
    const text = parts[d.part].text;
    const sentence = text.slice(d.sentence[0], d.sentence[1]);
    let res = resolved.get(m.orphaCode) ?? resolved.set(m.orphaCode, resolveAnswer(lex, m.orphaCode)).get(m.orphaCode)!;
    let weight = 1;
    if (res.excluded === 'group') {
      const child = groupChild(lex, res, text.slice(Math.max(0, m.start - 40), m.start), around(sentence, m.start - d.sentence[0], m.end - d.sentence[0]));
      if (child) { res = child.res; weight = child.weight; }
    }
    items.push({ m, d, exactIdx: idx, derived: null, key: res.code ?? `x${m.orphaCode}`, res, weight, sentence, notes: [] });
  });
  // head-noun, definition, inserted-modifier and organism links (broader.ts): reduced-weight mentions
  for (const x of ctx.derived) {
    if (elsewhere(x.mention)) continue;
    const d: MentionDetail = { part: x.part, sentence: x.sentence, trigger: null, acronym: false, nCodes: 1, variant: null };
    items.push({ m: x.mention, d, exactIdx: null, derived: x, key: x.mention.orphaCode, res: { code: x.mention.orphaCode, rules: [x.link.rule], excluded: null, via: [] }, weight: 1, sentence: parts[x.part].text.slice(x.sentence[0], x.sentence[1]), notes: [] });
  }
  shortReferences(lex, items);
  backgroundConditions(ctx, items);
  return items;
}

const inDiagnosticPlace = (it: Item) => it.m.field === 'title' || it.m.field === 'abstract' || dxCredit(it.sentence) > 0;

/** Rule short_reference_to_specific (references.ts): a short form counts for the specific entry it abbreviates. */
function shortReferences(lex: Lexicon, items: Item[]): void {
  const specifics: SpecificMention[] = items
    .filter((it) => it.m.status === 'affirmed' && !it.key.startsWith('x') && !it.derived && inDiagnosticPlace(it))
    .map((it) => ({ code: it.m.orphaCode, answer: it.key, words: normalizePhrase(it.m.text).split(' '), formWords: normalizePhrase(it.m.matchedForm).split(' ') }));
  if (!specifics.length) return;
  const formsOf = new Map<string, string[][]>();
  for (const it of items) {
    if (it.derived) continue;
    let forms = formsOf.get(it.m.orphaCode);
    if (!forms) {
      const e = lex.byCode.get(it.m.orphaCode)!;
      forms = [e.name, ...e.synonyms].map((f) => normalizePhrase(f).split(' '));
      formsOf.set(it.m.orphaCode, forms);
    }
    const own = it.key.startsWith('x') ? null : it.key;
    const s = specificFor(lex, it.m.orphaCode, [normalizePhrase(it.m.text).split(' '), ...forms], specifics, own);
    const cls = s ? null : classOf(lex, it.m.orphaCode, specifics, own);
    if (!s && !cls) continue;
    const e = lex.byCode.get(it.m.orphaCode)!, t = lex.byCode.get((s ?? cls)!.answer)!;
    if (s) it.notes.push({ rule: 'short_reference_to_specific', detail: `"${it.m.text}" (ORPHA:${e.code} "${e.name}") shortens the article's "${s.words.join(' ')}" -> ORPHA:${t.code} "${t.name}", filed below it` });
    else {
      it.weight = 0;
      it.notes.push({ rule: 'class_of_specific', detail: `"${it.m.text}" (ORPHA:${e.code} "${e.name}") names a class of the article's ORPHA:${t.code} "${t.name}": no rival diagnosis` });
    }
    it.key = t.code;
    it.res = { code: t.code, rules: [], excluded: null, via: [] };
  }
}

/** A background mention counts this much when its sentence also names another candidate outside a background phrase. */
export const BACKGROUND_WEIGHT = 0.25;

/** Rule background_condition (background.ts). */
function backgroundConditions(ctx: ArticleContext, items: Item[]): void {
  const bySentence = new Map<string, Item[]>();
  for (const it of items) {
    if (it.m.status !== 'affirmed') continue;
    const k = `${it.d.part}:${it.d.sentence[0]}`;
    (bySentence.get(k) ?? bySentence.set(k, []).get(k)!).push(it);
  }
  for (const [k, its] of bySentence) {
    let scopes = ctx.scopes.get(k);
    if (!scopes) { scopes = backgroundScopes(its[0].sentence); ctx.scopes.set(k, scopes); }
    // "X with Y": Y right after another named condition and a connective is that condition's feature
    const text = ctx.parts[its[0].d.part].text;
    const features: CueScope[] = [];
    for (const y of its) {
      const x = its.filter((i) => i.key !== y.key && i.m.end <= y.m.start && y.m.start - i.m.end < 60).sort((a, b) => b.m.end - a.m.end)[0];
      if (!x) continue;
      const gap = text.slice(x.m.end, y.m.start);
      if (FEATURE_GAP.test(gap)) features.push({ start: y.m.start - y.d.sentence[0], end: y.m.end - y.d.sentence[0], kind: 'feature', cue: gap.trim() });
    }
    const all = features.length ? [...scopes, ...features] : scopes;
    if (!all.length) continue;
    const at = (it: Item) => scopeOf(all, it.m.start - it.d.sentence[0], it.m.end - it.d.sentence[0]);
    const fore = new Set(its.filter((i) => !at(i)).map((i) => i.key));
    for (const it of its) {
      const sc = at(it);
      if (!sc || fore.has(it.key)) continue;
      // a background condition or a presentation gives way only to another named condition; an agent that
      // infected a lesion always does (the lesion is the subject even when Orphanet has no entry for it)
      if (sc.kind !== 'complication' && ![...fore].some((f) => f !== it.key)) continue;
      it.weight *= BACKGROUND_WEIGHT;
      it.notes.push({ rule: 'background_condition', detail: `"${it.m.text}" is the object of "${sc.cue}" (${sc.kind})${sc.kind === 'complication' ? '' : ' next to another named condition'} in "${it.sentence.slice(0, 160)}"` });
    }
  }
}

function collect(ctx: ArticleContext, items: Item[], caseSections: Set<string>): Map<string, Candidate> {
  const { lex } = ctx;
  const policy = answerPolicyOf(ctx.opts);
  const candidates = new Map<string, Candidate>();
  for (const it of items) {
    let c = candidates.get(it.key);
    if (!c) {
      const answer = !it.key.startsWith('x');
      const code = answer ? it.key : it.key.slice(1);
      c = { key: it.key, code, answer, refused: answer ? policy.refuses(lex.byCode.get(code)!) : null, via: new Set(), rules: [], signals: emptySignals(), items: [], evidence: [] };
      candidates.set(it.key, c);
    }
    for (const r of [...it.res.rules, ...it.notes]) if (!c.rules.some((x) => x.rule === r.rule && x.detail === r.detail)) c.rules.push(r);
    for (const v of it.res.via) c.via.add(v);
    addSignal(c.signals, it, caseSections, ctx.kinds);
    c.items.push(it);
    if (it.m.status === 'affirmed' && (it.m.field === 'title' || dxCredit(it.sentence) > 0)) {
      addEvidence(c, { field: it.m.field, sectionId: it.m.sectionId, start: it.d.sentence[0], end: it.d.sentence[1], text: it.sentence });
    }
  }
  return candidates;
}

function addEvidence(cand: Candidate, ev: CaseDiagnosis['evidence'][number]): void {
  if (cand.evidence.length >= 5) return;
  if (!cand.evidence.some((e) => e.field === ev.field && e.sectionId === ev.sectionId && e.start === ev.start)) cand.evidence.push(ev);
}

function diagnoseCase(caseIndex: number, caseSections: Set<string>, ctx: ArticleContext, fuzzy: Mention[], details: CandidateDetail[][]): CaseDiagnosis {
  const items = caseItems(caseIndex, caseSections, ctx);
  const candidates = collect(ctx, items, caseSections);
  const ranked = [...candidates.values()]
    .map((c) => ({ c, score: scoreSignals(c.signals) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || Number(b.c.answer) - Number(a.c.answer) || Number(a.c.code) - Number(b.c.code));
  details.push(ranked.slice(0, 8).map(({ c, score }) => ({
    code: c.code, name: ctx.lex.byCode.get(c.code)?.name ?? '', answer: c.answer, refused: c.refused, score, signals: { ...c.signals },
    evidence: namingSentences(c), evidenceSpans: c.evidence, aliases: c.answer ? aliasesOf(ctx.lex, c, ctx.doc) : [], link: c.answer ? linkFor(ctx, c) : null,
  })));
  if (!ranked.some((x) => x.c.answer)) {
    const rules = ranked.length ? [...ranked[0].c.rules] : [];
    return noCandidate(caseIndex, ctx.lex, fuzzy, rules);
  }
  return decide(caseIndex, ctx, ranked);
}

/** No answer candidate: fuzzy hits on diagnosis phrases may still send the case to review. */
function noCandidate(caseIndex: number, lex: Lexicon, fuzzyMentions: Mention[], rules: RuleNote[]): CaseDiagnosis {
  const fuzzy = fuzzyRunnersUp(lex, fuzzyMentions);
  const review = fuzzy.some((f) => f.score >= FUZZY_REVIEW_SCORE);
  if (review) rules.push({ rule: 'fuzzy_candidate_review', detail: fuzzy.map((f) => `ORPHA:${f.orphaCode} ${f.score}`).join(', ') });
  return {
    caseIndex, orphaCode: null, orphaName: null, confidence: 0,
    status: review ? 'needs_review' : 'no_match', reason: review ? 'diagnosis_low_confidence' : 'diagnosis_no_match',
    evidence: [], runnersUp: fuzzy, aliases: [], rules, link: null,
  };
}

/** Below this confidence a candidate is no match rather than a review item (unless minConfidence is lower still). */
export const REVIEW_FLOOR = 0.1;

/** A non-answer on top blocks the best answer only when the answer has less than this share of its score. */
export const NON_ANSWER_REVIEW_SHARE = 0.5;

/**
 * The policy: the strongest candidate a non-answer (group, particular situation) -> no answer, or review when
 * an answer comes close; non-rare -> not_rare; below minConfidence -> needs_review; else accepted.
 */
function decide(caseIndex: number, ctx: ArticleContext, ranked: { c: Candidate; score: number }[]): CaseDiagnosis {
  const { lex, opts } = ctx;
  const minConfidence = opts.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const rules: RuleNote[] = [];
  const top = ranked[0];
  const best = ranked.find((x) => x.c.answer && !x.c.refused) ?? ranked.find((x) => x.c.answer)!;
  const competitor = ranked.find((x) => x !== best)?.score ?? 0;
  const confidence = confidenceOf(best.score, competitor, best.c.signals);
  const e = lex.byCode.get(best.c.code)!;
  const answers = ranked.filter((x) => x.c.answer && x !== best);
  const runnersUp = answers.slice(0, 5).map((x) => ({ orphaCode: x.c.code, orphaName: lex.byCode.get(x.c.code)!.name, score: round(x.score / best.score) }));
  const base = { caseIndex, confidence, evidence: best.c.evidence, aliases: aliasesOf(lex, best.c, ctx.doc), link: linkFor(ctx, best.c) };
  // not accepted: no code, and the candidates by score for the reviewer (the best answer first among equals)
  const withBest = [{ orphaCode: e.code, orphaName: e.name, score: 1 }, ...runnersUp].sort((a, b) => b.score - a.score).slice(0, 6);
  // a non-answer or a refused answer has the strongest evidence: the case is about it
  if (top !== best && (!top.c.answer || top.c.refused)) {
    rules.push(...top.c.rules);
    const what = top.c.answer ? top.c.refused! : 'group_not_answer';
    const t = lex.byCode.get(top.c.code)!;
    if (!top.c.answer || top.c.refused === 'particular_situation_not_answer') rules.push({ rule: what === 'group_not_answer' ? 'non_answer_strongest' : what, detail: `ORPHA:${t.code} "${t.name}" (${t.type}) has the strongest evidence (${top.score} vs ${best.score}) and is not an answer` });
    if (top.c.refused === 'non_rare_excluded') {
      rules.push({ rule: 'non_rare_excluded', detail: `ORPHA:${t.code} "${t.name}" is non-rare in Europe (${lex.nonRareRule.split(';')[0]})` });
      return { ...base, orphaCode: null, orphaName: null, status: 'not_rare', reason: 'diagnosis_not_rare', runnersUp: [{ orphaCode: t.code, orphaName: t.name, score: 1 }, ...withBest].slice(0, 6), rules };
    }
    if (best.score >= NON_ANSWER_REVIEW_SHARE * top.score && !best.c.refused) {
      rules.push(...best.c.rules, { rule: 'low_confidence_review', detail: `ORPHA:${e.code} comes close to a non-answer (confidence ${confidence})` });
      return { ...base, orphaCode: null, orphaName: null, status: 'needs_review', reason: 'diagnosis_low_confidence', runnersUp: withBest, rules };
    }
    return { ...base, orphaCode: null, orphaName: null, status: 'no_match', reason: 'diagnosis_not_answer', runnersUp: withBest, rules };
  }
  rules.push(...best.c.rules);
  // rivals that gave way as background conditions shaped the outcome too
  for (const x of ranked) if (x !== best) for (const r of x.c.rules) if (r.rule === 'background_condition' && !rules.some((y) => y.detail === r.detail)) rules.push(r);
  if (best.c.refused === 'non_rare_excluded') {
    rules.push({ rule: 'non_rare_excluded', detail: `ORPHA:${e.code} "${e.name}" is non-rare in Europe (${lex.nonRareRule.split(';')[0]})` });
    return { ...base, orphaCode: null, orphaName: null, status: 'not_rare', reason: 'diagnosis_not_rare', runnersUp: withBest, rules };
  }
  if (best.c.refused) {
    rules.push({ rule: best.c.refused, detail: `ORPHA:${e.code} "${e.name}" is a ${e.type}: not an answer by default (align.allowParticularSituations)` });
    return { ...base, orphaCode: null, orphaName: null, status: 'no_match', reason: 'diagnosis_not_answer', runnersUp: withBest, rules };
  }
  if (confidence < minConfidence && confidence < REVIEW_FLOOR) {
    // named only in passing (the discussion, a caption): no candidate worth a reviewer's time
    rules.push({ rule: 'below_review_floor', detail: `ORPHA:${e.code} confidence ${confidence} < ${REVIEW_FLOOR}` });
    return { ...base, orphaCode: null, orphaName: null, status: 'no_match', reason: 'diagnosis_no_match', runnersUp: withBest, rules };
  }
  if (confidence < minConfidence) {
    rules.push({ rule: 'low_confidence_review', detail: `ORPHA:${e.code} confidence ${confidence} < ${minConfidence}` });
    return { ...base, orphaCode: null, orphaName: null, status: 'needs_review', reason: 'diagnosis_low_confidence', runnersUp: withBest, rules };
  }
  return { ...base, orphaCode: e.code, orphaName: e.name, status: 'accepted', reason: null, runnersUp, rules };
}

// Where an item states the answer: title, then a diagnosis statement, then the abstract, then the rest.
const placeRank = (it: Item) => (it.m.status !== 'affirmed' ? 9 : it.m.field === 'title' ? 0 : dxCredit(it.sentence) >= 1 ? 1 : it.m.field === 'abstract' ? 2 : dxCredit(it.sentence) > 0 ? 3 : it.m.field === 'body' ? 4 : 5) + (it.weight < 1 ? 0.5 : 0);

/** Up to six distinct sentences that name a candidate, best places first. */
function namingSentences(c: Candidate): string[] {
  const out: string[] = [];
  for (const it of [...c.items].sort((a, b) => placeRank(a) - placeRank(b))) {
    if (it.weight <= 0 || out.includes(it.sentence)) continue;
    out.push(it.sentence);
    if (out.length >= 6) break;
  }
  return out;
}

function linkFor(ctx: ArticleContext, c: Candidate): CaseDiagnosis['link'] {
  const rank = placeRank;
  const it = [...c.items].sort((a, b) => rank(a) - rank(b))[0];
  if (!it) return null;
  const text = ctx.parts[it.d.part].text;
  const e = ctx.lex.byCode.get(it.m.orphaCode);
  return linkOf(ctx.lex, {
    answer: c.code, matchedCode: it.m.orphaCode, method: it.m.method, isName: !!e && it.m.matchedForm === e.name, surface: it.m.text,
    textBefore: text.slice(it.d.sentence[0], it.m.start), derivedRule: it.derived?.link.rule.rule ?? null,
    rules: [...it.res.rules, ...it.notes.filter((n) => n.rule === 'short_reference_to_specific')],
  });
}

function addSignal(sig: Signals, it: Item, caseSections: Set<string>, kinds: Map<string, string>): void {
  const { m, d } = it;
  if (m.status === 'negated' || m.status === 'differential' || m.status === 'hypothetical') {
    const key = m.field === 'title' || m.field === 'abstract' || (!!m.sectionId && caseSections.has(m.sectionId));
    sig.contra += key ? CONTRA_PLACE.key : CONTRA_PLACE.elsewhere;
    return;
  }
  if (m.status === 'family' || m.status === 'historical') { sig.weak += 1; return; }
  const w = m.score * it.weight; // acronym / ambiguous / variant forms, group children and background mentions count less
  if (m.field === 'title') sig.title = Math.max(sig.title, w);
  else if (m.field === 'abstract') sig.abstract += w;
  else if (m.field === 'caption') sig.caption += w;
  else if (m.sectionId && caseSections.has(m.sectionId)) sig.caseBody += w;
  else sig.otherBody += w;
  if (m.field !== 'title') sig.dxStatement += w * dxCredit(it.sentence);
  if (m.sectionId && kinds.get(`${m.sectionId}:${d.sentence[0]}`) === 'diagnosis') sig.dxKind += w;
}

function aliasesOf(lex: Lexicon, c: Candidate, doc: DocMatch): string[] {
  const out = new Set<string>();
  const codes = new Set([c.code, ...c.via]);
  for (const code of codes) {
    const e = lex.byCode.get(code);
    // a group's names name the answer only when the answer is the group's usual form (default child); a group a
    // fitting child was found in is a class of the answer, which leak control masks as a parent, not as an alias
    if (!e || (e.level === 'group' && code !== c.code && defaultDisorderChild(lex, code, normalizePhrase) !== c.code)) continue;
    for (const f of [e.name, ...e.synonyms]) out.add(f);
  }
  for (const it of c.items) if (it.weight > 0) out.add(it.m.text);
  for (const a of doc.abbreviations) if (a.code && (codes.has(a.code) || c.items.some((it) => it.m.orphaCode === a.code))) { out.add(a.short); out.add(a.long); }
  return [...out].sort();
}

const FUZZY_REVIEW_SCORE = 0.8;

/**
 * Fuzzy review candidates: the object of each diagnosis phrase ("diagnosed with …", "consistent with …")
 * that holds no exact mention, against character trigrams. Method 'fuzzy': never counted as evidence.
 */
function fuzzyMentions(matcher: Matcher, parts: DocPart[], doc: DocMatch): Mention[] {
  const out: Mention[] = [];
  parts.forEach((p, k) => {
    if (p.field === 'caption') return;
    for (const m of p.text.matchAll(DX_OBJECT)) {
      const phrase = m[1].replace(/\s+$/, '');
      const start = m.index! + m[0].length - m[1].length, end = start + phrase.length;
      if (doc.mentions.some((x, i) => doc.details[i].part === k && x.start < end && x.end > start)) continue;
      const [h] = matcher.fuzzy(phrase, 1);
      if (!h) continue;
      out.push({ sectionId: p.sectionId, field: p.field, start, end, text: phrase, orphaCode: h.code, orphaName: h.name, matchedForm: h.form, method: 'fuzzy', score: h.score, status: 'affirmed' });
    }
  });
  return out;
}

function fuzzyRunnersUp(lex: Lexicon, mentions: Mention[]): CaseDiagnosis['runnersUp'] {
  const best = new Map<string, { orphaCode: string; orphaName: string; score: number }>();
  for (const m of mentions) {
    const code = resolveAnswer(lex, m.orphaCode).code;
    if (!code) continue;
    const prev = best.get(code);
    if (!prev || m.score > prev.score) best.set(code, { orphaCode: code, orphaName: lex.byCode.get(code)!.name, score: m.score });
  }
  return [...best.values()].sort((a, b) => b.score - a.score || Number(a.orphaCode) - Number(b.orphaCode)).slice(0, 5);
}

const round = (x: number) => Math.round(x * 1000) / 1000;
