// The fault run through the real fetch stage and store (scripts/bench/faults.ts runs it at 1,000
// articles): every article stored after reruns, none pending, every blob and stored file verified
// against its hash and the bucket's bytes, the E-utilities budget never exceeded.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runStoreFaultRun } from '../../scripts/loopback-pmc/reliability.ts';
import { writeBucketFolder } from '../../scripts/loopback-pmc/corpus.ts';
import { caseReportPath, sharedFiles } from '../shared-data.ts';
import { tempDir } from '../helpers.ts';

describe('fault run through the store', () => {
  it('300 articles through 429/5xx/resets/truncation/wrong md5/silence: all stored, all verified', async () => {
    const t = tempDir('mmrare-faultrun-');
    try {
      const bucket = join(t.dir, 'bucket');
      writeBucketFolder(bucket, sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).map((f) => ({ file: caseReportPath(f.replace('.nxml', '')) })));
      const r = await runStoreFaultRun({
        dir: bucket, workdir: join(t.dir, 'work'), replicate: 300, rps: 200, seed: 7, maxPasses: 8, maxAttempts: 3, s3MissingXml: 0.05,
        faults: { http429: 0.10, http5xx: 0.05, reset: 0.02, truncate: 0.02, md5: 0.01, hang: 0.002 }, headersTimeoutMs: 1_000,
      });
      expect(r.articles).toBe(300);
      expect(r.stored + r.md5Drops).toBe(300);
      expect(r.otherDrops).toEqual({});
      expect(r.pending).toBe(0);
      expect(r.reruns).toBeGreaterThan(0);
      for (const f of ['429', '5xx', 'reset', 'truncate', 'md5']) expect(r.faultsInjected[f], f).toBeGreaterThan(0);
      expect(r.blobsCorrupt).toBe(0);
      expect(r.blobsVerified).toBeGreaterThan(300);
      expect(r.filesChecked).toBeGreaterThanOrEqual(r.stored * 2);
      expect(r.servedMismatch).toBe(0);
      expect(r.overBudget429s).toBe(0);
      expect(r.maxEutilsInAnySecond).toBeLessThanOrEqual(r.budget);
      // the summary counts every S3 attempt the server saw, resets included
      expect(r.summaries.reduce((n, s) => n + s.s3Requests, 0)).toBe(r.requests.s3);
    } finally { t.cleanup(); }
  }, 120_000);
});
