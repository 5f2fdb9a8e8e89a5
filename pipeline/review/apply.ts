// One review, as a pure function: the question's current state and what the reviewer did go in, the
// row to store (or why nothing is stored) comes out. The review app and the Label Studio import both
// go through `applyReview`, so a review means the same whichever way it arrived.
import { FilteredQuestion, type Track } from '../../schemas/question.ts';
import { REJECT_REASONS } from '../../schemas/review.ts';

export { REJECT_REASONS, type RejectReason } from '../../schemas/review.ts';

export const VERDICTS = ['accept', 'reject', 'edit'] as const;
export type Verdict = (typeof VERDICTS)[number];


/** The draft fields of each track a reviewer may edit besides question, context and answer. */
export const TRACK_FIELDS: Record<Track, readonly string[]> = {
  diagnosis: ['answerAliases', 'category'],
  treatment: ['mustInclude', 'mustNot'],
  'cross-image': ['mainline', 'relation'],
  examination: ['keyTests', 'redFlags', 'mustNot'],
};

export interface ReviewEdits {
  question?: string;
  context?: string;
  answer?: string;
  /** Track fields by draft name (TRACK_FIELDS), each replaced whole. */
  track?: Record<string, unknown>;
}

export interface ReviewInput {
  questionId: string;
  verdict: Verdict;
  reviewer: string;
  /** The revision the reviewer saw; 'current' (the import) takes the question as it stands. */
  baseRevision: number | 'current';
  reasonCode?: string | null;
  note?: string | null;
  edits?: ReviewEdits | null;
  source: 'app' | 'labelstudio';
  importKey?: string | null;
  at: string;
}

export interface QuestionState {
  id: string;
  track: Track;
  pmcid: string;
  /** 0 before any review; each stored review makes the next one. */
  revision: number;
  /** The row as it stands: filter's row, or the latest accepted edit (db/review-state.ts). */
  row: FilteredQuestion;
  /** sha256 of filter's final_json (what the reviews of this question were made on). */
  baseSha: string;
}

/** A leak an edited row would show: from the filter's rules or the residual scanner. */
export interface Finding { check: 'filter' | 'scanner'; rule: string; field: string; text: string; form: string }
export type CheckRow = (row: FilteredQuestion) => Finding[];

export interface NewReview {
  question_id: string; item_key: string; reviewer: string; verdict: Verdict; note: string | null; reason_code: string | null;
  revision: number; base_revision: number; before_json: string; after_json: string; base_sha256: string;
  source: string; import_key: string | null; created_at: string;
}

export type ApplyResult =
  | { kind: 'stored'; review: NewReview; row: FilteredQuestion }
  | { kind: 'conflict'; revision: number }
  | { kind: 'refused'; findings: Finding[]; after: FilteredQuestion }
  | { kind: 'invalid'; message: string };

/** The row with the edits applied (a new object; the input is not changed). */
export function editedRow(row: FilteredQuestion, edits: ReviewEdits): { row: FilteredQuestion } | { error: string } {
  const after = structuredClone(row) as FilteredQuestion;
  const draft = after.draft as Record<string, unknown>;
  if (edits.question !== undefined) after.question = edits.question;
  if (edits.context !== undefined) after.context = edits.context;
  if (edits.answer !== undefined) draft.answer = edits.answer;
  for (const [k, v] of Object.entries(edits.track ?? {})) {
    if (!TRACK_FIELDS[row.draft.track].includes(k)) return { error: `${k} is not an editable field of the ${row.draft.track} track (${TRACK_FIELDS[row.draft.track].join(', ')})` };
    draft[k] = v;
  }
  const parsed = FilteredQuestion.safeParse(after);
  if (!parsed.success) return { error: `the edited question is not valid: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { row: after };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * What one review does to a question. A write based on an older revision is a conflict (nothing is
 * stored: the caller answers with the current state); a reject needs a reason code; an edit is
 * checked by `checkRow` (the filter's leak rules and the residual scanner) and refused with the
 * findings when any is left.
 */
export function applyReview(state: QuestionState, input: ReviewInput, checkRow: CheckRow): ApplyResult {
  if (input.baseRevision !== 'current' && input.baseRevision !== state.revision) return { kind: 'conflict', revision: state.revision };
  if (!VERDICTS.includes(input.verdict)) return { kind: 'invalid', message: `unknown verdict ${String(input.verdict)} (accept, reject, edit)` };
  if (!input.reviewer.trim()) return { kind: 'invalid', message: 'a review needs a reviewer name' };
  let reason: string | null = null;
  if (input.verdict === 'reject') {
    reason = input.reasonCode ?? null;
    if (!reason || !(reason in REJECT_REASONS)) return { kind: 'invalid', message: `a reject needs a reason code: ${Object.keys(REJECT_REASONS).join(', ')}` };
  } else if (input.reasonCode) {
    return { kind: 'invalid', message: 'a reason code goes with a reject only' };
  }
  let after = state.row;
  if (input.verdict === 'edit') {
    if (!input.edits) return { kind: 'invalid', message: 'an edit needs the edited fields' };
    const e = editedRow(state.row, input.edits);
    if ('error' in e) return { kind: 'invalid', message: e.error };
    if (same(e.row, state.row)) return { kind: 'invalid', message: 'the edit changes nothing (accept the question instead)' };
    const findings = checkRow(e.row);
    if (findings.length) return { kind: 'refused', findings, after: e.row };
    after = e.row;
  } else if (input.edits) {
    return { kind: 'invalid', message: `edited fields go with an edit, not a ${input.verdict}` };
  }
  const before = JSON.stringify(state.row);
  return {
    kind: 'stored',
    row: after,
    review: {
      question_id: state.id, item_key: state.id, reviewer: input.reviewer.trim(), verdict: input.verdict, note: input.note?.trim() || null, reason_code: reason,
      revision: state.revision + 1, base_revision: state.revision, before_json: before, after_json: after === state.row ? before : JSON.stringify(after),
      base_sha256: state.baseSha, source: input.source, import_key: input.importKey ?? null, created_at: input.at,
    },
  };
}
