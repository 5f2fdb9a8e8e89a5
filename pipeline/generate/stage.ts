// generate: one diagnosis-track draft question per case with an accepted rare diagnosis.
// Item = one case ("PMC123#c1"), so drops are counted and explained per case.
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf } from '../core/hash.ts';
import { upstreamOutputs } from '../runner/runner.ts';
import type { ParsedArticle, Sentence } from '../../schemas/article.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { buildLeakPatterns } from '../leakage/patterns.ts';
import { buildDiagnosisDraft, type FigureInfo, type ImageInfo, type MentionSpan, type RefSpan } from './diagnosis.ts';
import { QuestionDraft } from '../../schemas/question.ts';
import { answerTerms, categoryOf, definedShortForms } from '../leakage/terms.ts';
import { crossArticleDuplicates, type CrossDuplicate } from './cross-duplicates.ts';

export const GENERATE_VERSION = '3';

interface CaseInput { pmcid: string; caseNo: number; duplicates: CrossDuplicate[] }

/** Stable across runs: pmcid + track + case + the answer code. */
export function questionId(track: string, pmcid: string, caseNo: number, orphaCode: string): string {
  return `${track === 'diagnosis' ? 'dx' : track}-${pmcid}-c${caseNo}-${hashOf(track, pmcid, caseNo, orphaCode).slice(0, 8)}`;
}

interface DiagRow { orpha_code: string | null; orpha_name: string | null; status: string; reason: string | null; evidence_json: string; aliases_json: string }

export function createGenerateStage(lexicon: Lexicon): Stage<CaseInput, QuestionDraft> {
  return {
    name: 'generate',
    version: GENERATE_VERSION,
    reconcile: true,
    outputSchema: QuestionDraft,
    configSlice: (c) => ({ ...c.generate, nearDuplicateMaxDistance: c.extract.images.nearDuplicateMaxDistance, orphanetRelease: lexicon.release }),

    items(ctx) {
      const extract = upstreamOutputs(ctx, 'extract');
      const cases = ctx.store.db.prepare('SELECT pmcid, case_no FROM case_diagnoses ORDER BY pmcid, case_no').all() as { pmcid: string; case_no: number }[];
      const align = upstreamOutputs(ctx, 'align');
      // images that failed a quality rule are shown nowhere, so they are nobody's duplicate either
      const hashes = ctx.store.db.prepare(`SELECT image_id AS imageId, pmcid, dhash FROM images WHERE placeholder = 0 AND quality = 'ok' ORDER BY image_id`).all() as
        { imageId: string; pmcid: string; dhash: string }[];
      const dups = [...crossArticleDuplicates(hashes, ctx.config.extract.images.nearDuplicateMaxDistance).values()];
      return cases.filter((c) => align.has(c.pmcid)).map((c) => {
        const duplicates = dups.filter((d) => d.imageId.startsWith(`${c.pmcid}-`));
        return {
          key: `${c.pmcid}#c${c.case_no}`,
          // a duplicate found in another article re-runs this case
          inputHash: hashOf(align.get(c.pmcid), extract.get(c.pmcid), duplicates),
          input: { pmcid: c.pmcid, caseNo: c.case_no, duplicates },
          pmcid: c.pmcid,
        };
      });
    },

    async process(item: StageItem<CaseInput>, ctx: StageContext): Promise<ItemResult<QuestionDraft>> {
      const db = ctx.store.db;
      const { pmcid, caseNo } = item.input;
      const diag = db.prepare('SELECT orpha_code, orpha_name, status, reason, evidence_json, aliases_json FROM case_diagnoses WHERE pmcid = ? AND case_no = ?')
        .get(pmcid, caseNo) as DiagRow;
      if (diag.status !== 'accepted' || !diag.orpha_code) {
        // The decision itself was recorded by align; here the case simply yields no question.
        return { kind: 'drop', reason: diag.reason ?? `diagnosis_${diag.status}`, rule: 'generate.requires_accepted_diagnosis', detail: { status: diag.status } };
      }
      const code = diag.orpha_code;
      const name = diag.orpha_name ?? lexicon.byCode.get(code)?.name ?? code;
      const articleAliases = JSON.parse(diag.aliases_json) as string[];
      const evidence = JSON.parse(diag.evidence_json) as QuestionDraft['diagnosisStatements'];
      const parsedArticle = JSON.parse((db.prepare('SELECT parsed_json FROM article_text WHERE pmcid = ?').get(pmcid) as { parsed_json: string }).parsed_json) as ParsedArticle;
      const extraTerms = definedShortForms([parsedArticle.abstract, ...parsedArticle.sections.map((x) => x.text)], answerTerms(lexicon, code, name, articleAliases).terms);
      const terms = answerTerms(lexicon, code, name, articleAliases, extraTerms);
      const timeline: Sentence[] = parsedArticle.cases.find((c) => c.index === caseNo)?.sentences ?? [];
      // written references with their section offsets, made relative to each sentence
      const refSpans = new Map<number, RefSpan[]>();
      for (const s of timeline) {
        const spans = parsedArticle.figures.flatMap((f) => f.references
          .filter((r) => r.sectionId === s.sectionId && r.start >= s.start && r.end <= s.end)
          .map((r) => ({ figureId: f.id, start: r.start - s.start, end: r.end - s.start })));
        refSpans.set(s.index, spans);
      }
      const figures = parsedArticle.figures.map((f): FigureInfo => ({ id: f.id, kind: f.kind, label: f.label, panels: f.panels.map((p) => p.letter) }));
      // only images that passed the quality rules (or are exempt placeholder cards) are shown (extract/quality.ts)
      const images = (db.prepare(`SELECT image_id, figure_id, ord, width, height, norm_sha256, format, placeholder, license_code FROM images
          WHERE pmcid = ? AND quality IN ('ok', 'placeholder_exempt') ORDER BY image_id`).all(pmcid) as
        { image_id: string; figure_id: string; ord: number; width: number; height: number; norm_sha256: string; format: string; placeholder: number; license_code: string }[])
        .filter((i) => !item.input.duplicates.some((d) => d.imageId === i.image_id))
        .map((i): ImageInfo => ({ imageId: i.image_id, figureId: i.figure_id, ord: i.ord, width: i.width, height: i.height, normSha: i.norm_sha256, format: i.format, placeholder: i.placeholder === 1, license: i.license_code }));
      const mentions = (db.prepare(`SELECT section_id, start_offset, end_offset, orpha_code FROM mentions WHERE pmcid = ? AND field = 'body'`).all(pmcid) as
        { section_id: string | null; start_offset: number; end_offset: number; orpha_code: string }[])
        .map((m): MentionSpan => ({ sectionId: m.section_id, start: m.start_offset, end: m.end_offset, orphaCode: m.orpha_code }));

      const res = buildDiagnosisDraft({
        pmcid, caseNo, sentences: timeline, refSpans, figures, images, mentions,
        answerCodes: terms.codes, answerPatterns: buildLeakPatterns(terms.terms.filter((t) => t.source !== 'parent')),
        minContextSentences: ctx.config.generate.minContextSentences, maxImages: ctx.config.generate.maxImages,
      });
      if (!res.ok) return { kind: 'drop', reason: res.reason, rule: res.rule, detail: res.detail };
      const d = res.draft;
      const id = questionId('diagnosis', pmcid, caseNo, code);
      const draft: QuestionDraft = {
        id, track: 'diagnosis', pmcid, caseNo, question: d.question, context: d.context, images: d.images,
        answer: name, answerAliases: terms.terms.filter((t) => t.source === 'alias').map((t) => t.form), extraTerms,
        orphaCode: code, orphaName: name, category: categoryOf(lexicon, code),
        diagnosisStatements: evidence.map((e) => ({ sectionId: e.sectionId, start: e.start, end: e.end, text: e.text })),
        contextSentences: d.contextSentences.map((s) => ({ sectionId: s.sectionId, start: s.start, end: s.end, text: s.text, index: s.index })),
        cut: { beforeSentence: d.cut.beforeSentence, reason: d.cut.reason, sentence: d.cut.sentence && { sectionId: d.cut.sentence.sectionId, start: d.cut.sentence.start, end: d.cut.sentence.end, text: d.cut.sentence.text } },
      };
      const dupDecisions: DecisionInput[] = item.input.duplicates.map((x) => ({
        action: 'drop', reason: 'image_near_duplicate', rule: 'generate.image.cross_article_dhash', questionId: id, field: `image:${x.imageId}`,
        detail: { imageId: x.imageId, duplicateOf: x.duplicateOf, distance: x.distance },
      }));
      return {
        kind: 'output',
        output: draft,
        decisions: [...dupDecisions, {
          action: 'cut', reason: `cut_${d.cut.reason}`, rule: 'generate.diagnosis.decision_point', questionId: id, field: d.cut.sentence ? `section:${d.cut.sentence.sectionId}` : null,
          span: d.cut.sentence ? [d.cut.sentence.start, d.cut.sentence.end] : null, matchedText: d.cut.sentence?.text ?? null,
          detail: { beforeSentence: d.cut.beforeSentence, contextSentences: d.contextSentences.length },
        }],
        attributes: { context_sentences: d.contextSentences.length, images: d.images.length, placeholder_images: d.images.filter((i) => i.placeholder).length },
      };
    },

    clear(ctx, key) {
      const [pmcid, c] = key.split('#c');
      ctx.store.db.prepare('DELETE FROM questions WHERE pmcid = ? AND case_no = ?').run(pmcid, Number(c));
    },

    write(ctx, _item, q: QuestionDraft): string {
      const db = ctx.store.db;
      db.prepare('INSERT INTO questions (id, track, pmcid, case_no, draft_json) VALUES (?, ?, ?, ?, ?)').run(q.id, q.track, q.pmcid, q.caseNo, JSON.stringify(q));
      const ev = db.prepare('INSERT INTO question_evidence (question_id, ord, kind, ref_json) VALUES (?, ?, ?, ?)');
      let ord = 0;
      for (const s of q.diagnosisStatements) ev.run(q.id, ord++, 'diagnosis_statement', JSON.stringify(s));
      for (const s of q.contextSentences) ev.run(q.id, ord++, 'context_sentence', JSON.stringify(s));
      for (const i of q.images) ev.run(q.id, ord++, 'image', JSON.stringify({ imageId: i.imageId, label: i.label, figure: i.figureLabel }));
      return hashOf(GENERATE_VERSION, q);
    },
  };
}
