// 1,000 replicated real case reports through 10 % 429, 5 % 5xx, 2 % resets, 2 % truncated bodies and
// 1 % wrong md5. To finish in CI time, server AND client budgets are raised to 200 E-utilities
// requests/s (api-key-like settings on loopback); the server still enforces its budget strictly and
// the check asserts no 1-second window ever exceeded it. Retries are capped at 3 attempts per request
// so that some articles do end up 'transient' and are completed by a later pass, as the runner would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReliabilityCheck } from '../../scripts/loopback-pmc/reliability.ts';
import { articleFiles, makeBucket } from './helpers.ts';

describe('reliability: 1,000 articles through faults', () => {
  let bucket: ReturnType<typeof makeBucket>;
  beforeAll(() => { bucket = makeBucket(articleFiles().map((file) => ({ file }))); });
  afterAll(() => bucket.cleanup());

  it('fetches 100 % (or records md5_mismatch), no duplicates, no corrupt bytes, budget never exceeded', async () => {
    const r = await runReliabilityCheck({
      dir: bucket.dir, replicate: 1000, rps: 200, seed: 20261125, maxPasses: 6, concurrency: 16, s3MissingXml: 0.05,
      faults: { http429: 0.10, http5xx: 0.05, reset: 0.02, truncate: 0.02, md5: 0.01 },
      maxAttempts: 3,
    });
    expect(r.articles).toBe(1000);
    expect(r.packaged + r.md5Drops).toBe(1000);
    expect(r.otherDrops).toEqual({});
    expect(r.pending).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.corrupt).toBe(0);
    expect(r.passes).toBeGreaterThan(1);                 // some loads were transient and finished in a later run
    expect(r.overBudget429s).toBe(0);
    expect(r.maxEutilsInAnySecond).toBeLessThanOrEqual(r.budget);
    for (const f of ['429', '5xx', 'reset', 'truncate', 'md5']) expect(r.faultsInjected[f]).toBeGreaterThan(0);
    expect(r.summaries[0].retries).toBeGreaterThan(500);
  }, 90_000);
});
