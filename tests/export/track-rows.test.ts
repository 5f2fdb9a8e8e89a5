// Export reads a track's rows one at a time, in id order, from the index on (track, id): no sort of the
// whole track in memory (a temporary b-tree holding every packed row; migration 091).
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../db/store.ts';
import { TRACK_ROWS_SQL } from '../../pipeline/export/stage.ts';
import { tempDir } from '../helpers.ts';

let cleanup: (() => void) | null = null;
afterEach(() => { cleanup?.(); cleanup = null; });

describe('export row order', () => {
  it("reads a track's rows in index order, without a temporary sort", () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const store = new Store(t.dir);
    try {
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${TRACK_ROWS_SQL}`).all('diagnosis') as { detail: string }[]).map((r) => r.detail);
      expect(plan.join('\n')).toContain('USING INDEX filtered_by_track (track=?)');
      expect(plan.filter((d) => /TEMP B-TREE/.test(d))).toEqual([]);
    } finally {
      store.close();
    }
  });
});
