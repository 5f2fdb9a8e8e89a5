// filter: leak control per track. Every hit of a leak rule is a decision row (rule, field, span, matched
// text): a span is masked where its sentence stays useful, the sentence is dropped otherwise, and a
// question whose leaks cannot be removed without gutting it is dropped. Scores (hits per rule, masked
// share, overlaps) are attributes; the thresholds that turn them into decisions are in `filter.*`.
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf } from '../core/hash.ts';
import { readDraftJson, unpackDraft, writeFilteredRow } from '../../db/packed-json.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { FilteredQuestion, joinParts, type QuestionDraft, type VisiblePart } from '../../schemas/question.ts';
import type { CodeFinder } from '../leakage/code-finder.ts';
import { maskSpans } from '../leakage/patterns.ts';
import { leakFinder, rulesFor, type LeakRule, type RuleHit } from './rules.ts';

export { leakFinder } from './rules.ts';

export const FILTER_VERSION = '4';

/** All leak hits in one model-visible text of a question (the answer-in-context rules). */
export function leakHits(text: string, draft: QuestionDraft, lex: Lexicon, findCodes: CodeFinder | null) {
  return leakFinder(draft, lex, findCodes)(text);
}

export interface FieldResult { text: string; parts: VisiblePart[]; decisions: DecisionInput[]; maskedChars: number; droppedChars: number; masks: number; dropped: number; fixedLeak: RuleHit | null; hits: Record<string, number> }

const letters = (s: string): number => (s.match(/[\p{L}\p{N}]/gu) ?? []).length;

/**
 * Applies the rules to one field, part by part. A sentence with a drop-sentence hit, or one that masks
 * would leave without most of its letters, is removed; otherwise its hits are masked. A hit in the
 * question's own wording (not a case sentence) cannot be dropped: it is returned as `fixedLeak`.
 */
export function filterField(field: 'question' | 'context', parts: VisiblePart[], rules: LeakRule[], questionId: string, token: string, maxSentenceMasked: number): FieldResult {
  const decisions: DecisionInput[] = [];
  const out: VisiblePart[] = [];
  const hits: Record<string, number> = {};
  let offset = 0;
  let maskedChars = 0;
  let droppedChars = 0;
  let masks = 0;
  let dropped = 0;
  let fixedLeak: RuleHit | null = null;
  parts.forEach((p, i) => {
    const base = offset + (i === 0 ? 0 : p.sep.length);
    offset = base + p.text.length;
    const found = rules.filter((r) => !r.sentencesOnly || p.sentence).flatMap((r) => r.find(p.text));
    for (const h of found) hits[h.reason] = (hits[h.reason] ?? 0) + 1;
    const masked = found.filter((h) => h.action === 'mask').sort((a, b) => a.start - b.start)
      .filter((h, k, arr) => k === 0 || h.start >= arr[k - 1].end);
    const maskedLetters = masked.reduce((n, h) => n + letters(h.text), 0);
    const gutted = p.sentence !== null && letters(p.text) > 0 && maskedLetters / letters(p.text) > maxSentenceMasked;
    const drop = p.sentence !== null && (found.some((h) => h.action === 'drop_sentence') || gutted);
    if (!p.sentence && found.some((h) => h.action === 'drop_sentence')) fixedLeak = found.find((h) => h.action === 'drop_sentence')!;
    for (const h of drop ? found : masked) {
      decisions.push({
        action: drop ? 'exclude' : 'mask', reason: h.reason, rule: h.rule, questionId, field,
        span: [base + h.start, base + h.end], matchedText: h.text,
        detail: { form: h.form, ...(drop ? { sentence: p.sentence?.index, sectionId: p.sentence?.sectionId } : { token }), ...(h.score !== undefined ? { score: h.score } : {}) },
      });
    }
    if (drop) {
      if (gutted && !found.some((h) => h.action === 'drop_sentence')) {
        decisions.push({
          action: 'exclude', reason: 'leak_sentence_dropped', rule: 'filter.leak.sentence_gutted', questionId, field, span: [base, base + p.text.length], matchedText: p.text,
          detail: { maskedShare: Number((maskedLetters / letters(p.text)).toFixed(3)), max: maxSentenceMasked, sentence: p.sentence?.index },
        });
      }
      droppedChars += p.text.length;
      dropped++;
      return;
    }
    maskedChars += masked.reduce((n, h) => n + h.end - h.start, 0);
    masks += masked.length;
    out.push({ ...p, sep: out.length === 0 ? '' : p.sep, text: maskSpans(p.text, masked.map((h) => ({ ...h, source: 'answer' as const })), token) });
  });
  return { text: joinParts(out), parts: out, decisions, maskedChars, droppedChars, masks, dropped, fixedLeak, hits };
}

export function createFilterStage(lexicon: Lexicon, findCodes: CodeFinder | null): Stage<{ id: string }, FilteredQuestion> {
  return {
    name: 'filter',
    version: FILTER_VERSION,
    reconcile: true,
    outputSchema: FilteredQuestion,
    configSlice: (c) => ({ ...c.filter, orphanetRelease: lexicon.release }),

    items(ctx) {
      // rows read one at a time and only their hash kept: the drafts are read again one by one in process,
      // so the item list does not hold every question's text (memory flat in the number of questions)
      const out: StageItem<{ id: string }>[] = [];
      for (const r of ctx.store.db.prepare('SELECT id, pmcid, draft_json FROM questions ORDER BY id').iterate() as IterableIterator<{ id: string; pmcid: string; draft_json: string | Buffer }>) {
        out.push({ key: r.id, inputHash: hashOf(unpackDraft(ctx.store.db, r.pmcid, r.draft_json)), input: { id: r.id }, pmcid: r.pmcid });
      }
      return out;
    },

    async process(item: StageItem<{ id: string }>, ctx: StageContext): Promise<ItemResult<FilteredQuestion>> {
      const draft = JSON.parse(readDraftJson(ctx.store.db, item.input.id)!) as QuestionDraft;
      const cfg = ctx.config.filter;
      const token = cfg.maskToken;
      const rules = rulesFor(draft, lexicon, findCodes, { captionShingleWords: cfg.captionShingleWords, findingOverlap: cfg.findingOverlap });
      const q = filterField('question', draft.questionParts, rules, draft.id, token, cfg.maxSentenceMaskedFraction);
      const c = filterField('context', draft.contextParts, rules, draft.id, token, cfg.maxSentenceMaskedFraction);
      const decisions = [...q.decisions, ...c.decisions];
      const hits: Record<string, number> = { ...q.hits };
      for (const [k, v] of Object.entries(c.hits)) hits[k] = (hits[k] ?? 0) + v;
      // the share of the case text that leak control removed: of the context, or (examination) of the question's case sentences
      const caseText = draft.contextParts.length ? draft.context : joinParts(draft.questionParts.filter((p) => p.sentence));
      const removed = draft.contextParts.length ? c.maskedChars + c.droppedChars : q.maskedChars + q.droppedChars;
      const frac = caseText.length ? removed / caseText.length : 0;
      const attributes = { masked_spans: q.masks + c.masks, dropped_sentences: q.dropped + c.dropped, masked_fraction: Number(frac.toFixed(4)), hits };
      const drop = (reason: string, rule: string, detail: Record<string, unknown>): ItemResult<FilteredQuestion> => ({ kind: 'drop', reason, rule, detail: { track: draft.track, ...detail }, decisions, attributes });

      const fixed = q.fixedLeak ?? c.fixedLeak;
      if (fixed) return drop('leak_unremovable', 'filter.leak.fixed_wording', { hit: fixed.text, rule: fixed.rule });
      // Image labels are generated ("Image 3"), but check them: a label must never carry the answer.
      for (const im of draft.images) {
        const hit = rules.flatMap((r) => (r.sentencesOnly ? [] : r.find(im.label)))[0];
        if (hit) return drop('leak_in_image_label', 'filter.leak.image_label', { image: im.imageId, label: im.label, matched: hit.text });
      }
      // Text inside a shown image (OCR): generate withholds such images; one still here is needed, so the question goes.
      for (const im of draft.images) {
        if (!im.ocrText) continue;
        const hit = rules.flatMap((r) => (r.sentencesOnly ? [] : r.find(im.ocrText!)))[0];
        if (hit) {
          decisions.push({ action: 'drop', reason: 'leak_in_image_text', rule: 'filter.leak.image_text', questionId: draft.id, field: `image_text:${im.imageId}`, span: [hit.start, hit.end], matchedText: hit.text, detail: { form: hit.form, why: hit.reason } });
          return drop('leak_in_image_text', 'filter.leak.image_text', { image: im.imageId, matched: hit.text });
        }
      }
      if (frac > cfg.maxMaskedFraction) {
        return drop('leak_unremovable', 'filter.leak.max_masked_fraction', { maskedFraction: Number(frac.toFixed(3)), max: cfg.maxMaskedFraction });
      }
      const caseParts = draft.contextParts.length ? c.parts : q.parts.filter((p) => p.sentence);
      if ((draft.contextParts.length || draft.questionParts.some((p) => p.sentence)) && caseParts.length === 0 && draft.track !== 'cross-image') {
        return drop('leak_unremovable', 'filter.leak.nothing_left', { sentences: draft.contextParts.length || draft.questionParts.length });
      }
      return {
        kind: 'output',
        output: {
          draft, question: q.text, context: c.text, maskedSpans: q.masks + c.masks, droppedSentences: q.dropped + c.dropped,
          reasons: [...new Set(decisions.map((d) => d.reason))].sort(),
        },
        decisions,
        attributes,
      };
    },

    clear(ctx, key) {
      ctx.store.db.prepare('DELETE FROM filtered_questions WHERE id = ?').run(key);
    },

    write(ctx, _item, f: FilteredQuestion): string {
      writeFilteredRow(ctx.store.db, { id: f.draft.id, track: f.draft.track, pmcid: f.draft.pmcid }, JSON.stringify(f)); // packed: db/packed-json.ts
      return hashOf(FILTER_VERSION, f);
    },
  };
}
