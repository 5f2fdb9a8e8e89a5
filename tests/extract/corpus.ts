// Where the tests find real JATS: the case reports in ../shared/data/pmc/articles and the non-case
// articles in ../shared/data/pmc/articles-other (plus the eLife article with sub-articles in pmc/images).
import { readFileSync } from 'node:fs';
import { caseReportPath, sharedFiles, sharedPath } from '../shared-data.ts';

export const articlePath = caseReportPath;

export function readArticle(pmcid: string): Buffer {
  return readFileSync(articlePath(pmcid));
}

/** The 48 case reports' ids. */
export function casePmcids(): string[] {
  return sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).map((f) => f.replace(/\.nxml$/, ''));
}

/** Non-case JATS (research, review, correction, eLife with sub-articles) for robustness tests. */
export function otherJatsPaths(): string[] {
  const other = sharedFiles('pmc/articles-other', /\.nxml$/).map((f) => sharedPath(`pmc/articles-other/${f}`));
  const elife = [sharedPath('pmc/images/elife-30274-v1/main.jats.xml')];
  return [...other, ...elife].sort();
}
