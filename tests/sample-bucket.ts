// A bucket-layout folder built at test time from real case reports in ../shared/data (through
// scripts/build-sample-corpus.ts, so its placeholder figure cards are the ones the sample corpus has).
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { caseReportPath } from './shared-data.ts';
import { REPO } from './helpers.ts';

export function buildSampleBucket(pmcids: readonly string[], out: string): string {
  const src = mkdtempSync(join(tmpdir(), 'mmrare-src-'));
  mkdirSync(src, { recursive: true });
  for (const p of pmcids) copyFileSync(caseReportPath(p), join(src, `${p}.nxml`));
  const b = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-sample-corpus.ts', '--src', src, '--out', out], { cwd: REPO, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build-sample-corpus failed: ${b.stderr}`);
  return out;
}
