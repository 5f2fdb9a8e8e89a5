// filter: answer-in-context leak control. Every masked span is a decision row (rule, span,
// matched text); a question whose leaks cannot be removed without gutting it is dropped.
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf } from '../core/hash.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { FilteredQuestion, type QuestionDraft } from '../../schemas/question.ts';
import { answerTerms } from '../leakage/terms.ts';
import type { CodeFinder } from '../leakage/code-finder.ts';
import { buildLeakPatterns, codeTerms, findLeaks, maskSpans, type LeakHit } from '../leakage/patterns.ts';

export const FILTER_VERSION = '2';


const REASON: Record<LeakHit['source'], string> = {
  answer: 'leak_answer_in_context', alias: 'leak_synonym_in_context', code: 'leak_code_in_context', parent: 'leak_parent_group_in_context',
};

/**
 * A leak finder for one question: its terms and patterns are built once, then every model-visible
 * text (question, context, image labels) is searched with surface patterns plus normalised matcher hits.
 */
export function leakFinder(draft: QuestionDraft, lex: Lexicon, findCodes: CodeFinder | null): (text: string) => LeakHit[] {
  const terms = answerTerms(lex, draft.orphaCode, draft.answer, draft.answerAliases, draft.extraTerms);
  const patterns = [...buildLeakPatterns(terms.terms), ...codeTerms(draft.orphaCode)];
  return (text) => {
    const hits = findLeaks(text, patterns);
    if (findCodes) {
      // every matcher hit on the answer; overlaps with pattern hits are merged into one span below
      for (const m of findCodes(text)) {
        if (terms.codes.has(m.orphaCode)) hits.push({ start: m.start, end: m.end, text: m.text, form: m.text, source: 'alias' });
      }
    }
    return mergeOverlaps(hits, text);
  };
}

/** All leak hits in one model-visible text of a question. */
export function leakHits(text: string, draft: QuestionDraft, lex: Lexicon, findCodes: CodeFinder | null): LeakHit[] {
  return leakFinder(draft, lex, findCodes)(text);
}

function mergeOverlaps(hits: LeakHit[], text: string): LeakHit[] {
  const sorted = [...hits].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: LeakHit[] = [];
  for (const h of sorted) {
    const last = out[out.length - 1];
    if (last && h.start < last.end) {
      if (h.end > last.end) { last.end = h.end; last.text = text.slice(last.start, last.end); }
      continue;
    }
    out.push({ ...h });
  }
  return out;
}

export function createFilterStage(lexicon: Lexicon, findCodes: CodeFinder | null): Stage<{ draftJson: string }, FilteredQuestion> {
  return {
    name: 'filter',
    version: FILTER_VERSION,
    reconcile: true,
    outputSchema: FilteredQuestion,
    configSlice: (c) => ({ ...c.filter, orphanetRelease: lexicon.release }),

    items(ctx) {
      const rows = ctx.store.db.prepare('SELECT id, pmcid, draft_json FROM questions ORDER BY id').all() as { id: string; pmcid: string; draft_json: string }[];
      return rows.map((r) => ({ key: r.id, inputHash: hashOf(r.draft_json), input: { draftJson: r.draft_json }, pmcid: r.pmcid }));
    },

    async process(item: StageItem<{ draftJson: string }>, ctx: StageContext): Promise<ItemResult<FilteredQuestion>> {
      const draft = JSON.parse(item.input.draftJson) as QuestionDraft;
      const token = ctx.config.filter.maskToken;
      const decisions: DecisionInput[] = [];
      const find = leakFinder(draft, lexicon, findCodes);
      const fields: Record<'question' | 'context', string> = { question: draft.question, context: draft.context };
      let masked = 0;
      let maskedChars = 0;
      for (const field of ['question', 'context'] as const) {
        const hits = find(fields[field]);
        for (const h of hits) {
          decisions.push({
            action: 'mask', reason: REASON[h.source], rule: `filter.leak.${h.source}`, questionId: draft.id, field,
            span: [h.start, h.end], matchedText: h.text, detail: { form: h.form, token },
          });
          maskedChars += h.end - h.start;
        }
        masked += hits.length;
        fields[field] = maskSpans(fields[field], hits, token);
      }
      // Image labels are generated ("Image 3"), but check them: a label must never carry the answer.
      for (const im of draft.images) {
        if (find(im.label).length > 0) {
          return { kind: 'drop', reason: 'leak_in_image_label', rule: 'filter.leak.image_label', detail: { image: im.imageId, label: im.label }, decisions };
        }
      }
      const frac = draft.context.length ? maskedChars / draft.context.length : 0;
      if (frac > ctx.config.filter.maxMaskedFraction) {
        return { kind: 'drop', reason: 'leak_unremovable', rule: 'filter.leak.max_masked_fraction', detail: { maskedFraction: Number(frac.toFixed(3)), max: ctx.config.filter.maxMaskedFraction }, decisions };
      }
      return {
        kind: 'output',
        output: { draft, question: fields.question, context: fields.context, maskedSpans: masked, reasons: [...new Set(decisions.map((d) => d.reason))].sort() },
        decisions,
        attributes: { masked_spans: masked, masked_fraction: Number(frac.toFixed(4)) },
      };
    },

    clear(ctx, key) {
      ctx.store.db.prepare('DELETE FROM filtered_questions WHERE id = ?').run(key);
    },

    write(ctx, _item, f: FilteredQuestion): string {
      ctx.store.db.prepare('INSERT INTO filtered_questions (id, track, pmcid, final_json) VALUES (?, ?, ?, ?)')
        .run(f.draft.id, f.draft.track, f.draft.pmcid, JSON.stringify(f));
      return hashOf(FILTER_VERSION, f);
    },
  };
}
