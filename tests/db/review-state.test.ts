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

describe('review state with edits (migration 060)', () => {
  it('the latest non-stale accepted edit is the row, also after a later accept or reject; a stale edit is not', () => {
    const store = storeWith([['dx-a', 'diagnosis'], ['dx-b', 'diagnosis'], ['dx-c', 'diagnosis']], []);
    const add = (id: string, verdict: string, after: unknown, stale = 0, revision = 1) => store.db.prepare(`INSERT INTO reviews (question_id, item_key, reviewer, verdict, stale, created_at, revision, base_revision, before_json, after_json)
        VALUES (?, ?, 'ann', ?, ?, '2026-01-01', ?, ?, ?, ?)`).run(id, id, verdict, stale, revision, revision - 1, JSON.stringify({ id }), JSON.stringify(after));
    add('dx-a', 'edit', { id: 'dx-a', v: 1 }, 0, 1);
    add('dx-a', 'edit', { id: 'dx-a', v: 2 }, 0, 2);
    add('dx-a', 'reject', { id: 'dx-a', v: 2 }, 0, 3);
    add('dx-a', 'accept', { id: 'dx-a', v: 2 }, 0, 4);
    add('dx-b', 'edit', { id: 'dx-b', v: 9 }, 1, 1);
    add('dx-c', 'edit', { id: 'dx-c', v: 3 }, 0, 1);
    add('dx-c', 'reject', { id: 'dx-c', v: 3 }, 0, 2);
    expect(Object.fromEntries(reviewStatuses(store.db))).toEqual({ 'dx-a': 'accepted', 'dx-c': 'rejected' });
    const all = [...reviewedQuestions(store.db, { draft: true })];
    expect(all.map((q) => [q.id, q.status, q.row])).toEqual([
      ['dx-a', 'accepted', { id: 'dx-a', v: 2 }], ['dx-b', 'pending', { id: 'dx-b' }], ['dx-c', 'rejected', { id: 'dx-c', v: 3 }],
    ]);
    expect([...reviewedQuestions(store.db)].map((q) => q.row)).toEqual([{ id: 'dx-a', v: 2 }]);
  });
});

describe('a review counts for the row it was made on', () => {
  it('a review whose base_sha256 is not filter\'s current row does not count (the question was rebuilt); one without a base does', async () => {
    const { createHash } = await import('node:crypto');
    const store = storeWith([['dx-a', 'diagnosis'], ['dx-b', 'diagnosis'], ['dx-c', 'diagnosis']], []);
    const sha = (id: string) => createHash('sha256').update(store.db.prepare('SELECT final_json FROM filtered_questions WHERE id = ?').pluck().get(id) as string).digest('hex');
    const add = (id: string, verdict: string, base: string | null, rev: number, after?: unknown) => store.db.prepare(`INSERT INTO reviews (question_id, item_key, reviewer, verdict, stale, created_at, revision, base_sha256, after_json)
        VALUES (?, ?, 'ann', ?, 0, '2026-01-01', ?, ?, ?)`).run(id, id, verdict, rev, base, after === undefined ? null : JSON.stringify(after));
    add('dx-a', 'accept', sha('dx-a'), 1);
    add('dx-b', 'accept', sha('dx-b'), 1);
    add('dx-b', 'edit', 'f'.repeat(64), 2, { id: 'dx-b', v: 'old row' }); // made on a row filter no longer holds
    add('dx-c', 'accept', null, 1);
    expect(Object.fromEntries(reviewStatuses(store.db))).toEqual({ 'dx-a': 'accepted', 'dx-b': 'accepted', 'dx-c': 'accepted' });
    expect([...reviewedQuestions(store.db)].map((q) => q.row)).toEqual([{ id: 'dx-a' }, { id: 'dx-b' }, { id: 'dx-c' }]);
    // filter rebuilds dx-a: its accept no longer counts
    store.db.prepare('UPDATE filtered_questions SET final_json = ? WHERE id = ?').run(JSON.stringify({ id: 'dx-a', rebuilt: true }), 'dx-a');
    expect(Object.fromEntries(reviewStatuses(store.db))).toEqual({ 'dx-b': 'accepted', 'dx-c': 'accepted' });
    expect([...reviewedQuestions(store.db, { draft: true })].map((q) => [q.id, q.status])).toEqual([['dx-a', 'pending'], ['dx-b', 'accepted'], ['dx-c', 'accepted']]);
  });
});
