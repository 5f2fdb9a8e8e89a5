// One evaluation run: every accepted question (db/review-state.ts reviewedQuestions; --draft: every filtered
// one) sent to the model under a condition, Level 1 scored at once, then (with a judge) the rubric verdict.
// Each question's results are written in one transaction as they arrive; the calls are cached in llm_calls,
// so a rerun costs no request and a run killed mid-way resumes from the cache.
import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { reviewedQuestions, type ReviewedQuestion } from '../../db/review-state.ts';
import type { Track } from '../../schemas/question.ts';
import { RemoteError } from '../client/errors.ts';
import type { ChatClient, ChatStats } from '../client/chat.ts';
import { processAlive, runOwner } from '../runner/runs.ts';
import { buildAnswerRequest, buildJudgeRequest, evalPrompt, answerPromptName, CONDITIONS, type Condition, type ShownImage } from './request.ts';
import { rubricScore, verdictOf, VERDICT_SCHEMAS } from './rubric.ts';
import { scoreLevel1, DEFAULT_THRESHOLDS, type ConceptResolver, type EvaluateThresholds, type OrphanetResolver } from './score.ts';

export const EVALUATE_VERSION = '1';

export interface EvaluateOptions {
  db: Database.Database;
  blobPath: (sha256: string) => string;
  model: ChatClient;
  judge: ChatClient | null;
  condition: Condition;
  differential: boolean;
  draft: boolean;
  tracks?: readonly Track[];
  limit?: number;
  concurrency: number;
  orphanet: OrphanetResolver;
  concepts: ConceptResolver;
  thresholds?: EvaluateThresholds;
  /** The export row (schemas/export.ts) of a reviewed question: the gold fields and the images are read from it. */
  rowOf: (q: ReviewedQuestion) => Record<string, any>;
  shouldStop?: () => boolean;
  onQuestion?: (done: number, total: number) => void;
  warn?: (msg: string) => void;
  now?: () => string;
}

export interface EvaluateResult {
  runId: number;
  questions: number;
  answered: number;
  failed: number;
  judged: number;
  unparseable: number;
  judgeFailed: number;
  interrupted: boolean;
  model: ChatStats;
  judge: ChatStats | null;
}

interface Q { id: string; track: Track; pmcid: string; row: Record<string, any> }

/** Captions of the shown images (image id → caption), from extract's figures table. */
function captionsFor(db: Database.Database, images: ShownImage[]): Map<string, string> {
  const stmt = db.prepare(`SELECT f.caption FROM images i JOIN figures f ON f.pmcid = i.pmcid AND f.figure_id = i.figure_id WHERE i.image_id = ?`);
  const out = new Map<string, string>();
  for (const im of images) {
    const c = stmt.pluck().get(im.id.replace(/#.*$/, '')) as string | undefined;
    if (c !== undefined) out.set(im.id, c.trim());
  }
  return out;
}

/**
 * Marks 'interrupted' every evaluation run still 'running' whose process is gone (killed runs never record
 * their end); a run owned by a live process on this host is left alone. Returns the ids marked.
 */
export function markAbandonedEvalRuns(db: Database.Database, alive: (pid: number) => boolean = processAlive): number[] {
  const host = runOwner().host;
  const rows = db.prepare(`SELECT id, pid, host FROM eval_runs WHERE status = 'running' ORDER BY id`).all() as { id: number; pid: number | null; host: string | null }[];
  const dead = rows.filter((r) => !(r.pid !== null && r.host === host && r.pid !== process.pid && alive(r.pid))).map((r) => r.id);
  const mark = db.prepare(`UPDATE eval_runs SET status = 'interrupted' WHERE id = ? AND status = 'running'`);
  db.transaction(() => { for (const id of dead) mark.run(id); })();
  return dead;
}

export async function evaluate(o: EvaluateOptions): Promise<EvaluateResult> {
  if (!CONDITIONS.includes(o.condition)) throw new Error(`unknown condition ${o.condition}`);
  const now = o.now ?? (() => new Date().toISOString());
  const thresholds = o.thresholds ?? DEFAULT_THRESHOLDS;
  // read every question first: the statement must not be open while results are written
  let qs: Q[] = [...reviewedQuestions(o.db, { draft: o.draft, tracks: o.tracks })].map((q) => ({ id: q.id, track: q.track, pmcid: q.pmcid, row: o.rowOf(q) }));
  if (o.limit !== undefined) qs = qs.slice(0, o.limit);

  const promptNames = [...new Set(qs.map((q) => answerPromptName(q.track, o.differential)))].sort();
  const judgeNames = o.judge ? [...new Set(qs.map((q) => `judge-${q.track}`))].sort() : [];
  const prompts = Object.fromEntries([...promptNames, ...judgeNames].map((n) => { const p = evalPrompt(n); return [n, { version: p.version, hash: p.hash }]; }));
  markAbandonedEvalRuns(o.db);
  const owner = runOwner();
  const runId = Number(o.db.prepare(`INSERT INTO eval_runs (model, condition, differential, judge_model, draft, tracks_json, prompts_json, settings_json, status, started_at, pid, host)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`).run(o.model.model, o.condition, o.differential ? 1 : 0, o.judge?.model ?? null, o.draft ? 1 : 0,
    JSON.stringify([...(o.tracks ?? [])].sort()), JSON.stringify(prompts), JSON.stringify({ evaluate_version: EVALUATE_VERSION, thresholds }), now(), owner.pid, owner.host).lastInsertRowid);

  const putPrediction = o.db.prepare(`INSERT OR REPLACE INTO eval_predictions (run_id, question_id, track, pmcid, case_no, prompt_name, prompt_version,
      call_key, status, error, answer, level1_json, created_at) VALUES (@run, @id, @track, @pmcid, @case, @pname, @pversion, @key, @status, @error, @answer, @level1, @at)`);
  const putJudgement = o.db.prepare(`INSERT OR REPLACE INTO eval_judgements (run_id, question_id, judge_model, prompt_name, prompt_version, call_key, asks,
      status, error, raw, parsed_json, score, created_at) VALUES (@run, @id, @model, @pname, @pversion, @key, @asks, @status, @error, @raw, @parsed, @score, @at)`);
  const readImage = (sha: string): Buffer => readFileSync(o.blobPath(sha));

  const res: EvaluateResult = { runId, questions: qs.length, answered: 0, failed: 0, judged: 0, unparseable: 0, judgeFailed: 0, interrupted: false, model: o.model.stats(), judge: o.judge?.stats() ?? null };
  let done = 0;

  async function one(q: Q): Promise<void> {
    const images: ShownImage[] = (q.row.images as { id: string; label: string; sha256: string; panel: string | null }[]).map((i) => ({ id: i.id, label: i.label, sha256: i.sha256, panel: i.panel }));
    const req = buildAnswerRequest({
      track: q.track, question: String(q.row.question), context: String(q.row.context ?? ''), images, condition: o.condition,
      differential: o.differential, captions: captionsFor(o.db, images), readImage,
    });
    const base = { run: runId, id: q.id, track: q.track, pmcid: q.pmcid, case: Number(q.row.case), pname: req.prompt.name, pversion: req.prompt.version, at: now() };
    let answer: string;
    try {
      const r = await o.model.complete({ messages: req.messages, prompt: req.prompt.ref });
      answer = r.content;
      const level1 = scoreLevel1(q.track, q.row, answer, { orphanet: o.orphanet, concepts: o.concepts, thresholds, differential: o.differential });
      putPrediction.run({ ...base, key: r.key, status: 'ok', error: null, answer, level1: JSON.stringify(level1) });
      res.answered++;
    } catch (e) {
      if (!(e instanceof RemoteError)) throw e;
      putPrediction.run({ ...base, key: o.model.keyOf({ messages: req.messages, prompt: req.prompt.ref }), status: 'failed', error: `${e.code}: ${e.message}`, answer: null, level1: null });
      res.failed++;
      o.warn?.(`${q.id}: the model call failed (${e.code}); rerun to retry it`);
      return;
    }
    if (!o.judge) return;
    const jr = buildJudgeRequest(q.track, q.row, answer);
    const jbase = { run: runId, id: q.id, model: o.judge.model, pname: jr.prompt.name, pversion: jr.prompt.version, at: now() };
    try {
      // no response_format: not every OpenAI-compatible server has it; the prompt asks for JSON and re-asks cover the rest
      const out = await o.judge.completeJson({ messages: jr.messages, prompt: jr.prompt.ref }, VERDICT_SCHEMAS[q.track]);
      if (out.ok) {
        const verdict = verdictOf(q.track, out.value as Record<string, number>);
        putJudgement.run({ ...jbase, key: out.result.key, asks: out.asks, status: 'ok', error: null, raw: out.result.content, parsed: JSON.stringify(verdict), score: rubricScore(q.track, verdict) });
        res.judged++;
      } else {
        putJudgement.run({ ...jbase, key: out.result.key, asks: out.asks, status: 'unparseable', error: `${out.error.code}: ${out.error.message}`, raw: out.result.content, parsed: null, score: null });
        res.unparseable++;
      }
    } catch (e) {
      if (!(e instanceof RemoteError)) throw e;
      putJudgement.run({ ...jbase, key: null, asks: 0, status: 'failed', error: `${e.code}: ${e.message}`, raw: null, parsed: null, score: null });
      res.judgeFailed++;
      o.warn?.(`${q.id}: the judge call failed (${e.code}); rerun to retry it`);
    }
  }

  // a bounded pool over the questions, in id order; the chat clients' budgets bound the requests too
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < qs.length) {
      if (o.shouldStop?.()) { res.interrupted = true; return; }
      const q = qs[next++];
      await one(q);
      o.onQuestion?.(++done, qs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, qs.length)) }, worker));

  res.model = o.model.stats();
  res.judge = o.judge?.stats() ?? null;
  const counts = { questions: res.questions, answered: res.answered, failed: res.failed, judged: res.judged, unparseable: res.unparseable, judge_failed: res.judgeFailed, model: res.model, judge: res.judge };
  o.db.prepare(`UPDATE eval_runs SET status = ?, counts_json = ?, finished_at = ? WHERE id = ?`).run(res.interrupted ? 'interrupted' : 'done', JSON.stringify(counts), now(), runId);
  return res;
}
