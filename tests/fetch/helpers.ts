// Shared test fixtures: a bucket-layout folder built in a temp dir from the real case reports.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBucketFolder, type ArticleSpec } from '../../scripts/loopback-pmc/corpus.ts';

// The real case reports, as committed in the bundled corpus (samples/pmc-oa-opendata/PMC<n>.1/PMC<n>.1.xml).
export const ARTICLES_DIR = new URL('../../samples/pmc-oa-opendata', import.meta.url).pathname;

export function articleFiles(): string[] {
  return readdirSync(ARTICLES_DIR).filter((d) => /^PMC\d+\.\d+$/.test(d)).sort().map((d) => join(ARTICLES_DIR, d, `${d}.xml`));
}

export function makeBucket(specs: ArticleSpec[]): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mmrare-bucket-'));
  writeBucketFolder(dir, specs);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
