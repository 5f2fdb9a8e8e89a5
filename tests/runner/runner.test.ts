import { describe, it, expect, afterEach } from 'vitest';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { pause, runStage, STOP_GRACE_MS } from '../../pipeline/runner/runner.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import type { Stage, StageContext, ItemResult } from '../../pipeline/runner/stage.ts';
import { hashOf } from '../../pipeline/core/hash.ts';
import { tempDir } from '../helpers.ts';

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });

function ctxFor(config = parseConfig({})): StageContext {
  const t = tempDir(); cleanups.push(t.cleanup);
  const store = new Store(t.dir);
  cleanups.unshift(() => store.close());
  const runId = Number(store.db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json) VALUES ('test', 'now', '{}', 'h', '{}')`).run().lastInsertRowid);
  return { store, config, runId, log: silentLogger };
}

/** A stage over words; its outputs are rows under the pseudo stage 'words-out' so the test can read them. */
function wordStage(words: () => string[], behaviour: (w: string, attempt: number) => ItemResult<string>): Stage<string, string> & { calls: string[] } {
  const calls: string[] = [];
  const attempts = new Map<string, number>();
  return {
    name: 'words', version: '1', reconcile: true, concurrency: 3, calls,
    configSlice: (c) => c.filter.maskToken,
    items: () => words().map((w) => ({ key: w, inputHash: hashOf(w), input: w })),
    async process(item) {
      calls.push(item.key);
      const n = (attempts.get(item.key) ?? 0) + 1;
      attempts.set(item.key, n);
      if (item.key === 'boom') throw new Error('a bug in the stage');
      return behaviour(item.key, n);
    },
    clear(ctx, key) { ctx.store.db.prepare('DELETE FROM attributes WHERE stage = ? AND item_key = ?').run('words-out', key); },
    write(ctx, item, out) {
      ctx.store.db.prepare(`INSERT INTO attributes (stage, item_key, name, value_json) VALUES ('words-out', ?, 'upper', ?)`).run(item.key, JSON.stringify(out));
      return hashOf(out);
    },
  };
}

const outputs = (ctx: StageContext) => ctx.store.db.prepare(`SELECT item_key, value_json FROM attributes WHERE stage = 'words-out' ORDER BY item_key`).all();

describe('runner', () => {
  it('records outputs, drops with reasons and transient failures; reruns do only what is left', async () => {
    const ctx = ctxFor();
    let flaky = true;
    const stage = wordStage(() => ['alpha', 'beta', 'gamma', 'delta'], (w) => {
      if (w === 'beta') return { kind: 'drop', reason: 'too_short', rule: 'words.length', detail: { len: 4 } };
      if (w === 'gamma' && flaky) return { kind: 'transient', error: 'HTTP 429' };
      return { kind: 'output', output: w.toUpperCase() };
    });
    const c1 = await runStage(stage, ctx);
    expect(c1).toMatchObject({ seen: 4, new: 4, kept: 2, pending: 1, dropped: { too_short: 1 } });
    expect(outputs(ctx)).toEqual([{ item_key: 'alpha', value_json: '"ALPHA"' }, { item_key: 'delta', value_json: '"DELTA"' }]);
    const drop = ctx.store.db.prepare(`SELECT action, reason_code, rule, detail_json FROM decisions WHERE item_key = 'beta'`).get();
    expect(drop).toEqual({ action: 'drop', reason_code: 'too_short', rule: 'words.length', detail_json: '{"len":4}' });
    // the transient item is pending, not done
    expect(ctx.store.db.prepare(`SELECT status, error FROM stage_progress WHERE item_key = 'gamma'`).get()).toEqual({ status: 'pending', error: 'HTTP 429' });

    flaky = false;
    stage.calls.length = 0;
    const c2 = await runStage(stage, ctx);
    expect(stage.calls).toEqual(['gamma']); // only the pending item is retried
    expect(c2).toMatchObject({ seen: 4, new: 1, skipped: 3, kept: 3, pending: 0, dropped: { too_short: 1 } });

    stage.calls.length = 0;
    const c3 = await runStage(stage, ctx);
    expect(stage.calls).toEqual([]);
    expect(c3.new).toBe(0);
  });

  it('a changed config slice or input re-runs the items and replaces their rows and decisions', async () => {
    const ctx = ctxFor();
    let words = ['one', 'two'];
    const stage = wordStage(() => words, (w) => (w === 'two' ? { kind: 'drop', reason: 'no_two', rule: 'r' } : { kind: 'output', output: w.toUpperCase() }));
    await runStage(stage, ctx);
    expect(ctx.store.db.prepare(`SELECT COUNT(*) FROM decisions WHERE item_key = 'two'`).pluck().get()).toBe(1);
    const ctx2 = { ...ctx, config: parseConfig({ filter: { maskToken: '[X]' } }) };
    stage.calls.length = 0;
    await runStage(stage, ctx2);
    expect(stage.calls.sort()).toEqual(['one', 'two']);
    // decisions were replaced, not duplicated
    expect(ctx.store.db.prepare(`SELECT COUNT(*) FROM decisions WHERE item_key = 'two'`).pluck().get()).toBe(1);
    // an item that is no longer listed has its outputs cleared (reconcile)
    words = ['two'];
    const c = await runStage(stage, ctx2);
    expect(c.orphaned).toBe(1);
    expect(outputs(ctx)).toEqual([]);
  });

  it('a throwing stage becomes an internal_error decision, and other items still finish', async () => {
    const ctx = ctxFor();
    const stage = wordStage(() => ['ok', 'boom', 'fine'], (w) => ({ kind: 'output', output: w }));
    const c = await runStage(stage, ctx);
    expect(c).toMatchObject({ kept: 2, dropped: { internal_error: 1 } });
    const d = ctx.store.db.prepare(`SELECT reason_code, detail_json FROM decisions WHERE item_key = 'boom'`).get() as { reason_code: string; detail_json: string };
    expect(d.reason_code).toBe('internal_error');
    expect(JSON.parse(d.detail_json).error).toContain('a bug in the stage');
  });

  it('an output that fails the stage\'s schema is a record_invalid drop with the failing paths', async () => {
    const ctx = ctxFor();
    const { z } = await import('zod');
    const stage = { ...wordStage(() => ['good', 'x'], (w) => ({ kind: 'output', output: w })), outputSchema: z.string().min(2) };
    const c = await runStage(stage, ctx);
    expect(c).toMatchObject({ kept: 1, dropped: { record_invalid: 1 } });
    const d = ctx.store.db.prepare(`SELECT rule, detail_json FROM decisions WHERE item_key = 'x'`).get() as { rule: string; detail_json: string };
    expect(d.rule).toBe('words.output_schema');
    expect(JSON.parse(d.detail_json).issues[0]).toMatch(/too small|>=2/i);
    expect(outputs(ctx)).toEqual([{ item_key: 'good', value_json: '"good"' }]);
  });

  it('a write that throws (a constraint the stage did not foresee) is an internal_error drop; the run goes on', async () => {
    const ctx = ctxFor();
    const base = wordStage(() => ['a', 'dup', 'b'], (w) => ({ kind: 'output', output: w }));
    const stage = {
      ...base,
      write(c: StageContext, item: Parameters<typeof base.write>[1], out: string) {
        const h = base.write(c, item, out);
        if (item.key === 'dup') base.write(c, item, out); // the same row twice: UNIQUE constraint
        return h;
      },
    };
    const c = await runStage(stage, ctx);
    expect(c).toMatchObject({ kept: 2, dropped: { internal_error: 1 } });
    const d = ctx.store.db.prepare(`SELECT rule, detail_json FROM decisions WHERE item_key = 'dup'`).get() as { rule: string; detail_json: string };
    expect(d.rule).toBe('words.write');
    expect(JSON.parse(d.detail_json).error).toMatch(/UNIQUE/);
    // the failed item's partial write was rolled back
    expect(outputs(ctx)).toEqual([{ item_key: 'a', value_json: '"a"' }, { item_key: 'b', value_json: '"b"' }]);
  });

  it('a transient failure keeps earlier good output of the item', async () => {
    const ctx = ctxFor();
    let mode: 'ok' | 'fail' = 'ok';
    let words = ['keep'];
    const stage = wordStage(() => words, (w) => (mode === 'ok' ? { kind: 'output', output: w } : { kind: 'transient', error: 'reset' }));
    await runStage(stage, ctx);
    mode = 'fail';
    words = ['keep'];
    const ctx2 = { ...ctx, config: parseConfig({ filter: { maskToken: '[Y]' } }) };
    await runStage(stage, ctx2);
    expect(outputs(ctx)).toEqual([{ item_key: 'keep', value_json: '"keep"' }]);
    expect(ctx.store.db.prepare(`SELECT status FROM stage_progress WHERE item_key = 'keep'`).pluck().get()).toBe('pending');
  });

  it('stops listing and scheduling when asked (Ctrl-C); the next run does the rest', async () => {
    const ctx = ctxFor();
    let processed = 0;
    const stage = wordStage(() => ['a', 'b', 'c', 'd', 'e', 'f'], (w) => { processed++; return { kind: 'output', output: w }; });
    const c = await runStage({ ...stage, concurrency: 1 }, ctx, { shouldStop: () => processed >= 2 });
    expect(c).toMatchObject({ new: 2, seen: 2, orphaned: 0 });
    const again = await runStage(stage, ctx);
    expect(again).toMatchObject({ new: 4, skipped: 2, kept: 6 });
  });

  it('on abort, nothing more is scheduled, an item done within the grace is committed and one outlasting it is left unwritten', async () => {
    const base = ctxFor();
    const ctl = new AbortController();
    const ctx = { ...base, signal: ctl.signal };
    const started: string[] = [];
    const stage: Stage<string, string> = {
      ...wordStage(() => [], () => ({ kind: 'output', output: '' })),
      concurrency: 2,
      items: () => ['slow', 'fast', 'steps', 'later'].map((w) => ({ key: w, inputHash: hashOf(w), input: w })),
      async process(item) {
        started.push(item.key);
        if (item.key === 'fast') { ctl.abort(); return { kind: 'output', output: 'fast' }; }
        await new Promise((r) => setTimeout(r, STOP_GRACE_MS + 300));
        return { kind: 'output', output: item.key };
      },
    };
    const t0 = performance.now();
    await runStage(stage, ctx);
    expect(performance.now() - t0).toBeLessThan(STOP_GRACE_MS + 250);
    expect(started).toEqual(['slow', 'fast']); // nothing is scheduled after the abort
    // 'fast' finished within the grace and was committed; 'slow' outlasted it and left nothing
    expect(base.store.db.prepare(`SELECT item_key, status FROM stage_progress ORDER BY item_key`).all()).toEqual([{ item_key: 'fast', status: 'done' }]);
    await new Promise((r) => setTimeout(r, 400)); // 'slow' resolves later: still nothing written
    expect(outputs(base)).toEqual([{ item_key: 'fast', value_json: '"fast"' }]);
    expect(base.store.db.prepare(`SELECT COUNT(*) FROM stage_progress`).pluck().get()).toBe(1);
  });

  it('pause throws once stopping, so a long item stops part-way without writing', async () => {
    const base = ctxFor();
    const ctl = new AbortController();
    const ctx = { ...base, signal: ctl.signal };
    let steps = 0;
    const stage: Stage<string, string> = {
      ...wordStage(() => [], () => ({ kind: 'output', output: '' })),
      concurrency: 1,
      items: () => [{ key: 'long', inputHash: 'h', input: 'long' }],
      async process() {
        for (let i = 0; i < 1000; i++) { steps++; if (i === 3) ctl.abort(); await pause(ctx); }
        return { kind: 'output', output: 'long' };
      },
    };
    await runStage(stage, ctx);
    expect(steps).toBe(4);
    expect(base.store.db.prepare(`SELECT COUNT(*) FROM stage_progress`).pluck().get()).toBe(0);
  });
});
