// The review tables (migration 060): reading a question's state and history, storing a review in one
// transaction, reviewer tokens, and marking reviews stale when the row under them changed.
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { latestEdits, reviewOf, reviewStatuses, type ReviewStatus } from '../../db/review-state.ts';
import { FINAL_COLUMNS, finalJsonOf, type FinalColumns } from '../../db/packed-json.ts';
import type { FilteredQuestion, Track } from '../../schemas/question.ts';
import { applyReview, type ApplyResult, type CheckRow, type QuestionState, type ReviewInput } from './apply.ts';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export function revisionOf(db: Database.Database, id: string): number {
  return (db.prepare('SELECT COALESCE(MAX(revision), 0) FROM reviews WHERE question_id = ?').pluck().get(id) as number) ?? 0;
}

/** The question as it stands, or null when filter holds no row for it. */
export function questionState(db: Database.Database, id: string): QuestionState | null {
  const f = db.prepare(`SELECT f.id, f.track, f.pmcid, ${FINAL_COLUMNS} FROM filtered_questions f WHERE f.id = ?`).get(id) as { id: string; track: Track; pmcid: string } & FinalColumns | undefined;
  if (!f) return null;
  const r = { ...f, final_json: finalJsonOf(db, f) }; // the canonical text: what base_sha256 hashes
  const edit = reviewOf(db, id).edit;
  return { id: r.id, track: r.track, pmcid: r.pmcid, revision: revisionOf(db, id), row: JSON.parse(edit ?? r.final_json) as FilteredQuestion, baseSha: sha(r.final_json) };
}

export type SubmitResult = ApplyResult | { kind: 'not_found' } | { kind: 'duplicate' };

/**
 * Stores one review: reads the state, applies the review and writes its row in one IMMEDIATE
 * transaction (no other writer between the read and the write). A refused edit is kept in
 * review_refusals; a conflict stores nothing. A Label Studio annotation already imported is a duplicate.
 */
export function submitReview(db: Database.Database, input: ReviewInput, checkRow: CheckRow): SubmitResult {
  const run = db.transaction((): SubmitResult => {
    if (input.importKey && db.prepare('SELECT 1 FROM reviews WHERE import_key = ?').get(input.importKey)) return { kind: 'duplicate' };
    const state = questionState(db, input.questionId);
    if (!state) return { kind: 'not_found' };
    const res = applyReview(state, input, checkRow);
    if (res.kind === 'stored') {
      db.prepare(`INSERT INTO reviews (question_id, item_key, reviewer, verdict, note, stale, created_at, revision, base_revision, reason_code, before_json, after_json, base_sha256, source, import_key)
          VALUES (@question_id, @item_key, @reviewer, @verdict, @note, 0, @created_at, @revision, @base_revision, @reason_code, @before_json, @after_json, @base_sha256, @source, @import_key)`).run(res.review);
    } else if (res.kind === 'refused') {
      const after = JSON.stringify(res.after);
      // the same refused edit again (a re-imported annotation) is not recorded twice
      const known = db.prepare('SELECT 1 FROM review_refusals WHERE question_id = ? AND reviewer = ? AND source = ? AND after_json = ? AND created_at = ?').get(state.id, input.reviewer, input.source, after, input.at);
      if (!known) {
        db.prepare('INSERT INTO review_refusals (question_id, reviewer, base_revision, after_json, findings_json, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(state.id, input.reviewer, state.revision, after, JSON.stringify(res.findings), input.source, input.at);
      }
    }
    return res;
  });
  try {
    return run.immediate();
  } catch (e) {
    // another process stored the same revision first (the unique index): the same answer as a stale write
    if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return { kind: 'conflict', revision: revisionOf(db, input.questionId) };
    throw e;
  }
}

export interface HistoryEntry {
  id: number; revision: number | null; base_revision: number | null; reviewer: string; verdict: string; reason_code: string | null; note: string | null;
  stale: number; stale_reason: string | null; source: string; created_at: string; before: unknown; after: unknown;
}

export function history(db: Database.Database, id: string): HistoryEntry[] {
  return (db.prepare(`SELECT id, revision, base_revision, reviewer, verdict, reason_code, note, stale, stale_reason, source, created_at, before_json, after_json
      FROM reviews WHERE question_id = ? ORDER BY id`).all(id) as (Omit<HistoryEntry, 'before' | 'after'> & { before_json: string | null; after_json: string | null })[])
    .map(({ before_json, after_json, ...r }) => ({ ...r, before: before_json ? JSON.parse(before_json) : null, after: after_json ? JSON.parse(after_json) : null }));
}

export interface ReviewCounts { questions: number; accepted: number; rejected: number; pending: number; needs_rereview: number; edited: number }

/**
 * Per question: its status, whether it waits for a re-review (it was reviewed, but no review counts now:
 * stale, or made on a row filter has rebuilt since), whether edited.
 */
export function reviewOverview(db: Database.Database): { status: Map<string, ReviewStatus>; rereview: Set<string>; edited: Set<string> } {
  const status = reviewStatuses(db);
  const reviewed = db.prepare('SELECT DISTINCT question_id FROM reviews WHERE question_id IS NOT NULL').pluck().all() as string[];
  const rereview = new Set(reviewed.filter((id) => !status.has(id)));
  return { status, rereview, edited: new Set(latestEdits(db).keys()) };
}

export function reviewCounts(db: Database.Database): ReviewCounts {
  const ids = db.prepare('SELECT id FROM filtered_questions').pluck().all() as string[];
  const o = reviewOverview(db);
  const c: ReviewCounts = { questions: ids.length, accepted: 0, rejected: 0, pending: 0, needs_rereview: 0, edited: 0 };
  for (const id of ids) {
    const s = o.status.get(id) ?? 'pending';
    c[s]++;
    if (o.rereview.has(id)) c.needs_rereview++;
    if (o.edited.has(id)) c.edited++;
  }
  return c;
}

/**
 * Reviews made on a row that is no longer filter's row (the question was rebuilt: a newer article
 * version, a changed upstream item) are marked stale with the reason; never deleted. Returns how many.
 */
export function markChangedReviewsStale(db: Database.Database): number {
  const rows = (db.prepare(`SELECT r.id, r.base_sha256, f.id AS fid, ${FINAL_COLUMNS} FROM reviews r LEFT JOIN filtered_questions f ON f.id = r.question_id
      WHERE r.stale = 0 AND r.base_sha256 IS NOT NULL`).all() as ({ id: number; base_sha256: string; fid: string | null } & FinalColumns)[])
    .map((r) => ({ id: r.id, base_sha256: r.base_sha256, final_json: r.fid === null ? null : finalJsonOf(db, r) }));
  const upd = db.prepare(`UPDATE reviews SET stale = 1, stale_reason = ? WHERE id = ?`);
  let n = 0;
  db.transaction(() => {
    for (const r of rows) {
      if (r.final_json !== null && sha(r.final_json) === r.base_sha256) continue;
      upd.run(r.final_json === null ? 'question_removed' : 'row_changed', r.id);
      n++;
    }
    // fetch marks an article's reviews stale on a newer version without saying why: say so
    db.prepare(`UPDATE reviews SET stale_reason = 'article_new_version' WHERE stale = 1 AND stale_reason IS NULL`).run();
  })();
  return n;
}

// ---- reviewers (tokens for a served app) ----

export const tokenHash = (token: string): string => sha(token);

/** Adds (or re-keys) a reviewer; returns the new token, which is stored only as its hash. */
export function addReviewer(db: Database.Database, name: string, at = new Date().toISOString()): string {
  const token = randomBytes(24).toString('base64url');
  db.prepare(`INSERT INTO reviewers (name, token_sha256, created_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET token_sha256 = excluded.token_sha256, created_at = excluded.created_at`).run(name, tokenHash(token), at);
  return token;
}

export function reviewerOf(db: Database.Database, token: string): string | null {
  return (db.prepare('SELECT name FROM reviewers WHERE token_sha256 = ?').pluck().get(tokenHash(token)) as string | undefined) ?? null;
}

export const reviewerCount = (db: Database.Database): number => db.prepare('SELECT COUNT(*) FROM reviewers').pluck().get() as number;
