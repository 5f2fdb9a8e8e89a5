import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../db/store.ts';
import { reviewStatuses, reviewedQuestions } from '../../db/review-state.ts';
import { tempDir } from '../helpers.ts';

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });

function storeWith(questions: [string, string][], reviews: [string, string, number?][]): Store {
  const t = tempDir(); cleanups.push(t.cleanup);
  const store = new Store(t.dir);
  cleanups.unshift(() => store.close());
  for (const [id, track] of questions) {
    store.db.prepare('INSERT INTO filtered_questions (id, track, pmcid, final_json) VALUES (?, ?, ?, ?)').run(id, track, 'PMC1', JSON.stringify({ id }));
  }
  for (const [id, verdict, stale] of reviews) {
    store.db.prepare('INSERT INTO reviews (question_id, item_key, reviewer, verdict, stale, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, id, 'ann', verdict, stale ?? 0, '2026-01-01');
  }
  return store;
}

describe('review state', () => {
  it('the latest non-stale verdict wins; stale reviews do not count', () => {
    const store = storeWith([['dx-a', 'diagnosis'], ['dx-b', 'diagnosis'], ['tx-c', 'treatment'], ['tx-d', 'treatment']],
      [['dx-a', 'reject'], ['dx-a', 'accept'], ['dx-b', 'accept'], ['dx-b', 'reject'], ['tx-c', 'accept', 1]]);
    expect(Object.fromEntries(reviewStatuses(store.db))).toEqual({ 'dx-a': 'accepted', 'dx-b': 'rejected' });
    expect([...reviewedQuestions(store.db)].map((q) => q.id)).toEqual(['dx-a']);
    const all = [...reviewedQuestions(store.db, { draft: true })];
    expect(all.map((q) => [q.id, q.status])).toEqual([['dx-a', 'accepted'], ['dx-b', 'rejected'], ['tx-c', 'pending'], ['tx-d', 'pending']]);
    expect([...reviewedQuestions(store.db, { draft: true, tracks: ['treatment'] })].map((q) => q.id)).toEqual(['tx-c', 'tx-d']);
    expect(all[0].row).toEqual({ id: 'dx-a' });
  });
});
