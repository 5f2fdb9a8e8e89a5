// A bucket-layout folder built at test time from chosen real case reports in ../shared/data, by the
// sample-corpus builder itself (so its placeholder figure cards are the ones `run --sample` makes).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSampleCorpus } from '../pipeline/fetch/sample-corpus.ts';
import { caseReportPath } from './shared-data.ts';

export async function buildSampleBucket(pmcids: readonly string[], out: string): Promise<string> {
  const src = mkdtempSync(join(tmpdir(), 'mmrare-src-'));
  try {
    for (const p of pmcids) copyFileSync(caseReportPath(p), join(src, `${p}.nxml`));
    return (await ensureSampleCorpus(src, out)).dir;
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}
