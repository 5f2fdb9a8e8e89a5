// What every track generator reads: one case's timeline, figures, usable images, its accepted diagnosis
// and the vocabulary recogniser. Plain data assembled by the stage from the store; generators are pure
// functions of it, so each track can be tested on hand-made or real inputs without a database.
import type { ParsedArticle, Sentence } from '../../schemas/article.ts';
import type { DraftImage, EvidenceSource, GeneratorInfo, SentenceSpan, Track, VisiblePart, WithheldImage } from '../../schemas/question.ts';
import type { Recogniser, ExtraForm } from '../../ontology/vocab/index.ts';
import type { LeakPattern, LeakTerm } from '../leakage/patterns.ts';
import { buildLeakPatterns, codeTerms, findLeaks } from '../leakage/patterns.ts';
import { answerTerms, categoryOf, definedShortForms } from '../leakage/terms.ts';
import { findAbbreviations } from '../../ontology/match/abbrev.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { hashOf } from '../core/hash.ts';
import { TRACK_PREFIX } from '../../schemas/question.ts';

export interface FigureInfo {
  id: string; label: string; kind: string; caption: string;
  panels: { letter: string; caption: string }[];
  modality: string | null;
}
export interface ImageInfo {
  imageId: string; figureId: string; ord: number; width: number; height: number; normSha: string; format: string;
  placeholder: boolean; license: string; ocrText: string | null;
}
export interface MentionSpan { sectionId: string | null; start: number; end: number; orphaCode: string; status?: string; orphaName?: string; text?: string }
/** A written figure/table reference inside one sentence, with offsets relative to the sentence. */
export interface RefSpan { figureId: string; start: number; end: number; panels?: string[] }

export interface DiagnosisInfo {
  code: string;
  name: string;
  aliases: string[];                 // Orphanet synonyms, subtype names, the article's forms (source 'alias')
  extraTerms: { form: string; source: 'answer' | 'alias' | 'code' | 'parent' }[];
  category: string;
  statements: { sectionId: string | null; start: number; end: number; text: string }[];
  codes: Set<string>;                // the answer and any code mapped onto it
  patterns: LeakPattern[];           // name + aliases (not parents): where the diagnosis is named
  allTerms: LeakTerm[];              // everything the leak filter masks for the diagnosis (incl. parents)
  leakPatterns: LeakPattern[];       // patterns of allTerms and the ORPHA code: an image whose own text has one is withheld
}

export interface GenerateOptions {
  minContextSentences: number;
  maxImages: number;
  minImages: Record<Track, number>;
  minKeyTests: number;
}

export interface CaseMaterial {
  pmcid: string;
  caseNo: number;
  sentences: Sentence[];              // the case timeline, in order
  refSpans: Map<number, RefSpan[]>;   // per sentence index: written references
  figures: FigureInfo[];              // document order
  images: ImageInfo[];                // usable images (quality passed, not a duplicate of another article's)
  mentions: MentionSpan[];            // body mentions of any Orphanet code (from align), with their status
  diagnosis: DiagnosisInfo;
  recogniser: Recogniser;
  articleForms: ExtraForm[];          // abbreviations the article defines for vocabulary terms ("CT")
  options: GenerateOptions;
}

/** A generator's result: a draft, or a drop with a reason code the stage records. */
export type GenResult<D> =
  | { ok: true; draft: D; notes?: { reason: string; rule: string; field?: string; detail: Record<string, unknown> }[] }
  | { ok: false; reason: string; rule: string; detail: Record<string, unknown>; withheld?: WithheldImage[] };  // withheld: images left out on the way, recorded with the drop

export const RULES_GENERATOR: GeneratorInfo = { kind: 'rules', version: '1', model: null, promptVersion: null };

/** Stable across runs: pmcid + track + case + the answer code (diagnosis ids unchanged since v1). */
export function questionId(track: Track, pmcid: string, caseNo: number, orphaCode: string): string {
  return `${TRACK_PREFIX[track]}-${pmcid}-c${caseNo}-${hashOf(track, pmcid, caseNo, orphaCode).slice(0, 8)}`;
}

export const spanOf = (s: Sentence): SentenceSpan => ({ sectionId: s.sectionId, index: s.index, start: s.start, end: s.end, text: s.text });

/** A span inside a sentence (offsets relative to the sentence) as an evidence source with section offsets. */
export function sentenceSource(s: Sentence, start = 0, end = s.text.length): EvidenceSource {
  return { kind: 'sentence', sectionId: s.sectionId, sentence: s.index, sentenceStart: s.start, sentenceEnd: s.end, start: s.start + start, end: s.start + end, text: s.text.slice(start, end) };
}

/** A piece of a figure caption as an evidence source (offsets into the stored caption). */
export function captionSource(fig: FigureInfo, piece?: string): EvidenceSource {
  const at = piece ? fig.caption.indexOf(piece) : 0;
  const text = piece && at >= 0 ? piece : fig.caption;
  const start = piece && at >= 0 ? at : 0;
  return { kind: 'caption', figureId: fig.id, start, end: start + text.length, text };
}

/** Whether a sentence names the diagnosis (matcher mention of an answer code, or a surface pattern). */
export function namesDiagnosis(m: CaseMaterial, s: Sentence): boolean {
  return m.mentions.some((x) => m.diagnosis.codes.has(x.orphaCode) && x.sectionId === s.sectionId && x.start < s.end && x.end > s.start)
    || findLeaks(s.text, m.diagnosis.patterns).length > 0;
}

/**
 * The diagnosis decision point: the first sentence that names the answer. Only when no sentence
 * names it does a sentence stating some diagnosis count, since earlier "diagnosis" sentences often
 * name a past or wrong diagnosis.
 */
export function findDecisionPoint(m: Pick<CaseMaterial, 'sentences' | 'mentions' | 'diagnosis'>): { index: number; reason: string } | null {
  const naming = m.sentences.find((s) => namesDiagnosis(m as CaseMaterial, s));
  if (naming) return { index: naming.index, reason: 'sentence_names_answer' };
  const stating = m.sentences.find((s) => s.kind === 'diagnosis');
  return stating ? { index: stating.index, reason: 'diagnosis_statement' } : null;
}

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

/** Figures in the order the given sentences first reference them. */
export function figureOrder(sentences: Sentence[]): string[] {
  const order: string[] = [];
  for (const s of sentences) for (const r of s.figureRefs) if (!order.includes(r.figureId)) order.push(r.figureId);
  return order;
}

export interface ImageChoice {
  images: DraftImage[];
  withheld: WithheldImage[];
  labelOf: Map<string, string>;       // figure id → "Image 2" / "Images 2–3" (for relabelling references)
}

/** Why an image may not be shown in a track (null: it may). */
export type WithholdRule = (fig: FigureInfo, img: ImageInfo) => { reason: string; rule: string; detail: string } | null;

/**
 * The images of the given figures, in order, labelled "Image 1"…; images a rule withholds, images whose
 * own text (OCR) names an answer term, and images past `maxImages` are recorded as withheld with a reason.
 */
export function chooseImages(
  m: CaseMaterial, order: string[], withhold: WithholdRule[], imageTextTerms: LeakPattern[],
  notShown: (fig: FigureInfo) => { reason: string; rule: string; detail: string } = () => ({ reason: 'not_referenced_before_cut', rule: 'generate.images.order', detail: 'not among the figures this question shows' }),
): ImageChoice {
  const figById = new Map(m.figures.map((f) => [f.id, f]));
  const images: DraftImage[] = [];
  const withheld: WithheldImage[] = [];
  const labelOf = new Map<string, string>();
  const shownFigures = new Set(order);
  for (const fig of m.figures) {
    const imgs = m.images.filter((i) => i.figureId === fig.id).sort((a, b) => a.ord - b.ord);
    if (!shownFigures.has(fig.id)) {
      for (const im of imgs) withheld.push({ imageId: im.imageId, figureId: fig.id, figureLabel: fig.label, ...notShown(fig) });
    }
  }
  for (const figId of order) {
    const fig = figById.get(figId);
    if (!fig) continue;
    const first = images.length + 1;
    for (const im of m.images.filter((i) => i.figureId === figId).sort((a, b) => a.ord - b.ord)) {
      const w = withhold.map((r) => r(fig, im)).find((x) => x);
      const hit = im.ocrText ? findLeaks(im.ocrText, imageTextTerms)[0] : undefined;
      if (w) { withheld.push({ imageId: im.imageId, figureId: fig.id, figureLabel: fig.label, ...w }); continue; }
      if (hit) {
        withheld.push({ imageId: im.imageId, figureId: fig.id, figureLabel: fig.label, reason: 'leak_answer_in_image_text', rule: 'leak.image_text', detail: `the image's own text contains "${hit.text}" (${hit.source})` });
        continue;
      }
      if (images.length >= m.options.maxImages) {
        withheld.push({ imageId: im.imageId, figureId: fig.id, figureLabel: fig.label, reason: 'over_max_images', rule: 'generate.images.max', detail: `more than ${m.options.maxImages} images` });
        continue;
      }
      images.push(draftImage(im, fig, `Image ${images.length + 1}`, null));
    }
    const last = images.length;
    if (last >= first) labelOf.set(figId, first === last ? `Image ${first}` : `Images ${first}–${last}`);
  }
  return { images, withheld, labelOf };
}

export function draftImage(im: ImageInfo, fig: FigureInfo, label: string, panel: string | null): DraftImage {
  return {
    imageId: panel ? `${im.imageId}#${panel}` : im.imageId, storeImageId: im.imageId, figureId: im.figureId, ord: im.ord,
    width: im.width, height: im.height, normSha: im.normSha, format: im.format, placeholder: im.placeholder, license: im.license,
    label, figureLabel: fig.label, panels: panel ? [panel] : fig.panels.map((p) => p.letter), panel, ocrText: im.ocrText,
  };
}

/** Sentences as model-visible parts: references relabelled, a blank line between sections. */
export function partsOf(m: CaseMaterial, sentences: Sentence[], labelOf: Map<string, string>): VisiblePart[] {
  const kindOf = new Map(m.figures.map((f) => [f.id, f.kind]));
  let prev: string | null = null;
  return sentences.map((s) => {
    const text = relabelRefs(s.text, m.refSpans.get(s.index) ?? [], labelOf, kindOf);
    const sep = prev === null ? '' : s.sectionId === prev ? ' ' : '\n\n';
    prev = s.sectionId;
    return { sep, text, sentence: spanOf(s) };
  });
}

export const imageList = (n: number): string => (n === 1 ? 'Image 1' : `Images 1–${n}`);

/** The draft fields every track shares, from the case material. */
export function commonFields(m: CaseMaterial, track: Track) {
  const d = m.diagnosis;
  return {
    id: questionId(track, m.pmcid, m.caseNo, d.code), pmcid: m.pmcid, caseNo: m.caseNo,
    orphaCode: d.code, orphaName: d.name, orphaAliases: d.aliases, extraTerms: d.extraTerms, category: d.category,
    generator: RULES_GENERATOR,
  };
}

/**
 * What a case's accepted diagnosis gives every track: its names (Orphanet synonyms, subtypes, the
 * article's own forms and the short forms it defines), where the article states it, and the patterns
 * that find it. `texts` are the article's texts (abstract and sections) searched for defined short forms.
 */
export function diagnosisInfo(lexicon: Lexicon, d: { code: string; name: string; articleAliases: string[]; texts: string[]; statements: DiagnosisInfo['statements'] }): DiagnosisInfo {
  const extraTerms = definedShortForms(d.texts, answerTerms(lexicon, d.code, d.name, d.articleAliases).terms)
    .map((t) => ({ form: t.form, source: t.source as 'answer' | 'alias' | 'code' | 'parent' }));
  const terms = answerTerms(lexicon, d.code, d.name, d.articleAliases, extraTerms);
  return {
    code: d.code, name: d.name, extraTerms, category: categoryOf(lexicon, d.code),
    aliases: terms.terms.filter((t) => t.source === 'alias').map((t) => t.form),
    statements: d.statements,
    codes: terms.codes,
    patterns: buildLeakPatterns(terms.terms.filter((t) => t.source !== 'parent')),
    allTerms: terms.terms,
    leakPatterns: [...buildLeakPatterns(terms.terms), ...codeTerms(d.code)],
  };
}

/** Abbreviations the article defines for vocabulary terms ("computed tomography (CT)"), as extra forms. */
export function articleFormsOf(recogniser: Recogniser, texts: string[]): ExtraForm[] {
  const out: ExtraForm[] = [];
  for (const t of texts) {
    for (const d of findAbbreviations(t)) {
      const long = d.long.trim();
      const hit = recogniser.find(long).find((x) => x.start === 0 && x.end === long.length);
      if (hit && !out.some((f) => f.form === d.short)) out.push({ form: d.short, concepts: hit.concepts });
    }
  }
  return out;
}

/** A case's material from its parsed article (pure): timeline, references relative to each sentence, figures. */
export function materialFromArticle(
  article: ParsedArticle, caseNo: number,
  rest: Pick<CaseMaterial, 'diagnosis' | 'images' | 'mentions' | 'recogniser' | 'options'>,
): CaseMaterial {
  const sentences = article.cases.find((c) => c.index === caseNo)?.sentences ?? [];
  const refSpans = new Map<number, RefSpan[]>();
  for (const s of sentences) {
    refSpans.set(s.index, article.figures.flatMap((f) => f.references
      .filter((r) => r.sectionId === s.sectionId && r.start >= s.start && r.end <= s.end)
      .map((r) => ({ figureId: f.id, start: r.start - s.start, end: r.end - s.start, panels: r.panels }))));
  }
  const figures = article.figures.map((f): FigureInfo => ({
    id: f.id, kind: f.kind, label: f.label, caption: f.caption, panels: f.panels.map((p) => ({ letter: p.letter, caption: p.caption })), modality: f.modality.guess,
  }));
  const texts = [article.abstract, ...article.sections.map((x) => x.text)];
  return { pmcid: article.pmcid, caseNo, sentences, refSpans, figures, ...rest, articleForms: articleFormsOf(rest.recogniser, texts) };
}
