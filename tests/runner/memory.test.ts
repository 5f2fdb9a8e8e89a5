import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import { HeapGuard, inUse, reclaim } from '../../pipeline/runner/memory.ts';

const MB = 1024 * 1024;

describe('heap guard', () => {
  it('reclaim runs a full collection: garbage just dropped is gone from the heap in use', () => {
    let junk: number[][] | null = Array.from({ length: 200 }, () => Array.from({ length: 5000 }, (_, i) => i * 1.5));
    const withJunk = v8.getHeapStatistics().used_heap_size;
    expect(junk.length).toBe(200);
    junk = null;
    const after = reclaim();
    expect(withJunk - after).toBeGreaterThan(5 * MB); // 10^6 doubles held, then freed
  });

  it('the memory in use counts Buffers, whose bytes live outside the heap', () => {
    const before = reclaim();
    let blob: Buffer | null = Buffer.alloc(32 * MB, 1);
    const held = inUse();
    expect(held - before).toBeGreaterThan(30 * MB);
    expect(v8.getHeapStatistics().used_heap_size - before).toBeLessThan(30 * MB); // the heap alone does not see them
    expect(blob[0]).toBe(1);
    blob = null;
    reclaim(); // its bytes are freed by the sweep this collection starts, at the next one at the latest
    expect(held - reclaim()).toBeGreaterThan(30 * MB);
  });

  it('collects only when the heap has outgrown live × factor and live + slack, and at most once per interval', () => {
    let used = 100 * MB;
    let t = 0;
    const collected: number[] = [];
    const g = new HeapGuard({ factor: 1.5, slackBytes: 64 * MB, everyMs: 100, used: () => used, now: () => t,
      collect: () => { collected.push(used); used = 110 * MB; return used; } });
    used = 160 * MB; t = 1000; g.check();            // over 1.5 × 100 but not over 100 + 64
    expect(g.collections).toBe(0);
    used = 170 * MB; t = 1050; g.check();            // over both, but the last check was 50 ms ago
    expect(g.collections).toBe(0);
    t = 1200; g.check();                             // due now: collects; live is 110 MB after it
    expect(collected).toEqual([170 * MB]);
    used = 170 * MB; t = 1400; g.check();            // bound is now max(165, 174) MB
    expect(g.collections).toBe(1);
    used = 175 * MB; t = 1600; g.check();
    expect(g.collections).toBe(2);
    g.reset(20 * MB); used = 90 * MB; t = 1800; g.check(); // small heaps: the slack decides (20 + 64 < 90)
    expect(g.collections).toBe(3);
  });
});
