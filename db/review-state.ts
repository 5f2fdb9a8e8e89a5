// The questions as reviewed: which are accepted, and each one's current row. The one contract between the
// review app (which writes reviews), the release exports and `mmrare evaluate` (which read them), so the
// three agree on what "accepted" means without importing each other.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Track } from '../schemas/question.ts';
import { finalColumns, finalJsonOf, readFinalJson, type FinalColumns } from './packed-json.ts';

export type ReviewStatus = 'pending' | 'accepted' | 'rejected';

export interface ReviewedQuestion {
  id: string;
  track: Track;
  pmcid: string;
  status: ReviewStatus;
  /** Filter's record as it stands now (schemas/question.ts `FilteredQuestion`: the draft plus its masked text),
   * parsed: filter's row, or the latest accepted edit (same shape). The export's `buildRow` turns it into an export row. */
  row: Record<string, unknown>;
}

/** A review counts when it is not stale and was made on the row filter holds now (migration 060's
 * `base_sha256`; rows written before it have none and count as made on it). */
function countingReviews(db: Database.Database, id?: string): Map<string, { verdict: string; edit: string | null }> {
  const has060 = hasAfterJson(db);
  const rows = db.prepare(`SELECT question_id AS q, verdict, ${has060 ? 'base_sha256 AS base, after_json AS after' : 'NULL AS base, NULL AS after'}
      FROM reviews WHERE question_id IS NOT NULL AND stale = 0 ${id === undefined ? '' : 'AND question_id = ?'} ORDER BY question_id, id DESC`)
    .all(...(id === undefined ? [] : [id])) as { q: string; verdict: string; base: string | null; after: string | null }[];
  const shas = new Map<string, string | null>();
  const shaOf = (q: string): string | null => {
    if (!shas.has(q)) { const j = readFinalJson(db, q); shas.set(q, j === undefined ? null : createHash('sha256').update(j).digest('hex')); }
    return shas.get(q)!;
  };
  const out = new Map<string, { verdict: string; edit: string | null; editSeen: boolean }>();
  for (const r of rows) {
    // a review made on another row (the question was rebuilt since) does not count for this one
    if (r.base !== null && r.base !== shaOf(r.q)) continue;
    let e = out.get(r.q);
    if (!e) { e = { verdict: r.verdict, edit: null, editSeen: false }; out.set(r.q, e); }
    if (!e.editSeen && r.verdict === 'edit' && r.after !== null) { e.edit = r.after; e.editSeen = true; }
  }
  return new Map([...out].map(([q, e]) => [q, { verdict: e.verdict, edit: e.edit }]));
}

const statusOf = (verdict: string): ReviewStatus => (verdict === 'reject' ? 'rejected' : verdict === 'accept' || verdict === 'edit' ? 'accepted' : 'pending');

/**
 * Latest counting verdict per question (not stale, made on filter's current row): an `accept` (or an
 * accepted edit) makes it accepted, a `reject` rejected.
 */
export function reviewStatuses(db: Database.Database): Map<string, ReviewStatus> {
  const out = new Map<string, ReviewStatus>();
  for (const [q, e] of countingReviews(db)) out.set(q, statusOf(e.verdict));
  return out;
}

/** One question's status, its current edited row (null: filter's row) and whether any review counts for it. */
export function reviewOf(db: Database.Database, id: string): { status: ReviewStatus; edit: string | null; counted: boolean } {
  const e = countingReviews(db, id).get(id);
  return e ? { status: statusOf(e.verdict), edit: e.edit, counted: true } : { status: 'pending', edit: null, counted: false };
}

export interface LoadOptions {
  /** true: every filtered question; false (the default): accepted ones only. */
  draft?: boolean;
  tracks?: readonly Track[];
}

/** The questions in id order, accepted only unless `draft`. Rows are read one at a time. */
export function* reviewedQuestions(db: Database.Database, opts: LoadOptions = {}): Generator<ReviewedQuestion> {
  const reviews = countingReviews(db);
  const stmt = db.prepare(`SELECT f.id, f.track, f.pmcid, ${finalColumns(db)} FROM filtered_questions f ORDER BY f.id`);
  for (const row of stmt.iterate() as Iterable<{ id: string; track: Track; pmcid: string } & FinalColumns>) {
    const r = { ...row, final_json: finalJsonOf(db, row) };
    if (opts.tracks && !opts.tracks.includes(r.track)) continue;
    const rv = reviews.get(r.id);
    const status = rv ? statusOf(rv.verdict) : 'pending';
    if (!opts.draft && status !== 'accepted') continue;
    yield { id: r.id, track: r.track, pmcid: r.pmcid, status, row: JSON.parse(rv?.edit ?? r.final_json) as Record<string, unknown> };
  }
}

/** Whether the reviews table has the columns of migration 060 (an edit's row is in `after_json`). */
const hasAfterJson = (db: Database.Database): boolean =>
  (db.prepare('PRAGMA table_info(reviews)').all() as { name: string }[]).some((c) => c.name === 'after_json');

/**
 * The edited row of each question whose latest counting edit is its current content: an accepted edit
 * (verdict `edit`) replaces filter's row, also when a later review accepts or rejects it again.
 */
export function latestEdits(db: Database.Database): Map<string, string> {
  const out = new Map<string, string>();
  for (const [q, e] of countingReviews(db)) if (e.edit !== null) out.set(q, e.edit);
  return out;
}
