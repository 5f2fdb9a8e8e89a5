// Case material for the track generators, from the bundled case reports (read from ../shared at test time)
// or from hand-made sentences. Built as the generate stage builds it, without a store.
import { readFileSync } from 'node:fs';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { defaultLexicon, diagnoseArticle } from '../../ontology/index.ts';
import { defaultVocab, recogniserFor } from '../../ontology/vocab/index.ts';
import { diagnosisInfo, materialFromArticle, type CaseMaterial, type GenerateOptions, type ImageInfo } from '../../pipeline/generate/material.ts';
import type { ParsedArticle, Sentence } from '../../schemas/article.ts';
import { caseReportPath } from '../shared-data.ts';

export const lexicon = defaultLexicon();
export const vocab = defaultVocab();
export const recogniser = recogniserFor(vocab);

export const OPTIONS: GenerateOptions = { minContextSentences: 3, maxImages: 12, minImages: { diagnosis: 1, treatment: 1, 'cross-image': 2, examination: 1 }, minKeyTests: 2 };

export function parsed(pmcid: string): ParsedArticle {
  const r = parseJats(readFileSync(caseReportPath(pmcid)));
  if (!r.ok) throw new Error(`${pmcid}: ${r.reason}`);
  return r.article;
}

/** One stand-in image per figure graphic (the sample corpus has no image files), or as given. */
export function imagesOf(article: ParsedArticle, ocr: Record<string, string> = {}): ImageInfo[] {
  return article.figures.filter((f) => f.kind === 'figure').flatMap((f) => f.graphics.map((_g, k) => {
    const imageId = `${article.pmcid}-${f.id}-${k + 1}`;
    return { imageId, figureId: f.id, ord: k + 1, width: 64, height: 64, normSha: 'a'.repeat(64), format: 'png', placeholder: true, license: 'CC BY', ocrText: ocr[imageId] ?? null };
  }));
}

/** The material of a real case with its accepted diagnosis (align's choice, recomputed here). */
export function realMaterial(pmcid: string, caseNo = 1, opts: { options?: Partial<GenerateOptions>; ocr?: Record<string, string> } = {}): CaseMaterial {
  const article = parsed(pmcid);
  const { mentions, diagnoses } = diagnoseArticle(article, lexicon, { minConfidence: 0.6 });
  const d = diagnoses.find((x) => x.caseIndex === caseNo);
  if (!d?.orphaCode || d.status !== 'accepted') throw new Error(`${pmcid} case ${caseNo}: no accepted diagnosis`);
  const diagnosis = diagnosisInfo(lexicon, {
    code: d.orphaCode, name: d.orphaName ?? d.orphaCode, articleAliases: d.aliases, texts: [article.abstract, ...article.sections.map((s) => s.text)],
    statements: d.evidence.map((e) => ({ sectionId: e.sectionId, start: e.start, end: e.end, text: e.text })),
  });
  return materialFromArticle(article, caseNo, {
    diagnosis, images: imagesOf(article, opts.ocr), recogniser,
    mentions: mentions.filter((m) => m.field === 'body').map((m) => ({ sectionId: m.sectionId, start: m.start, end: m.end, orphaCode: m.orphaCode, orphaName: m.orphaName, status: m.status, text: m.text })),
    options: { ...OPTIONS, ...opts.options },
  });
}

export const sent = (index: number, text: string, kind: Sentence['kind'] = 'history', figureRefs: Sentence['figureRefs'] = []): Sentence =>
  ({ index, sectionId: 'sec-2', start: index * 1000, end: index * 1000 + text.length, text, kind, figureRefs });

/** Material from hand-made sentences and figures (references found by their surface in each sentence). */
export function syntheticMaterial(sentences: Sentence[], o: { code: string; name: string; figures?: { id: string; label: string; caption: string; panels?: { letter: string; caption: string }[] }[]; ocr?: Record<string, string>; options?: Partial<GenerateOptions> }): CaseMaterial {
  const figures = (o.figures ?? []).map((f) => ({ id: f.id, label: f.label, kind: 'figure', caption: f.caption, panels: f.panels ?? [], modality: null }));
  const images: ImageInfo[] = figures.map((f) => ({ imageId: `PMC1-${f.id}-1`, figureId: f.id, ord: 1, width: 64, height: 64, normSha: 'b'.repeat(64), format: 'png', placeholder: true, license: 'CC BY', ocrText: o.ocr?.[`PMC1-${f.id}-1`] ?? null }));
  const refSpans = new Map(sentences.map((s) => [s.index, s.figureRefs.map((r) => ({ figureId: r.figureId, start: s.text.indexOf(r.surface), end: s.text.indexOf(r.surface) + r.surface.length, panels: r.panels }))]));
  return {
    pmcid: 'PMC1', caseNo: 1, sentences, refSpans, figures, images, mentions: [], recogniser, articleForms: [],
    diagnosis: diagnosisInfo(lexicon, { code: o.code, name: o.name, articleAliases: [], texts: sentences.map((s) => s.text), statements: [] }),
    options: { ...OPTIONS, ...o.options },
  };
}
