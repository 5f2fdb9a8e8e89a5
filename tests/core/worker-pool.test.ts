import { describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { createWorkerPool } from '../../pipeline/core/worker-pool.ts';

const MODULE = new URL('./fixtures/pool-tasks.ts', import.meta.url);

describe('worker pool', () => {
  it('runs exported functions off the main thread, in parallel across workers', async () => {
    const pool = createWorkerPool({ size: 2, perWorker: 1, module: MODULE });
    try {
      expect(await pool.run('add', [2, 3])).toBe(5);
      const t0 = Date.now();
      const out = await Promise.all([0, 1, 2, 3].map((i) => pool.run<{ v: number; thread: number }>('slowEcho', [i, 300])));
      const ms = Date.now() - t0;
      expect(out.map((o) => o.v)).toEqual([0, 1, 2, 3]); // results come back to their callers, in order of the calls
      const threads = new Set(out.map((o) => o.thread));
      expect(threads.size).toBe(2);
      expect(threads.has(threadId)).toBe(false);
      // 4 tasks of 300 ms on 2 workers one at a time: two rounds, not four
      expect(ms).toBeLessThan(1150);
      expect(ms).toBeGreaterThanOrEqual(590);
    } finally { await pool.close(); }
  });

  it('bytes cross both ways (a Buffer arrives as a Uint8Array)', async () => {
    const pool = createWorkerPool({ size: 1, module: MODULE });
    try {
      const back = await pool.run<Uint8Array>('bytesBack', [Buffer.from([0, 1, 254])]);
      expect([...back]).toEqual([255, 254, 1]);
    } finally { await pool.close(); }
  });

  it("a task's error rejects that task only, with the worker's message", async () => {
    const pool = createWorkerPool({ size: 1, module: MODULE });
    try {
      const [a, b] = await Promise.allSettled([pool.run('fail', ['bad input']), pool.run('add', [1, 1])]);
      expect(a.status).toBe('rejected');
      expect((a as PromiseRejectedResult).reason.message).toBe('bad input');
      expect(b).toEqual({ status: 'fulfilled', value: 2 });
      await expect(pool.run('nope', [])).rejects.toThrow(/no exported function nope/);
    } finally { await pool.close(); }
  });

  it('a worker that dies fails its tasks; the next task gets a new worker', async () => {
    const pool = createWorkerPool({ size: 1, perWorker: 2, module: MODULE });
    try {
      const results = await Promise.allSettled([pool.run('die', []), pool.run('slowEcho', ['x', 200])]);
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(String((results[0] as PromiseRejectedResult).reason.message)).toMatch(/exited with code 3/);
      expect(await pool.run('add', [4, 5])).toBe(9);
    } finally { await pool.close(); }
  });

  it('idle workers end, and a later task starts one again; close rejects what is queued', async () => {
    const pool = createWorkerPool({ size: 1, perWorker: 1, module: MODULE, idleMs: 100 });
    const first = await pool.run<{ thread: number }>('slowEcho', [1, 0]);
    await new Promise((r) => setTimeout(r, 400));
    const second = await pool.run<{ thread: number }>('slowEcho', [2, 0]);
    expect(second.thread).not.toBe(first.thread); // a new thread: the idle one ended
    const running = expect(pool.run('slowEcho', [3, 500])).rejects.toThrow(/closed/);
    const queued = expect(pool.run('add', [1, 2])).rejects.toThrow(/closed/);
    await pool.close();
    await running;
    await queued;
    await expect(pool.run('add', [1, 2])).rejects.toThrow(/closed/);
  });

  it('release ends idle workers at once (a busy one finishes its task); the pool stays usable', async () => {
    const pool = createWorkerPool({ size: 2, perWorker: 1, module: MODULE, idleMs: 60_000 });
    try {
      const idle = await pool.run<{ thread: number }>('slowEcho', [1, 0]);
      const busy = pool.run<{ v: number; thread: number }>('slowEcho', [2, 300]);
      const other = pool.run<{ v: number; thread: number }>('slowEcho', [3, 300]);
      await new Promise((r) => setTimeout(r, 50));
      await pool.release(); // both workers busy: nothing ends, and both tasks complete
      expect((await busy).v).toBe(2);
      expect((await other).v).toBe(3);
      await pool.release(); // now both are idle: they end without waiting the minute of idleMs
      const again = await pool.run<{ thread: number }>('slowEcho', [4, 0]);
      expect([idle.thread, (await busy).thread, (await other).thread]).not.toContain(again.thread);
    } finally { await pool.close(); }
  });
});
