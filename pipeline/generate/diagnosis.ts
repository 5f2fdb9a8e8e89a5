// Rule-based diagnosis-track question builder (pure). The model sees the case narrative cut
// before the first sentence that states the diagnosis, and the case's images under neutral labels.
import type { Sentence } from '../../schemas/article.ts';
import { findLeaks, type LeakPattern } from '../leakage/patterns.ts';

export interface FigureInfo { id: string; label: string; panels: string[]; kind: string }
export interface ImageInfo { imageId: string; figureId: string; ord: number; width: number; height: number; normSha: string; format: string; placeholder: boolean; license: string }
export interface MentionSpan { sectionId: string | null; start: number; end: number; orphaCode: string }

export interface DiagnosisInput {
  pmcid: string;
  caseNo: number;
  sentences: Sentence[];              // the case timeline, in order
  refSpans: Map<number, RefSpan[]>;   // per sentence index: written references, offsets relative to the sentence
  figures: FigureInfo[];              // document order
  images: ImageInfo[];
  answerCodes: Set<string>;           // the answer and any code that was mapped onto it
  mentions: MentionSpan[];            // body mentions of any code (from align)
  answerPatterns: LeakPattern[];      // answer name + aliases
  minContextSentences: number;
  maxImages: number;
}

export interface DraftImage extends ImageInfo { label: string; figureLabel: string; panels: string[] }

export interface DiagnosisDraft {
  question: string;
  context: string;
  contextSentences: Sentence[];
  cut: { beforeSentence: number; reason: string; sentence: Sentence | null };
  images: DraftImage[];
}

export type DraftResult = { ok: true; draft: DiagnosisDraft } | { ok: false; reason: string; rule: string; detail: Record<string, unknown> };

/**
 * The decision point: the first sentence that names the answer (by a matcher mention or a
 * surface pattern). Only when no sentence names it does a sentence stating some diagnosis
 * count, since earlier "diagnosis" sentences often name a past or wrong diagnosis.
 */
export function findDecisionPoint(input: DiagnosisInput): { index: number; reason: string } | null {
  const names = (s: Sentence): boolean =>
    input.mentions.some((m) => input.answerCodes.has(m.orphaCode) && m.sectionId === s.sectionId && m.start < s.end && m.end > s.start)
    || findLeaks(s.text, input.answerPatterns).length > 0;
  const naming = input.sentences.find(names);
  if (naming) return { index: naming.index, reason: 'sentence_names_answer' };
  const stating = input.sentences.find((s) => s.kind === 'diagnosis');
  return stating ? { index: stating.index, reason: 'diagnosis_statement' } : null;
}

/** A written figure/table reference inside one sentence, with offsets relative to the sentence. */
export interface RefSpan { figureId: string; start: number; end: number }

/**
 * Replaces written figure references ("Figure 2(a)") by the images' neutral labels, by offset (a
 * reference such as "3" must not touch the "3" of "3 prior operations"). A reference to something
 * not shown (a table, a figure left out) is dropped when it stands alone in brackets ("(Table 1)"),
 * and otherwise becomes a neutral phrase, so "as shown in Table 1" stays a sentence.
 */
export function relabelRefs(text: string, refs: RefSpan[], labelOf: Map<string, string>, kindOf: Map<string, string>): string {
  const spans = new Map<string, { start: number; end: number; ids: string[] }>();
  for (const r of refs) {
    if (r.start < 0 || r.end > text.length || r.start >= r.end) continue;
    const k = `${r.start}:${r.end}`;
    const sp = spans.get(k) ?? { start: r.start, end: r.end, ids: [] };
    sp.ids.push(r.figureId);
    spans.set(k, sp);
  }
  // right to left, so earlier offsets stay valid; overlapping spans keep the first one seen from the right
  let out = text;
  let limit = Infinity;
  for (const sp of [...spans.values()].sort((x, y) => y.start - x.start)) {
    if (sp.end > limit) continue;
    const labels = [...new Set(sp.ids.map((id) => labelOf.get(id)).filter((l): l is string => Boolean(l)))];
    let replacement: string;
    if (labels.length) replacement = labels.length === 1 ? labels[0] : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
    else replacement = sp.ids.every((id) => kindOf.get(id) === 'table') ? 'a table (not shown)' : 'an image (not shown)';
    let start = sp.start;
    let end = sp.end;
    if (!labels.length && /\(\s*$/.test(out.slice(0, start)) && /^\s*\)/.test(out.slice(end))) {
      // "(Table 1)" alone in brackets: remove the brackets too
      start = out.slice(0, start).search(/\s*\(\s*$/);
      end += out.slice(end).indexOf(')') + 1;
      replacement = '';
    }
    out = out.slice(0, start) + replacement + out.slice(end);
    limit = start;
  }
  return out.replace(/\(\s*(?:[,;]\s*)*\)/g, '').replace(/\(\s*[,;]\s*/g, '(').replace(/\s*[,;]\s*\)/g, ')').replace(/\s+([.,;:])/g, '$1').replace(/ {2,}/g, ' ');
}

export function buildDiagnosisDraft(input: DiagnosisInput): DraftResult {
  const point = findDecisionPoint(input);
  if (!point) return { ok: false, reason: 'decision_point_not_found', rule: 'generate.diagnosis.cut', detail: { sentences: input.sentences.length } };
  const ctx = input.sentences.filter((s) => s.index < point.index);
  if (ctx.length < input.minContextSentences) {
    return { ok: false, reason: 'context_too_short', rule: 'generate.diagnosis.min_context', detail: { sentences: ctx.length, min: input.minContextSentences } };
  }
  // Images: figures referenced before the cut first (in order of first reference), then the
  // case's other referenced figures; figures referenced only from treatment/outcome sentences
  // are left out (they show the course after the diagnosis).
  const order: string[] = [];
  const push = (id: string): void => { if (!order.includes(id)) order.push(id); };
  for (const s of ctx) for (const r of s.figureRefs) push(r.figureId);
  for (const s of input.sentences.slice(ctx.length)) {
    if (s.kind !== 'treatment' && s.kind !== 'outcome') for (const r of s.figureRefs) push(r.figureId);
  }
  if (order.length === 0) for (const f of input.figures) if (f.kind === 'figure') push(f.id); // no references at all: the article's figures
  const figById = new Map(input.figures.map((f) => [f.id, f]));
  const kindOf = new Map(input.figures.map((f) => [f.id, f.kind]));
  const images: DraftImage[] = [];
  const labelOf = new Map<string, string>();
  for (const figId of order) {
    const fig = figById.get(figId);
    if (!fig) continue;
    const imgs = input.images.filter((i) => i.figureId === figId).sort((a, b) => a.ord - b.ord);
    const first = images.length + 1;
    for (const im of imgs) {
      if (images.length >= input.maxImages) break;
      images.push({ ...im, label: `Image ${images.length + 1}`, figureLabel: fig.label, panels: fig.panels });
    }
    const last = images.length;
    if (last >= first) labelOf.set(figId, first === last ? `Image ${first}` : `Images ${first}–${last}`);
  }
  if (images.length === 0) return { ok: false, reason: 'no_images', rule: 'generate.diagnosis.images', detail: { figures: input.figures.length } };

  const parts: string[] = [];
  let prevSection: string | null = null;
  for (const s of ctx) {
    const text = relabelRefs(s.text, input.refSpans.get(s.index) ?? [], labelOf, kindOf);
    parts.push(prevSection === null ? text : s.sectionId === prevSection ? ` ${text}` : `\n\n${text}`);
    prevSection = s.sectionId;
  }
  const n = images.length;
  const imageList = n === 1 ? 'Image 1' : `Images 1–${n}`;
  return {
    ok: true,
    draft: {
      question: `Read the case description and examine ${imageList}. What is the most likely diagnosis? Give the standard name of the disease.`,
      context: parts.join(''),
      contextSentences: ctx,
      cut: { beforeSentence: point.index, reason: point.reason, sentence: input.sentences.find((s) => s.index === point.index) ?? null },
      images,
    },
  };
}
