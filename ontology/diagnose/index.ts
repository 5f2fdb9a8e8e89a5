// Case diagnosis: chooses each case's primary Orphanet diagnosis from the article's mentions,
// with a confidence, the evidence sentences, runner-ups, aliases and the rules that shaped it.
import type { CaseDiagnosis, Mention } from '../../schemas/alignment.ts';
import type { ParsedArticle } from '../../schemas/article.ts';
import { defaultDisorderChild, resolveAnswer, type Resolution, type RuleNote } from '../lexicon.ts';
import { normalizePhrase } from '../match/normalize.ts';
import { createMatcher, type DocMatch, type DocPart, type Matcher, type MentionDetail } from '../match/index.ts';
import type { Lexicon } from '../types.ts';
import { DX_OBJECT, DX_STATEMENT } from './cues.ts';
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
  const diagnoses = cases.map((c) => diagnoseCase(c.index, new Set(c.sectionIds), article, lex, matcher, parts, doc, kinds, opts));
  return { mentions: doc.mentions, diagnoses };
}

function diagnoseCase(
  caseIndex: number, caseSections: Set<string>, article: ParsedArticle, lex: Lexicon, matcher: Matcher,
  parts: DocPart[], doc: DocMatch, kinds: Map<string, string>, opts: DiagnoseOptions,
): CaseDiagnosis {
  const minConfidence = opts.minConfidence ?? 0.5;
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
    const key = res.code ?? `x${m.orphaCode}`;
    const sentence = parts[d.part].text.slice(d.sentence[0], d.sentence[1]);
    if (!res.code) {
      const g = groupScores.get(key) ?? { sig: emptySignals(), rules: res.rules };
      addSignal(g.sig, m, d, sentence, caseSections, kinds);
      groupScores.set(key, g);
      return;
    }
    const cand = candidates.get(key) ?? { code: res.code, via: new Set<string>(), rules: [], signals: emptySignals(), mentionIdx: [], evidence: [] };
    if (res.via.length && !cand.via.has(res.via[0])) { for (const v of res.via) cand.via.add(v); cand.rules.push(...res.rules); }
    addSignal(cand.signals, m, d, sentence, caseSections, kinds, weight);
    cand.mentionIdx.push(idx);
    if (m.status === 'affirmed' && (m.field === 'title' || DX_STATEMENT.test(sentence)) && cand.evidence.length < 5) {
      const ev = { field: m.field, sectionId: m.sectionId, start: d.sentence[0], end: d.sentence[1], text: sentence };
      if (!cand.evidence.some((e) => e.field === ev.field && e.sectionId === ev.sectionId && e.start === ev.start)) cand.evidence.push(ev);
    }
    candidates.set(key, cand);
  });

  const ranked = [...candidates.values()]
    .map((c) => ({ c, score: scoreSignals(c.signals) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || Number(a.c.code) - Number(b.c.code));
  const rules: RuleNote[] = [];
  const bestGroup = [...groupScores.entries()].map(([k, g]) => ({ k, g, score: scoreSignals(g.sig) })).sort((a, b) => b.score - a.score)[0];
  if (bestGroup && bestGroup.score > (ranked[0]?.score ?? 0)) rules.push(...bestGroup.g.rules);

  const fuzzyRunners = ranked.length ? [] : fuzzyCandidates(matcher, parts, doc);
  if (!ranked.length) {
    const needsReview = fuzzyRunners.some((f) => f.score >= 0.8);
    return {
      caseIndex, orphaCode: null, orphaName: null, confidence: 0,
      status: needsReview ? 'needs_review' : 'no_match', reason: needsReview ? 'diagnosis_low_confidence' : 'diagnosis_no_match',
      evidence: [], runnersUp: fuzzyRunners, aliases: [],
      rules: needsReview ? [...rules, { rule: 'fuzzy_candidate_review', detail: fuzzyRunners.map((f) => `ORPHA:${f.orphaCode} ${f.score}`).join(', ') }] : rules,
    };
  }

  const top = ranked[0];
  const confidence = confidenceOf(top.score, ranked[1]?.score ?? 0);
  const e = lex.byCode.get(top.c.code)!;
  rules.push(...top.c.rules);
  const runnersUp = ranked.slice(1, 6).map((x) => ({ orphaCode: x.c.code, orphaName: lex.byCode.get(x.c.code)!.name, score: round(x.score / top.score) }));
  const aliases = aliasesOf(lex, top.c, doc);
  const base = { caseIndex, confidence, evidence: top.c.evidence, aliases };
  if (e.nonRare && !opts.includeNonRare) {
    rules.push({ rule: 'non_rare_excluded', detail: `ORPHA:${e.code} "${e.name}" is non-rare in Europe (${lex.nonRareRule.split(';')[0]})` });
    return { ...base, orphaCode: null, orphaName: null, status: 'not_rare', reason: 'diagnosis_not_rare', runnersUp: [{ orphaCode: e.code, orphaName: e.name, score: 1 }, ...runnersUp], rules };
  }
  if (confidence < minConfidence) {
    rules.push({ rule: 'low_confidence_review', detail: `ORPHA:${e.code} confidence ${confidence} < ${minConfidence}` });
    return { ...base, orphaCode: null, orphaName: null, status: 'needs_review', reason: 'diagnosis_low_confidence', runnersUp: [{ orphaCode: e.code, orphaName: e.name, score: 1 }, ...runnersUp], rules };
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
  if (m.field !== 'title' && DX_STATEMENT.test(sentence)) sig.dxStatement += w;
  if (m.sectionId && kinds.get(`${m.sectionId}:${d.sentence[0]}`) === 'diagnosis') sig.dxKind += w;
}

function aliasesOf(lex: Lexicon, c: Candidate, doc: DocMatch): string[] {
  const out = new Set<string>();
  const codes = new Set([c.code, ...c.via]);
  for (const code of codes) {
    const e = lex.byCode.get(code);
    if (e) for (const f of [e.name, ...e.synonyms]) out.add(f);
  }
  doc.mentions.forEach((m) => { if (codes.has(m.orphaCode) || c.mentionIdx.length === 0) out.add(m.text); });
  for (const i of c.mentionIdx) out.add(doc.mentions[i].text);
  for (const a of doc.abbreviations) if (a.code && codes.has(a.code)) { out.add(a.short); out.add(a.long); }
  return [...out].sort();
}

function fuzzyCandidates(matcher: Matcher, parts: DocPart[], doc: DocMatch): CaseDiagnosis['runnersUp'] {
  const best = new Map<string, { orphaCode: string; orphaName: string; score: number }>();
  for (const p of parts) {
    if (p.field === 'caption') continue;
    for (const m of p.text.matchAll(DX_OBJECT)) {
      for (const h of matcher.fuzzy(m[1], 3)) {
        const lvl = resolveAnswer(matcher.lexicon, h.code);
        if (!lvl.code) continue;
        const prev = best.get(lvl.code);
        if (!prev || h.score > prev.score) best.set(lvl.code, { orphaCode: lvl.code, orphaName: matcher.lexicon.byCode.get(lvl.code)!.name, score: h.score });
      }
    }
  }
  void doc;
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, 5);
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
