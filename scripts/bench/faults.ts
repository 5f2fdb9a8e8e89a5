// The project's fault run: replicated real case reports (../shared/data/pmc/articles) fetched by the real
// fetch stage into a real store through the loopback PMC server's injected faults, in passes like
// reruns of `mmrare fetch`; then every blob and every stored file is verified. Prints the report
// (requests, faults injected, reruns needed, items pending, blobs verified).
//   npx tsx scripts/bench/faults.ts [--articles 1000] [--seed 20261125] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeBucketFolder } from '../loopback-pmc/corpus.ts';
import { runStoreFaultRun } from '../loopback-pmc/reliability.ts';

const { values } = parseArgs({ options: {
  articles: { type: 'string', default: '1000' }, seed: { type: 'string', default: '20261125' },
  src: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
} });
if (values.help) {
  process.stdout.write('Usage: npx tsx scripts/bench/faults.ts [--articles 1000] [--seed N] [--src DIR of .nxml] [--json]\n' +
    'Example: npx tsx scripts/bench/faults.ts --articles 1000 --json\n');
  process.exit(0);
}
const root = resolve(fileURLToPath(import.meta.url), '../../..');
const src = resolve(values.src ?? join(root, '..', 'shared', 'data', 'pmc', 'articles'));
const tmp = mkdtempSync(join(tmpdir(), 'mmrare-faults-'));
// The faults of the issue's trial: E-utilities 10 % 429 + 5 % 5xx; S3 5 % 503 SlowDown, 2 % resets,
// 2 % truncated bodies; plus 1 % wrong md5, 0.2 % requests never answered, 5 % XML only via efetch.
export const FAULTS = { http429: 0.10, http5xx: 0.05, reset: 0.02, truncate: 0.02, md5: 0.01, hang: 0.002 };
try {
  const bucket = join(tmp, 'bucket');
  writeBucketFolder(bucket, readdirSync(src).filter((f) => f.endsWith('.nxml')).sort().map((f) => ({ file: join(src, f) })));
  const r = await runStoreFaultRun({
    dir: bucket, workdir: join(tmp, 'work'), replicate: Number(values.articles), rps: 200, seed: Number(values.seed),
    maxPasses: 8, maxAttempts: 3, s3MissingXml: 0.05, faults: FAULTS, headersTimeoutMs: 1_000,
  });
  if (values.json) process.stdout.write(JSON.stringify({ ...r, summaries: undefined }, null, 2) + '\n');
  else {
    process.stdout.write([
      `fault run: ${r.articles} articles, seed ${values.seed}, ${(r.elapsedMs / 1000).toFixed(1)} s`,
      `requests: ${r.requests.total} (E-utilities ${r.requests.eutils}, S3 ${r.requests.s3})`,
      `faults injected: ${r.faultsTotal} (${Object.entries(r.faultsInjected).sort().map(([k, v]) => `${k} ${v}`).join(', ')})`,
      `reruns needed: ${r.reruns} (passes ${r.passes})`,
      `items pending: ${r.pending}`,
      `stored: ${r.stored}; md5_mismatch drops: ${r.md5Drops}; other drops: ${JSON.stringify(r.otherDrops)}`,
      `blobs verified: ${r.blobsVerified} (corrupt ${r.blobsCorrupt}); stored files compared with the bucket: ${r.filesChecked}, differing: ${r.servedMismatch}`,
      `budget: max ${r.maxEutilsInAnySecond} E-utilities requests in any second (budget ${r.budget}); over-budget 429s ${r.overBudget429s}`,
    ].join('\n') + '\n');
  }
  if (r.pending || r.blobsCorrupt || r.servedMismatch || r.overBudget429s || r.stored + r.md5Drops !== r.articles) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
