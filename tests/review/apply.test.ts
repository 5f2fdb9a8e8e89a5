// The pure review rules (applyReview) on a synthetic question, and the stores' bookkeeping: revisions,
// refusals, stale marking of reviews whose row was rebuilt.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers.ts';
import { Store } from '../../db/store.ts';
import { FilteredQuestion } from '../../schemas/question.ts';
import { applyReview, editedRow, REJECT_REASONS, type CheckRow, type QuestionState, type ReviewInput } from '../../pipeline/review/apply.ts';
import { markChangedReviewsStale, questionState, reviewCounts, submitReview } from '../../pipeline/review/store.ts';

const H = 'a'.repeat(64);
/** A synthetic diagnosis question (invented text) that passes the schema. */
function question(id = 'dx-PMC1-c1-0000000a'): FilteredQuestion {
  const part = (text: string, index: number) => ({ sep: index ? ' ' : '', text, sentence: { sectionId: 's1', index, start: 0, end: text.length, text } });
  const draft = {
    id, track: 'diagnosis', pmcid: 'PMC1', caseNo: 1, question: 'What is the most likely diagnosis?', context: 'A man had a cough. He had a fever.',
    questionParts: [{ sep: '', text: 'What is the most likely diagnosis?', sentence: null }], contextParts: [part('A man had a cough.', 0), part('He had a fever.', 1)],
    images: [{ imageId: 'PMC1-f1-1', storeImageId: 'PMC1-f1-1', figureId: 'f1', ord: 1, width: 10, height: 10, normSha: H, format: 'png', placeholder: true, license: 'CC BY', label: 'Image 1', figureLabel: 'Figure 1', panels: [], panel: null, ocrText: null }],
    withheld: [], answer: 'Examplitis', orphaCode: '999', orphaName: 'Examplitis', orphaAliases: ['Example disease'], extraTerms: [], category: 'Rare disease', trackTerms: [], forbiddenText: [],
    cut: null, generator: { kind: 'rules', version: '1', model: null, promptVersion: null },
    answerAliases: ['Example disease'], diagnosisStatements: [], contextSentences: [{ sectionId: 's1', index: 0, start: 0, end: 18, text: 'A man had a cough.' }],
  };
  return FilteredQuestion.parse({ draft, question: draft.question, context: draft.context, maskedSpans: 0, droppedSentences: 0, reasons: [] });
}
const state = (revision = 0): QuestionState => ({ id: 'dx-PMC1-c1-0000000a', track: 'diagnosis', pmcid: 'PMC1', revision, row: question(), baseSha: H });
const input = (over: Partial<ReviewInput>): ReviewInput => ({ questionId: 'dx-PMC1-c1-0000000a', verdict: 'accept', reviewer: 'ann', baseRevision: 0, source: 'app', at: '2026-01-01T00:00:00.000Z', ...over });
/** A check that finds the answer's name anywhere in the context (a stand-in for the real rules). */
const check: CheckRow = (row) => (row.context.includes(row.draft.orphaName) ? [{ check: 'filter', rule: 'filter.leak.answer', field: 'context', text: row.draft.orphaName, form: row.draft.orphaName }] : []);

describe('applyReview', () => {
  it('accept and reject make the next revision; a reject needs a known reason code', () => {
    const a = applyReview(state(2), input({ baseRevision: 2 }), check);
    expect(a.kind).toBe('stored');
    if (a.kind === 'stored') expect(a.review).toMatchObject({ verdict: 'accept', revision: 3, base_revision: 2, reason_code: null, after_json: a.review.before_json });
    expect(applyReview(state(), input({ verdict: 'reject' }), check)).toMatchObject({ kind: 'invalid' });
    expect(applyReview(state(), input({ verdict: 'reject', reasonCode: 'because' }), check)).toMatchObject({ kind: 'invalid' });
    expect(applyReview(state(), input({ verdict: 'reject', reasonCode: 'answer_wrong' }), check)).toMatchObject({ kind: 'stored', review: { reason_code: 'answer_wrong' } });
    expect(applyReview(state(), input({ reasonCode: 'answer_wrong' }), check)).toMatchObject({ kind: 'invalid' });
    expect(applyReview(state(), input({ reviewer: '  ' }), check)).toMatchObject({ kind: 'invalid' });
  });

  it('a write based on another revision is a conflict; the import takes the current one', () => {
    expect(applyReview(state(3), input({ baseRevision: 2 }), check)).toEqual({ kind: 'conflict', revision: 3 });
    expect(applyReview(state(3), input({ baseRevision: 'current' }), check)).toMatchObject({ kind: 'stored', review: { revision: 4, base_revision: 3 } });
  });

  it('an edit is checked: a leak is refused with the findings, a clean edit is stored with before and after', () => {
    const leak = applyReview(state(), input({ verdict: 'edit', edits: { context: 'A man had Examplitis.' } }), check);
    expect(leak).toMatchObject({ kind: 'refused', findings: [{ rule: 'filter.leak.answer', text: 'Examplitis' }] });
    const ok = applyReview(state(), input({ verdict: 'edit', edits: { context: 'A man had a bad cough.', track: { category: 'Rare infection' } } }), check);
    expect(ok.kind).toBe('stored');
    if (ok.kind === 'stored') {
      expect(JSON.parse(ok.review.before_json).context).toBe('A man had a cough. He had a fever.');
      expect(JSON.parse(ok.review.after_json)).toMatchObject({ context: 'A man had a bad cough.', draft: { category: 'Rare infection' } });
    }
    expect(applyReview(state(), input({ verdict: 'edit', edits: { context: question().context } }), check)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('changes nothing') });
    expect(applyReview(state(), input({ verdict: 'edit', edits: { track: { orphaCode: '1' } } }), check)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('not an editable field') });
    expect(applyReview(state(), input({ verdict: 'edit', edits: { question: '' } }), check)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('not valid') });
    expect(applyReview(state(), input({ verdict: 'accept', edits: { question: 'x' } }), check)).toMatchObject({ kind: 'invalid' });
    // the input row is not changed by an edit
    const row = question();
    editedRow(row, { answer: 'Other' });
    expect(row.draft.answer).toBe('Examplitis');
  });
});

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });

describe('the review tables', () => {
  it('stores reviews in revision order, keeps refusals apart, and marks reviews of a rebuilt row stale', () => {
    const t = tempDir(); cleanups.push(t.cleanup);
    const store = new Store(t.dir); cleanups.unshift(() => store.close());
    const q = question();
    store.db.prepare('INSERT INTO filtered_questions (id, track, pmcid, final_json) VALUES (?, ?, ?, ?)').run(q.draft.id, 'diagnosis', 'PMC1', JSON.stringify(q));
    expect(submitReview(store.db, input({}), check)).toMatchObject({ kind: 'stored' });
    expect(submitReview(store.db, input({}), check)).toEqual({ kind: 'conflict', revision: 1 });
    expect(submitReview(store.db, input({ verdict: 'edit', baseRevision: 1, edits: { context: 'Examplitis.' } }), check)).toMatchObject({ kind: 'refused' });
    expect(store.db.prepare('SELECT COUNT(*) FROM review_refusals').pluck().get()).toBe(1);
    expect(submitReview(store.db, input({ verdict: 'edit', baseRevision: 1, edits: { answer: 'Examplitis type 2' } }), check)).toMatchObject({ kind: 'stored', review: { revision: 2 } });
    expect(questionState(store.db, q.draft.id)).toMatchObject({ revision: 2, row: { draft: { answer: 'Examplitis type 2' } } });
    expect(submitReview(store.db, input({ questionId: 'dx-PMC1-c1-0000000b' }), check)).toEqual({ kind: 'not_found' });
    expect(markChangedReviewsStale(store.db)).toBe(0);
    expect(reviewCounts(store.db)).toMatchObject({ questions: 1, accepted: 1, edited: 1, needs_rereview: 0 });
    // filter rebuilt the row differently: both reviews go stale, are kept, and the question needs a re-review
    const rebuilt = question(); rebuilt.context = 'A man had a cough.';
    store.db.prepare('UPDATE filtered_questions SET final_json = ?').run(JSON.stringify(rebuilt));
    // the reviews no longer count at once (db/review-state.ts compares base_sha256), before they are marked
    expect(reviewCounts(store.db)).toMatchObject({ accepted: 0, pending: 1, needs_rereview: 1, edited: 0 });
    expect(markChangedReviewsStale(store.db)).toBe(2);
    expect(store.db.prepare('SELECT stale, stale_reason FROM reviews ORDER BY id').all()).toEqual([{ stale: 1, stale_reason: 'row_changed' }, { stale: 1, stale_reason: 'row_changed' }]);
    expect(reviewCounts(store.db)).toMatchObject({ accepted: 0, pending: 1, needs_rereview: 1, edited: 0 });
    expect(questionState(store.db, q.draft.id)).toMatchObject({ revision: 2, row: { context: 'A man had a cough.' } });
  });
});

describe('docs', () => {
  it('docs/decisions.md and docs/review.md name every reject reason code', () => {
    for (const f of ['decisions.md', 'review.md']) {
      const doc = readFileSync(join(REPO, 'docs', f), 'utf8');
      for (const code of Object.keys(REJECT_REASONS)) expect(doc, `${f}: ${code}`).toContain(`\`${code}\``);
    }
  });
});
