// Shared test fixtures: a bucket-layout folder built in a temp dir from the real case reports.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBucketFolder, type ArticleSpec } from '../../scripts/loopback-pmc/corpus.ts';

export const ARTICLES_DIR = '/work/shared/data/pmc/articles';

export function articleFiles(): string[] {
  return readdirSync(ARTICLES_DIR).filter((f) => f.endsWith('.nxml')).sort().map((f) => join(ARTICLES_DIR, f));
}

export function makeBucket(specs: ArticleSpec[]): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mmrare-bucket-'));
  writeBucketFolder(dir, specs);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
