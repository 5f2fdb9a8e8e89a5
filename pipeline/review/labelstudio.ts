// Label Studio import: an export JSON (a list of tasks, each with `data.question_id` and
// `annotations[].result[]`) becomes the same reviews the app makes, through the same `submitReview` →
// `applyReview`. Results read: `verdict` (choices accept | reject), `reason` (choices: a reason code),
// `answer` (textarea: the corrected answer; an accept with a different answer is an edit). Each
// annotation has an import key (task, annotation, a hash of its result), so importing the same file
// again stores nothing new, and a changed annotation is a new review.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson } from '../core/hash.ts';
import type { CheckRow, Finding, ReviewInput } from './apply.ts';
import { questionState, submitReview } from './store.ts';

export interface LabelStudioAnnotation {
  taskId: string; annotationId: string; questionId: string; verdict: 'accept' | 'reject';
  reason: string | null; answer: string | null; reviewer: string; at: string; importKey: string;
}
export interface ParseProblem { task: string; annotation: string | null; problem: string }

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

function resultValue(result: unknown[], name: string): string[] | null {
  for (const r of result) {
    const item = r as { from_name?: unknown; value?: { choices?: unknown; text?: unknown } };
    if (item?.from_name !== name || !item.value) continue;
    const v = item.value.choices ?? item.value.text;
    if (Array.isArray(v)) return v.map((x) => String(x));
    if (typeof v === 'string') return [v];
  }
  return null;
}

function reviewerOf(a: Record<string, unknown>): string {
  const c = a.completed_by as unknown;
  if (c && typeof c === 'object') {
    const o = c as Record<string, unknown>;
    return str(o.email) ?? `labelstudio:${str(o.id) ?? 'unknown'}`;
  }
  return `labelstudio:${str(c) ?? 'unknown'}`;
}

/** The annotations of a Label Studio export, in task and annotation order, and what could not be read. */
export function parseLabelStudio(json: unknown): { annotations: LabelStudioAnnotation[]; problems: ParseProblem[] } {
  const annotations: LabelStudioAnnotation[] = [];
  const problems: ParseProblem[] = [];
  if (!Array.isArray(json)) return { annotations, problems: [{ task: '(file)', annotation: null, problem: 'expected a JSON list of tasks (Label Studio "JSON" export)' }] };
  json.forEach((t, ti) => {
    const task = (t ?? {}) as Record<string, unknown>;
    const taskId = str(task.id) ?? `#${ti}`;
    const qid = str((task.data as Record<string, unknown> | undefined)?.question_id);
    if (!qid) { problems.push({ task: taskId, annotation: null, problem: 'no data.question_id' }); return; }
    const anns = Array.isArray(task.annotations) ? task.annotations as Record<string, unknown>[] : [];
    anns.forEach((a, ai) => {
      const annotationId = str(a?.id) ?? `#${ai}`;
      if (a?.was_cancelled) { problems.push({ task: taskId, annotation: annotationId, problem: 'annotation was cancelled (skipped)' }); return; }
      const result = Array.isArray(a?.result) ? a.result as unknown[] : [];
      const verdict = resultValue(result, 'verdict')?.[0]?.trim().toLowerCase();
      if (verdict !== 'accept' && verdict !== 'reject') { problems.push({ task: taskId, annotation: annotationId, problem: `verdict must be accept or reject, got ${verdict ?? 'none'}` }); return; }
      const reason = resultValue(result, 'reason')?.[0]?.trim() || null;
      const answerParts = resultValue(result, 'answer');
      const answer = answerParts ? answerParts.join('\n').trim() || null : null;
      const key = createHash('sha256').update(canonicalJson({ verdict, reason, answer })).digest('hex').slice(0, 16);
      annotations.push({
        taskId, annotationId, questionId: qid, verdict, reason, answer, reviewer: reviewerOf(a),
        at: str(a.updated_at) ?? str(a.created_at) ?? '1970-01-01T00:00:00.000Z', importKey: `labelstudio:${taskId}:${annotationId}:${key}`,
      });
    });
  });
  return { annotations, problems };
}

export interface ImportOutcome { task: string; annotation: string; question: string; outcome: 'stored' | 'duplicate' | 'refused' | 'invalid' | 'not_found'; verdict?: string; revision?: number; message?: string; findings?: Finding[] }

/** Stores each annotation as a review (the reviewer: `reviewer` when given, else Label Studio's annotator). */
export function importLabelStudio(db: Database.Database, json: unknown, checkRow: CheckRow, opts: { reviewer?: string | null } = {}): { outcomes: ImportOutcome[]; problems: ParseProblem[] } {
  const { annotations, problems } = parseLabelStudio(json);
  const outcomes: ImportOutcome[] = [];
  for (const a of annotations) {
    const state = questionState(db, a.questionId);
    const base = { task: a.taskId, annotation: a.annotationId, question: a.questionId };
    if (!state) { outcomes.push({ ...base, outcome: 'not_found', message: `no question ${a.questionId} in this store` }); continue; }
    const edit = a.verdict === 'accept' && a.answer !== null && a.answer !== state.row.draft.answer;
    const input: ReviewInput = {
      questionId: a.questionId, verdict: edit ? 'edit' : a.verdict, reviewer: opts.reviewer ?? a.reviewer, baseRevision: 'current',
      reasonCode: a.verdict === 'reject' ? a.reason : null, note: a.verdict === 'reject' && a.answer ? a.answer : null,
      edits: edit ? { answer: a.answer! } : null, source: 'labelstudio', importKey: a.importKey, at: a.at,
    };
    const r = submitReview(db, input, checkRow);
    switch (r.kind) {
      case 'stored': outcomes.push({ ...base, outcome: 'stored', verdict: r.review.verdict, revision: r.review.revision }); break;
      case 'refused': outcomes.push({ ...base, outcome: 'refused', findings: r.findings, message: 'the corrected answer would leak into model-visible text' }); break;
      case 'invalid': outcomes.push({ ...base, outcome: 'invalid', message: r.message }); break;
      case 'conflict': outcomes.push({ ...base, outcome: 'invalid', message: 'conflict' }); break;
      default: outcomes.push({ ...base, outcome: r.kind });
    }
  }
  return { outcomes, problems };
}
