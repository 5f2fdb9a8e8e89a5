// The questions as reviewed: which are accepted, and each one's current row. The one contract between the
// review app (which writes reviews), the release exports and `mmrare evaluate` (which read them), so the
// three agree on what "accepted" means without importing each other.
import type Database from 'better-sqlite3';
import type { Track } from '../schemas/question.ts';

export type ReviewStatus = 'pending' | 'accepted' | 'rejected';

export interface ReviewedQuestion {
  id: string;
  track: Track;
  pmcid: string;
  status: ReviewStatus;
  /** The export row as it stands now (schemas/export.ts), parsed: filter's row, or the latest accepted edit. */
  row: Record<string, unknown>;
}

/** Latest non-stale verdict per question: an `accept` (or an accepted edit) makes it accepted, a `reject` rejected. */
export function reviewStatuses(db: Database.Database): Map<string, ReviewStatus> {
  const rows = db.prepare(`SELECT question_id AS id, verdict FROM reviews r
      WHERE question_id IS NOT NULL AND stale = 0
        AND id = (SELECT MAX(id) FROM reviews r2 WHERE r2.question_id = r.question_id AND r2.stale = 0)`).all() as { id: string; verdict: string }[];
  const out = new Map<string, ReviewStatus>();
  for (const r of rows) out.set(r.id, r.verdict === 'reject' ? 'rejected' : r.verdict === 'accept' || r.verdict === 'edit' ? 'accepted' : 'pending');
  return out;
}

export interface LoadOptions {
  /** true: every filtered question; false (the default): accepted ones only. */
  draft?: boolean;
  tracks?: readonly Track[];
}

/** The questions in id order, accepted only unless `draft`. Rows are read one at a time. */
export function* reviewedQuestions(db: Database.Database, opts: LoadOptions = {}): Generator<ReviewedQuestion> {
  const statuses = reviewStatuses(db);
  const edits = latestEdits(db);
  const stmt = db.prepare('SELECT id, track, pmcid, final_json FROM filtered_questions ORDER BY id');
  for (const r of stmt.iterate() as Iterable<{ id: string; track: Track; pmcid: string; final_json: string }>) {
    if (opts.tracks && !opts.tracks.includes(r.track)) continue;
    const status = statuses.get(r.id) ?? 'pending';
    if (!opts.draft && status !== 'accepted') continue;
    yield { id: r.id, track: r.track, pmcid: r.pmcid, status, row: JSON.parse(edits.get(r.id) ?? r.final_json) as Record<string, unknown> };
  }
}

/** Whether the reviews table has the columns of migration 060 (an edit's row is in `after_json`). */
const hasAfterJson = (db: Database.Database): boolean =>
  (db.prepare('PRAGMA table_info(reviews)').all() as { name: string }[]).some((c) => c.name === 'after_json');

/**
 * The edited row of each question whose latest non-stale edit is its current content: an accepted
 * edit (verdict `edit`) replaces filter's row, also when a later review accepts or rejects it again.
 */
export function latestEdits(db: Database.Database): Map<string, string> {
  const out = new Map<string, string>();
  if (!hasAfterJson(db)) return out;
  const rows = db.prepare(`SELECT question_id AS id, after_json FROM reviews r
      WHERE question_id IS NOT NULL AND stale = 0 AND verdict = 'edit' AND after_json IS NOT NULL
        AND id = (SELECT MAX(id) FROM reviews r2 WHERE r2.question_id = r.question_id AND r2.stale = 0 AND r2.verdict = 'edit')`).all() as { id: string; after_json: string }[];
  for (const r of rows) out.set(r.id, r.after_json);
  return out;
}
