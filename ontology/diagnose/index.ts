// Case diagnosis: chooses each case's primary Orphanet diagnosis from the article's mentions,
// with a confidence, the evidence sentences, runner-ups, aliases and the rules that shaped it.
import type { CaseDiagnosis, Mention } from '../../schemas/alignment.ts';
import type { ParsedArticle } from '../../schemas/article.ts';
import { defaultDisorderChild, resolveAnswer, type Resolution, type RuleNote } from '../lexicon.ts';
import { normalizePhrase } from '../match/normalize.ts';
import { createMatcher, type DocMatch, type DocPart, type Matcher, type MentionDetail } from '../match/index.ts';
import type { Lexicon } from '../types.ts';
import { derivedMentions, type DerivedMention } from './broader.ts';
import { DX_OBJECT, dxCredit } from './cues.ts';
import { confidenceOf, scoreSignals, type Signals } from './score.ts';

export interface DiagnoseOptions {
  /** Below this confidence a case goes to review (default 0.5). */
  minConfidence?: number;
  /** Accept answers Orphanet/the rarity rule marks as non-rare in Europe (default false). */
  includeNonRare?: boolean;
  /** Reuse a matcher built for this lexicon (building one takes ~0.2 s). */
  matcher?: Matcher;
}

export interface DiagnoseResult { mentions: Mention[]; diagnoses: CaseDiagnosis[] }

const matcherCache = new WeakMap<Lexicon, Matcher>();
export function matcherFor(lex: Lexicon): Matcher {
  let m = matcherCache.get(lex);
  if (!m) { m = createMatcher(lex); matcherCache.set(lex, m); }
  return m;
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

interface Candidate {
  code: string;
  via: Set<string>;      // codes that resolved to this answer (subtypes, obsolete codes)
  rules: RuleNote[];     // resolution rules, one per distinct via code
  signals: Signals;
  mentionIdx: number[];
  derivedText: Set<string>; // surfaces that named it through a derived link (head noun / definition)
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
  const diagnoses = cases.map((c) => diagnoseCase(c.index, new Set(c.sectionIds), article, lex, parts, doc, derived, fuzzy, kinds, opts));
  return { mentions: [...doc.mentions, ...fuzzy], diagnoses };
}

interface Collected { candidates: Map<string, Candidate>; groupScores: Map<string, { sig: Signals; rules: RuleNote[] }> }

/** Gathers this case's mentions into answer candidates (after subtype / obsolete / group rules). */
function collectCandidates(
  caseIndex: number, caseSections: Set<string>, article: ParsedArticle, lex: Lexicon,
  parts: DocPart[], doc: DocMatch, derived: DerivedMention[], kinds: Map<string, string>,
): Collected {
  const otherCases = new Set(article.cases.filter((c) => c.index !== caseIndex).flatMap((c) => c.sectionIds));
  const candidates = new Map<string, Candidate>();
  const groupScores = new Map<string, { sig: Signals; rules: RuleNote[] }>();
  const resolved = new Map<string, Resolution>();
  doc.mentions.forEach((m, idx) => {
    if (m.method === 'fuzzy') return;
    if (m.sectionId && otherCases.has(m.sectionId) && !caseSections.has(m.sectionId)) return; // another patient
    const d = doc.details[idx];
    let res = resolved.get(m.orphaCode) ?? resolved.set(m.orphaCode, resolveAnswer(lex, m.orphaCode)).get(m.orphaCode)!;
    let weight = 1;
    if (res.excluded === 'group') {
      const child = groupDefaultChild(lex, res, m, parts[d.part].text);
      if (child) { res = child; weight = DEFAULT_CHILD_WEIGHT; }
    }
    const sentence = parts[d.part].text.slice(d.sentence[0], d.sentence[1]);
    if (!res.code) {
      const key = `x${m.orphaCode}`;
      const g = groupScores.get(key) ?? { sig: emptySignals(), rules: res.rules };
      addSignal(g.sig, m, d, sentence, caseSections, kinds);
      groupScores.set(key, g);
      return;
    }
    const cand = candidates.get(res.code) ?? newCandidate(res.code);
    if (res.via.length && !cand.via.has(res.via[0])) { for (const v of res.via) cand.via.add(v); cand.rules.push(...res.rules); }
    addSignal(cand.signals, m, d, sentence, caseSections, kinds, weight);
    cand.mentionIdx.push(idx);
    if (m.status === 'affirmed' && (m.field === 'title' || dxCredit(sentence) > 0)) addEvidence(cand, { field: m.field, sectionId: m.sectionId, start: d.sentence[0], end: d.sentence[1], text: sentence });
    candidates.set(res.code, cand);
  });
  // Head-noun and definition links (broader.ts): reduced-weight mentions of an answer-level code.
  for (const x of derived) {
    const m = x.mention;
    if (m.sectionId && otherCases.has(m.sectionId) && !caseSections.has(m.sectionId)) continue;
    const cand = candidates.get(m.orphaCode) ?? newCandidate(m.orphaCode);
    if (!cand.rules.some((r) => r.detail === x.link.rule.detail)) cand.rules.push(x.link.rule);
    const sentence = parts[x.part].text.slice(x.sentence[0], x.sentence[1]);
    addSignal(cand.signals, m, { part: x.part, sentence: x.sentence, trigger: null, acronym: false, nCodes: 1, variant: null }, sentence, caseSections, kinds);
    cand.derivedText.add(m.text);
    if (m.status === 'affirmed' && (m.field === 'title' || dxCredit(sentence) > 0)) addEvidence(cand, { field: m.field, sectionId: m.sectionId, start: x.sentence[0], end: x.sentence[1], text: sentence });
    candidates.set(m.orphaCode, cand);
  }
  return { candidates, groupScores };
}

function newCandidate(code: string): Candidate {
  return { code, via: new Set<string>(), rules: [], signals: emptySignals(), mentionIdx: [], derivedText: new Set(), evidence: [] };
}

function addEvidence(cand: Candidate, ev: CaseDiagnosis['evidence'][number]): void {
  if (cand.evidence.length >= 5) return;
  if (!cand.evidence.some((e) => e.field === ev.field && e.sectionId === ev.sectionId && e.start === ev.start)) cand.evidence.push(ev);
}

function diagnoseCase(
  caseIndex: number, caseSections: Set<string>, article: ParsedArticle, lex: Lexicon,
  parts: DocPart[], doc: DocMatch, derived: DerivedMention[], fuzzy: Mention[], kinds: Map<string, string>, opts: DiagnoseOptions,
): CaseDiagnosis {
  const { candidates, groupScores } = collectCandidates(caseIndex, caseSections, article, lex, parts, doc, derived, kinds);
  const ranked = [...candidates.values()]
    .map((c) => ({ c, score: scoreSignals(c.signals) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || Number(a.c.code) - Number(b.c.code));
  const rules: RuleNote[] = [];
  // A group that had the strongest evidence changed the outcome: say so.
  const bestGroup = [...groupScores.values()].map((g) => ({ g, score: scoreSignals(g.sig) })).sort((a, b) => b.score - a.score)[0];
  if (bestGroup && bestGroup.score > (ranked[0]?.score ?? 0)) rules.push(...bestGroup.g.rules);
  if (!ranked.length) return noCandidate(caseIndex, lex, fuzzy, rules);
  return decide(caseIndex, lex, ranked, doc, rules, opts);
}

/** No exact candidate: fuzzy hits on diagnosis phrases may still send the case to review. */
function noCandidate(caseIndex: number, lex: Lexicon, fuzzyMentions: Mention[], rules: RuleNote[]): CaseDiagnosis {
  const fuzzy = fuzzyRunnersUp(lex, fuzzyMentions);
  const review = fuzzy.some((f) => f.score >= FUZZY_REVIEW_SCORE);
  if (review) rules.push({ rule: 'fuzzy_candidate_review', detail: fuzzy.map((f) => `ORPHA:${f.orphaCode} ${f.score}`).join(', ') });
  return {
    caseIndex, orphaCode: null, orphaName: null, confidence: 0,
    status: review ? 'needs_review' : 'no_match', reason: review ? 'diagnosis_low_confidence' : 'diagnosis_no_match',
    evidence: [], runnersUp: fuzzy, aliases: [], rules,
  };
}

/** The policy: non-rare -> not_rare; below minConfidence -> needs_review; else accepted. */
function decide(caseIndex: number, lex: Lexicon, ranked: { c: Candidate; score: number }[], doc: DocMatch, rules: RuleNote[], opts: DiagnoseOptions): CaseDiagnosis {
  const minConfidence = opts.minConfidence ?? 0.5;
  const top = ranked[0];
  const confidence = confidenceOf(top.score, ranked[1]?.score ?? 0);
  const e = lex.byCode.get(top.c.code)!;
  rules.push(...top.c.rules);
  const runnersUp = ranked.slice(1, 6).map((x) => ({ orphaCode: x.c.code, orphaName: lex.byCode.get(x.c.code)!.name, score: round(x.score / top.score) }));
  const base = { caseIndex, confidence, evidence: top.c.evidence, aliases: aliasesOf(lex, top.c, doc) };
  // Not accepted: no code, and the candidate heads the runner-ups for the reviewer.
  const withTop = [{ orphaCode: e.code, orphaName: e.name, score: 1 }, ...runnersUp];
  if (e.nonRare && !opts.includeNonRare) {
    rules.push({ rule: 'non_rare_excluded', detail: `ORPHA:${e.code} "${e.name}" is non-rare in Europe (${lex.nonRareRule.split(';')[0]})` });
    return { ...base, orphaCode: null, orphaName: null, status: 'not_rare', reason: 'diagnosis_not_rare', runnersUp: withTop, rules };
  }
  if (confidence < minConfidence) {
    rules.push({ rule: 'low_confidence_review', detail: `ORPHA:${e.code} confidence ${confidence} < ${minConfidence}` });
    return { ...base, orphaCode: null, orphaName: null, status: 'needs_review', reason: 'diagnosis_low_confidence', runnersUp: withTop, rules };
  }
  return { ...base, orphaCode: e.code, orphaName: e.name, status: 'accepted', reason: null, runnersUp, rules };
}

function addSignal(sig: Signals, m: Mention, d: MentionDetail, sentence: string, caseSections: Set<string>, kinds: Map<string, string>, weight = 1): void {
  if (m.status === 'negated' || m.status === 'differential' || m.status === 'hypothetical') { sig.contra += 1; return; }
  if (m.status === 'family' || m.status === 'historical') { sig.weak += 1; return; }
  const w = m.score * weight; // acronym / ambiguous forms / default-child mappings count less
  if (m.field === 'title') sig.title = Math.max(sig.title, w);
  else if (m.field === 'abstract') sig.abstract += w;
  else if (m.field === 'caption') sig.caption += w;
  else if (m.sectionId && caseSections.has(m.sectionId)) sig.caseBody += w;
  else sig.otherBody += w;
  if (m.field !== 'title') sig.dxStatement += w * dxCredit(sentence);
  if (m.sectionId && kinds.get(`${m.sectionId}:${d.sentence[0]}`) === 'diagnosis') sig.dxKind += w;
}

function aliasesOf(lex: Lexicon, c: Candidate, doc: DocMatch): string[] {
  const out = new Set<string>();
  const codes = new Set([c.code, ...c.via]);
  for (const code of codes) {
    const e = lex.byCode.get(code);
    if (e) for (const f of [e.name, ...e.synonyms]) out.add(f);
  }
  for (const i of c.mentionIdx) out.add(doc.mentions[i].text);
  for (const t of c.derivedText) out.add(t);
  for (const a of doc.abbreviations) if (a.code && codes.has(a.code)) { out.add(a.short); out.add(a.long); }
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

// A group mention standing for the group's default disorder child counts less than a direct name.
const DEFAULT_CHILD_WEIGHT = 0.7;
// Words before the mention that say it is *not* the default form ("secondary sclerosing cholangitis").
const NOT_DEFAULT = /\b(?:secondary|acquired|syndromic|familial|hereditary|inherited|genetic|sporadic|induced|associated|related|atypical|congenital|neonatal|infantile|juvenile|paraneoplastic|autosomal|x-linked)\W*$/i;

function groupDefaultChild(lex: Lexicon, res: Resolution, m: Mention, partText: string): Resolution | null {
  const group = res.via[res.via.length - 1];
  const child = defaultDisorderChild(lex, group, normalizePhrase);
  if (!child) return null;
  if (NOT_DEFAULT.test(partText.slice(Math.max(0, m.start - 40), m.start))) return null;
  const g = lex.byCode.get(group)!, c = lex.byCode.get(child)!;
  return { code: child, excluded: null, via: [group], rules: [{ rule: 'group_mapped_to_default_child', detail: `ORPHA:${group} "${g.name}" (${g.type}) named without qualifier -> its disorder-level default ORPHA:${child} "${c.name}"` }] };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
