import { articleFiles, makeBucket } from '../../tests/fetch/helpers.ts';
import { runReliabilityCheck } from '../loopback-pmc/reliability.ts';
const b = makeBucket(articleFiles().map(file => ({ file })));
for (const seed of [1, 2, 20261125]) {
  const r = await runReliabilityCheck({ dir: b.dir, replicate: 1000, rps: 200, seed, maxPasses: 6, concurrency: 16, s3MissingXml: 0.05,
    faults: { http429: 0.10, http5xx: 0.05, reset: 0.02, truncate: 0.02, md5: 0.01 }, maxAttempts: 3 });
  const { summaries, ...rest } = r;
  console.log(seed, JSON.stringify(rest), 'retries', summaries.map(s => s.retries), 'transient', summaries.map(s => s.transient), 'ncbi', summaries.map(s=>s.ncbiRequests));
}
b.cleanup();
