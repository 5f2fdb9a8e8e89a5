// Scores of a run per track, Level 1 and Level 2 side by side (never blended), with seeded bootstrap CIs
// over questions, the case-level accuracy, and splits by disease category and publication date.
import type Database from 'better-sqlite3';
import { reviewedQuestions, type ReviewedQuestion } from '../../db/review-state.ts';
import { TRACKS, type Track } from '../../schemas/question.ts';
import { bootstrapCi, mean } from './metrics.ts';
import { caseLevel, type Level1 } from './score.ts';

export interface RunInfo {
  id: number; model: string; condition: string; differential: boolean; judge_model: string | null; draft: boolean; tracks: string[];
  status: string; started_at: string; finished_at: string | null; prompts: Record<string, { version: string; hash: string }>;
}

export interface QuestionResult {
  id: string; track: Track; pmcid: string; case: number; category: string | null; pub_date: string | null;
  status: 'ok' | 'failed'; answer: string | null; level1: Level1 | null;
  judge: { status: string; score: number | null; verdict: Record<string, number> | null; raw: string | null; prompt_version: string; asks: number } | null;
}

export interface Metric { name: string; level: 1 | 2; value: number | null; n: number; ci: [number, number] | null }
export interface TrackScores { track: Track; questions: number; answered: number; failed: number; metrics: Metric[]; judge: { judged: number; unparseable: number; failed: number } }

export interface RunScores {
  run: RunInfo;
  tracks: TrackScores[];
  case_level: { cases: number; right: number; accuracy: number | null };
  by_category: { track: Track; category: string; n: number; level1: number | null; level2: number | null }[];
  date_split: null | { cutoff: string; before: { track: Track; n: number; level1: number | null; level2: number | null }[]; after: { track: Track; n: number; level1: number | null; level2: number | null }[]; undated: number };
}

export function runInfo(db: Database.Database, id: number): RunInfo {
  const r = db.prepare('SELECT * FROM eval_runs WHERE id = ?').get(id) as Record<string, any> | undefined;
  if (!r) throw new Error(`no evaluation run ${id}`);
  return { id: r.id, model: r.model, condition: r.condition, differential: !!r.differential, judge_model: r.judge_model, draft: !!r.draft, tracks: JSON.parse(r.tracks_json), status: r.status, started_at: r.started_at, finished_at: r.finished_at, prompts: JSON.parse(r.prompts_json) };
}

/** The latest run per (model, condition, differential, judge, question set): a finished one when there is one. */
export function latestRuns(db: Database.Database): RunInfo[] {
  const rows = db.prepare(`SELECT id, model, condition, differential, COALESCE(judge_model, '') AS j, draft, tracks_json, status FROM eval_runs ORDER BY id`).all() as { id: number; model: string; condition: string; differential: number; j: string; draft: number; tracks_json: string; status: string }[];
  const best = new Map<string, { id: number; done: boolean }>();
  for (const r of rows) {
    // runs over different question sets (drafts or accepted, some tracks) are different runs
    const k = JSON.stringify([r.model, r.condition, r.differential, r.j, r.draft, r.tracks_json]);
    const prev = best.get(k);
    const done = r.status === 'done';
    if (!prev || done || !prev.done) best.set(k, { id: r.id, done });
  }
  return [...best.values()].map((b) => runInfo(db, b.id)).sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : CONDITION_ORDER(a.condition) - CONDITION_ORDER(b.condition) || Number(a.differential) - Number(b.differential) || Number(b.draft) - Number(a.draft) || a.id - b.id));
}
const CONDITION_ORDER = (c: string): number => ['baseline', 'text-only', 'images-only', 'captions-only', 'findings-disclosed'].indexOf(c);

/** Publication date of each article (YYYY-MM-DD): the JATS <pub-date> (epub, else ppub, else the first), read from the stored XML. */
export function publicationDates(db: Database.Database, blobPath: (sha: string) => string, readFile: (p: string) => string, pmcids: Iterable<string>): Map<string, string | null> {
  const stmt = db.prepare('SELECT xml_sha256 FROM articles WHERE pmcid = ?').pluck();
  const out = new Map<string, string | null>();
  for (const id of pmcids) {
    if (out.has(id)) continue;
    const sha = stmt.get(id) as string | undefined;
    let date: string | null = null;
    if (sha) { try { date = pubDateOf(readFile(blobPath(sha))); } catch { date = null; } }
    out.set(id, date);
  }
  return out;
}

export function pubDateOf(xml: string): string | null {
  const dates = [...xml.matchAll(/<pub-date\b([^>]*)>([\s\S]*?)<\/pub-date>/g)].map((m) => {
    const type = /(?:pub-type|date-type)="([^"]+)"/.exec(m[1])?.[1] ?? '';
    const y = /<year>\s*(\d{4})\s*<\/year>/.exec(m[2])?.[1];
    const mo = /<month>\s*(\d{1,2})\s*<\/month>/.exec(m[2])?.[1] ?? '1';
    const d = /<day>\s*(\d{1,2})\s*<\/day>/.exec(m[2])?.[1] ?? '1';
    return y ? { type, date: `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}` } : null;
  }).filter((x): x is { type: string; date: string } => x !== null);
  return (dates.find((d) => d.type === 'epub' || d.type === 'pub') ?? dates.find((d) => d.type === 'ppub') ?? dates[0])?.date ?? null;
}

export function questionResults(db: Database.Database, runId: number, rowOf: (q: ReviewedQuestion) => Record<string, any>, dates?: Map<string, string | null>): QuestionResult[] {
  const preds = db.prepare('SELECT * FROM eval_predictions WHERE run_id = ? ORDER BY question_id').all(runId) as Record<string, any>[];
  const judges = new Map((db.prepare('SELECT * FROM eval_judgements WHERE run_id = ?').all(runId) as Record<string, any>[]).map((j) => [j.question_id, j]));
  const rows = new Map<string, Record<string, any>>();
  const categories = new Map<string, string | null>();
  for (const q of reviewedQuestions(db, { draft: true })) {
    const row = rowOf(q);
    rows.set(q.id, row);
    // every track's draft carries the case's Orphanet category; the export row only for diagnosis
    categories.set(q.id, (q.row as { draft?: { category?: string } }).draft?.category ?? (row.category as string | undefined) ?? null);
  }
  return preds.map((p) => {
    const j = judges.get(p.question_id);
    const row = rows.get(p.question_id);
    return {
      id: p.question_id, track: p.track, pmcid: p.pmcid, case: p.case_no,
      category: categories.get(p.question_id) ?? row?.category ?? null, pub_date: dates?.get(p.pmcid) ?? null,
      status: p.status, answer: p.answer, level1: p.level1_json ? JSON.parse(p.level1_json) : null,
      judge: j ? { status: j.status, score: j.score, verdict: j.parsed_json ? JSON.parse(j.parsed_json) : null, raw: j.raw, prompt_version: j.prompt_version, asks: j.asks } : null,
    };
  });
}

/** Level 1 metric columns per track: name → value of one question (null: not applicable). */
export const LEVEL1_METRICS: Record<Track, [string, (l: any) => number | null][]> = {
  diagnosis: [
    ['token_f1', (l) => l.f1], ['exact_match', (l) => (l.exact ? 1 : 0)], ['orphanet_hit', (l) => (l.orpha_hit ? 1 : 0)],
    ['recall@1', (l) => l.differential?.recall['r@1'] ?? null], ['recall@3', (l) => l.differential?.recall['r@3'] ?? null],
    ['recall@5', (l) => l.differential?.recall['r@5'] ?? null], ['recall@10', (l) => l.differential?.recall['r@10'] ?? null],
    ['mrr', (l) => l.differential?.mrr ?? null],
  ],
  treatment: [['must_include_recall', (l) => l.recall], ['must_not_mentioned', (l) => l.must_not_hits.length]],
  'cross-image': [['relation_accuracy', (l) => (l.relation_correct ? 1 : 0)], ['claim_recall', (l) => l.claim_recall]],
  examination: [['key_test_recall', (l) => l.recall], ['must_not_mentioned', (l) => l.must_not_hits.length]],
};
/** The Level 1 metric a track is summarised by (charts, category and date splits). */
export const PRIMARY_LEVEL1: Record<Track, string> = { diagnosis: 'orphanet_hit', treatment: 'must_include_recall', 'cross-image': 'relation_accuracy', examination: 'key_test_recall' };

export interface ScoreOptions { seed?: number; iterations?: number; cutoff?: string | null }

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e6) / 1e6);
const ciRound = (c: [number, number] | null): [number, number] | null => (c ? [round(c[0])!, round(c[1])!] : null);

function metricOf(name: string, level: 1 | 2, xs: number[], o: ScoreOptions): Metric {
  return { name, level, value: round(mean(xs)), n: xs.length, ci: ciRound(bootstrapCi(xs, { seed: o.seed ?? 1, iterations: o.iterations ?? 1000 })) };
}

const primaryOf = (q: QuestionResult): number | null => {
  if (!q.level1) return null;
  const f = LEVEL1_METRICS[q.track].find(([n]) => n === PRIMARY_LEVEL1[q.track])![1];
  return f(q.level1);
};

export function scoreRun(run: RunInfo, results: QuestionResult[], o: ScoreOptions = {}): RunScores {
  const tracks: TrackScores[] = [];
  for (const t of TRACKS) {
    const qs = results.filter((q) => q.track === t);
    if (qs.length === 0) continue;
    const ok = qs.filter((q) => q.status === 'ok' && q.level1);
    const metrics: Metric[] = [];
    for (const [name, f] of LEVEL1_METRICS[t]) {
      const xs = ok.map((q) => f(q.level1)).filter((x): x is number => x !== null);
      if (xs.length || !name.startsWith('recall@') && name !== 'mrr') metrics.push(metricOf(name, 1, xs, o));
    }
    const judged = qs.filter((q) => q.judge?.status === 'ok' && q.judge.score !== null);
    if (run.judge_model) metrics.push(metricOf('rubric_score', 2, judged.map((q) => q.judge!.score!), o));
    tracks.push({
      track: t, questions: qs.length, answered: ok.length, failed: qs.length - ok.length, metrics,
      judge: { judged: judged.length, unparseable: qs.filter((q) => q.judge?.status === 'unparseable').length, failed: qs.filter((q) => q.judge?.status === 'failed').length },
    });
  }
  const cl = caseLevel(results.map((q) => ({ pmcid: q.pmcid, case: q.case, track: q.track, correct: q.status === 'ok' && !!q.level1?.correct })));
  const byCat = new Map<string, QuestionResult[]>();
  // a case's category is its diagnosis question's; the other tracks of the case inherit it
  const catOfCase = new Map(results.filter((q) => q.track === 'diagnosis' && q.category).map((q) => [`${q.pmcid}#${q.case}`, q.category!]));
  for (const q of results) {
    const c = q.category ?? catOfCase.get(`${q.pmcid}#${q.case}`) ?? '(unknown)';
    const k = JSON.stringify([q.track, c]);
    byCat.set(k, [...(byCat.get(k) ?? []), q]);
  }
  const split = (qs: QuestionResult[]) => TRACKS.map((t) => {
    const tq = qs.filter((q) => q.track === t);
    return { track: t, n: tq.length, level1: round(mean(tq.map(primaryOf).filter((x): x is number => x !== null))), level2: round(mean(tq.filter((q) => q.judge?.score != null).map((q) => q.judge!.score!))) };
  }).filter((x) => x.n > 0);
  const by_category = [...byCat.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, qs]) => {
    const [track, category] = JSON.parse(k) as [Track, string];
    const s = split(qs)[0];
    return { track, category, n: qs.length, level1: s.level1, level2: s.level2 };
  });
  let date_split: RunScores['date_split'] = null;
  if (o.cutoff) {
    const cut = o.cutoff;
    date_split = { cutoff: cut, before: split(results.filter((q) => q.pub_date !== null && q.pub_date < cut)), after: split(results.filter((q) => q.pub_date !== null && q.pub_date >= cut)), undated: results.filter((q) => q.pub_date === null).length };
  }
  return { run, tracks, case_level: { cases: cl.cases.length, right: cl.cases.filter((c) => c.right).length, accuracy: round(cl.accuracy) }, by_category, date_split };
}
