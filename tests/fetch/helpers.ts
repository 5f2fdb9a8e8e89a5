// Shared test inputs: bucket-layout folders built in a temp dir from the real case reports (../shared/data).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBucketFolder, type ArticleSpec } from '../../scripts/loopback-pmc/corpus.ts';
import { sharedFiles, sharedPath } from '../shared-data.ts';

/** The real case reports' JATS files (../shared/data/pmc/articles/PMC<n>.nxml). */
export function articleFiles(): string[] {
  return sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).map((f) => sharedPath(`pmc/articles/${f}`));
}

export function makeBucket(specs: ArticleSpec[]): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mmrare-bucket-'));
  writeBucketFolder(dir, specs);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
