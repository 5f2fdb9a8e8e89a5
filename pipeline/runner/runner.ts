// Runs one stage over its items: skips items already done with the same input and config
// hashes, processes the rest with bounded concurrency, and commits each item's writes in one
// transaction, so a crash (even SIGKILL) loses at most the items in flight.
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from './stage.ts';
import { hashOf, byCodeUnit } from '../core/hash.ts';
import { packAttribute } from '../../db/packed-json.ts';
import { ProgressLine } from './progress.ts';

export interface StageCounts {
  stage: string;
  seen: number;       // items listed this run
  new: number;        // items processed this run (not skipped)
  skipped: number;    // already done with the same hashes
  kept: number;       // items whose current status is done
  pending: number;    // transient failures, retried next run
  dropped: Record<string, number>;
  orphaned: number;   // outputs cleared because the upstream item is gone
  ms: number;
}

interface ProgressRow { input_hash: string; config_hash: string; status: string; attempts: number; reason: string | null }

export function stageConfigHash(stage: Stage<unknown, unknown>, ctx: StageContext): string {
  return hashOf(stage.name, stage.version, stage.configSlice(ctx.config) ?? null);
}

export interface RunStageOptions {
  /** Checked before each new item is started: Ctrl-C stops scheduling, in-flight items finish. */
  shouldStop?: () => boolean;
}

/**
 * Ctrl-C: how long the items already in flight get to finish and commit. An item still running after
 * that is abandoned: nothing of it is written (its transaction never starts), and the next run does it.
 */
export const STOP_GRACE_MS = 400;

/** Thrown by `pause` once the run is stopping; the runner leaves the item for the next run. */
export class StopRequested extends Error {
  constructor() { super('stop requested (Ctrl-C)'); this.name = 'StopRequested'; }
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Yields to the event loop, so a Ctrl-C (a signal is a macrotask) is seen inside a long item; throws
 * StopRequested once the run is stopping. Stages with long synchronous steps await it between them.
 */
export async function pause(ctx: Pick<StageContext, 'signal' | 'heap'>): Promise<void> {
  ctx.heap?.check(); // a long item (a whole export track) keeps the heap bounded too
  await nextTurn();
  if (ctx.signal?.aborted) throw new StopRequested();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Test-only hook (docs/architecture.md): MMRARE_TEST_SLOW_STAGE=<stage>:<ms> (or *:<ms>) makes each item
 * of that stage wait <ms> before it is processed (an abortable timer), so a test can signal the process
 * while the stage is part-way through. Never set it outside tests.
 */
function testDelayMs(stage: string): number {
  const v = process.env.MMRARE_TEST_SLOW_STAGE;
  if (!v) return 0;
  for (const part of v.split(',')) {
    const [name, ms] = part.split(':');
    if (name === stage || name === '*') return Number(ms) || 0;
  }
  return 0;
}

export async function runStage<I, O>(stage: Stage<I, O>, ctx: StageContext, opts: RunStageOptions = {}): Promise<StageCounts> {
  const t0 = Date.now();
  const cfgHash = stageConfigHash(stage as Stage<unknown, unknown>, ctx);
  const counts: StageCounts = { stage: stage.name, seen: 0, new: 0, skipped: 0, kept: 0, pending: 0, dropped: {}, orphaned: 0, ms: 0 };
  const getProgress = ctx.store.stmt('SELECT input_hash, config_hash, status, attempts, reason FROM stage_progress WHERE stage = ? AND item_key = ?');
  const listed = new Set<string>();
  const concurrency = Math.max(1, stage.concurrency ?? 1);
  const inFlight = new Set<Promise<void>>();
  const rawItems = stage.items(ctx);
  const progress = new ProgressLine(stage.name, Array.isArray(rawItems) ? rawItems.length : undefined, process.stderr, !stage.ownProgress);

  const tally = (status: string, reason: string | null): void => {
    if (status === 'done') counts.kept++;
    else if (status === 'pending') counts.pending++;
    else if (status === 'dropped') counts.dropped[reason ?? 'unknown'] = (counts.dropped[reason ?? 'unknown'] ?? 0) + 1;
  };

  const stopping = (): boolean => Boolean(ctx.signal?.aborted || opts.shouldStop?.());
  // resolves on Ctrl-C, so waiting for an item slot never outlasts the stop
  const stopped = new Promise<void>((r) => { if (ctx.signal?.aborted) r(); else ctx.signal?.addEventListener('abort', () => r(), { once: true }); });
  const delay = testDelayMs(stage.name);
  let abandoned = false;

  const handle = async (item: StageItem<I>, attempts: number): Promise<void> => {
    if (delay) await sleep(delay, ctx.signal);
    if (abandoned || ctx.signal?.aborted) return; // stopping before it started: the next run does it
    let result: ItemResult<O>;
    try {
      result = await stage.process(item, ctx);
    } catch (err) {
      if (err instanceof StopRequested) return; // stopped part-way (pause): nothing written, the next run does it
      // A bug in a stage must not stop the run or lose other items: it becomes a recorded drop.
      ctx.log.debug(`${stage.name} ${item.key}: ${(err as Error).stack ?? err}`);
      result = { kind: 'drop', reason: 'internal_error', rule: `${stage.name}.process`, detail: { error: String((err as Error)?.message ?? err) } };
    }
    if (result.kind === 'output' && stage.outputSchema) {
      const check = stage.outputSchema.safeParse(result.output);
      if (!check.success) {
        result = { kind: 'drop', reason: 'record_invalid', rule: `${stage.name}.output_schema`, decisions: result.decisions,
          detail: { issues: check.error.issues.slice(0, 8).map((i) => `${i.path.join('.')}: ${i.message}`) } };
      }
    }
    // the stop's grace ran out while this item was running: it is left, unwritten, for the next run
    if (abandoned) return;
    let status: string;
    try {
      status = commit(stage, ctx, cfgHash, item, result, attempts);
    } catch (err) {
      // A write that fails (a constraint the stage did not foresee) is recorded like a bug in process:
      // the item is dropped with the error, its transaction rolled back, and the run goes on.
      ctx.log.debug(`${stage.name} ${item.key}: write failed: ${(err as Error).stack ?? err}`);
      result = { kind: 'drop', reason: 'internal_error', rule: `${stage.name}.write`, detail: { error: String((err as Error)?.message ?? err) } };
      status = commit(stage, ctx, cfgHash, item, result, attempts);
    }
    tally(status, result.kind === 'drop' ? result.reason : null);
    progress.tick(`${item.key}`);
  };

  // Between items the loop yields to the event loop at least every few ms: an item list and stages that
  // never wait on I/O would otherwise run only on microtasks, and a Ctrl-C would be seen after the stage.
  let lastTurn = performance.now();
  for await (const item of rawItems) {
    if (performance.now() - lastTurn > 8) { await nextTurn(); lastTurn = performance.now(); }
    if (stopping()) break; // Ctrl-C: stop listing too (a remote source pages and lists lazily)
    if (listed.has(item.key)) continue; // a source listing the same key twice must not double-process it
    listed.add(item.key);
    counts.seen++;
    const prev = getProgress.get(stage.name, item.key) as ProgressRow | undefined;
    if (prev && prev.status !== 'pending' && prev.input_hash === item.inputHash && prev.config_hash === cfgHash) {
      counts.skipped++;
      tally(prev.status, prev.reason);
      progress.tick(item.key);
      continue;
    }
    counts.new++;
    ctx.heap?.check();
    const p = handle(item, (prev?.attempts ?? 0) + 1).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= concurrency) await Promise.race([...inFlight, stopped]);
    await nextTurn();
    lastTurn = performance.now();
  }
  if (stopping()) {
    // Ctrl-C: the items in flight get STOP_GRACE_MS to finish and commit; the rest are abandoned
    await Promise.race([Promise.all(inFlight), sleep(STOP_GRACE_MS)]);
    abandoned = true;
  } else {
    await Promise.all(inFlight);
  }
  await stage.finish?.(ctx);
  progress.done();

  if (stage.reconcile && !stopping()) counts.orphaned = reconcile(stage, ctx, listed);
  counts.ms = Date.now() - t0;
  return counts;
}

function commit<I, O>(stage: Stage<I, O>, ctx: StageContext, cfgHash: string, item: StageItem<I>, result: ItemResult<O>, attempts: number): string {
  const now = new Date().toISOString();
  const upsert = ctx.store.stmt(`INSERT INTO stage_progress
      (stage, item_key, input_hash, config_hash, stage_version, status, output_hash, reason, error, attempts, run_id, updated_at)
      VALUES (@stage, @key, @input, @cfg, @version, @status, @out, @reason, @error, @attempts, @run, @now)
    ON CONFLICT (stage, item_key) DO UPDATE SET input_hash = excluded.input_hash, config_hash = excluded.config_hash,
      stage_version = excluded.stage_version, status = excluded.status, output_hash = excluded.output_hash,
      reason = excluded.reason, error = excluded.error, attempts = excluded.attempts, run_id = excluded.run_id,
      updated_at = excluded.updated_at`);
  const base = { stage: stage.name, key: item.key, version: stage.version, run: ctx.runId, now, attempts };

  if (result.kind === 'transient') {
    // Keep whatever is stored: a transient failure never removes earlier good work.
    ctx.store.tx(() => {
      const prev = ctx.store.stmt('SELECT input_hash, output_hash FROM stage_progress WHERE stage = ? AND item_key = ?')
        .get(stage.name, item.key) as { input_hash: string; output_hash: string | null } | undefined;
      upsert.run({ ...base, input: prev?.input_hash ?? item.inputHash, cfg: cfgHash, status: 'pending', out: prev?.output_hash ?? null, reason: null, error: result.error.slice(0, 2000) });
    });
    ctx.log.debug(`${stage.name} ${item.key}: transient: ${result.error}`);
    return 'pending';
  }

  ctx.store.tx(() => {
    clearItem(stage, ctx, item.key);
    const decisions: DecisionInput[] = [...(result.decisions ?? [])];
    let outHash: string | null = null;
    if (result.kind === 'output') {
      outHash = stage.write(ctx, item, result.output);
    } else {
      decisions.unshift({ action: 'drop', reason: result.reason, rule: result.rule, pmcid: item.pmcid ?? null, detail: result.detail ?? {} });
    }
    insertDecisions(ctx, stage, cfgHash, item, decisions, now);
    const putAttr = ctx.store.stmt('INSERT INTO attributes (stage, item_key, name, value_json) VALUES (?, ?, ?, ?)');
    for (const [name, value] of Object.entries(result.attributes ?? {}).sort(([a], [b]) => byCodeUnit(a, b))) {
      putAttr.run(stage.name, item.key, name, packAttribute(JSON.stringify(value))); // long values packed: db/packed-json.ts
    }
    upsert.run({ ...base, input: item.inputHash, cfg: cfgHash, status: result.kind === 'output' ? 'done' : 'dropped', out: outHash, reason: result.kind === 'drop' ? result.reason : null, error: null });
  });
  return result.kind === 'output' ? 'done' : 'dropped';
}

function insertDecisions<I, O>(ctx: StageContext, stage: Stage<I, O>, cfgHash: string, item: StageItem<I>, decisions: DecisionInput[], now: string): void {
  const ins = ctx.store.stmt(`INSERT INTO decisions
    (run_id, stage, stage_version, config_hash, item_key, pmcid, question_id, action, reason_code, rule, field, span_start, span_end, matched_text, detail_json, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const d of decisions) {
    ins.run(ctx.runId, stage.name, stage.version, cfgHash, item.key, d.pmcid ?? item.pmcid ?? null, d.questionId ?? null,
      d.action, d.reason, d.rule, d.field ?? null, d.span?.[0] ?? null, d.span?.[1] ?? null, d.matchedText ?? null,
      JSON.stringify(d.detail ?? {}), now);
  }
}

/** Removes the stage's rows, decisions and attributes for one item (inside the caller's transaction). */
function clearItem<I, O>(stage: Stage<I, O>, ctx: StageContext, key: string): void {
  stage.clear(ctx, key);
  ctx.store.stmt('DELETE FROM decisions WHERE stage = ? AND item_key = ?').run(stage.name, key);
  ctx.store.stmt('DELETE FROM attributes WHERE stage = ? AND item_key = ?').run(stage.name, key);
}

function reconcile<I, O>(stage: Stage<I, O>, ctx: StageContext, listed: Set<string>): number {
  const keys = (ctx.store.stmt('SELECT item_key FROM stage_progress WHERE stage = ?').all(stage.name) as { item_key: string }[])
    .map((r) => r.item_key).filter((k) => !listed.has(k));
  for (const key of keys) {
    ctx.store.tx(() => {
      clearItem(stage, ctx, key);
      ctx.store.stmt('DELETE FROM stage_progress WHERE stage = ? AND item_key = ?').run(stage.name, key);
    });
  }
  return keys.length;
}

/**
 * The output hash an upstream stage recorded for each item: downstream input hashes build on it.
 * An item whose retry is pending still has its earlier good output, so it stays listed: a network
 * blip upstream must not clear finished downstream work.
 */
export function upstreamOutputs(ctx: StageContext, stage: string): Map<string, string> {
  const rows = ctx.store.stmt(`SELECT item_key, output_hash FROM stage_progress
      WHERE stage = ? AND (status = 'done' OR (status = 'pending' AND output_hash IS NOT NULL)) ORDER BY item_key`)
    .all(stage) as { item_key: string; output_hash: string }[];
  return new Map(rows.map((r) => [r.item_key, r.output_hash]));
}
