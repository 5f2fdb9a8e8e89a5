// Where the tests find real JATS: the bundled corpus (samples/pmc-oa-opendata/PMC<n>.1/PMC<n>.1.xml) and
// tests/fixtures/jats-other/ — both committed; no test reads outside the repository or touches the network.
import { readFileSync, readdirSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url).pathname;
const SAMPLES = `${ROOT}samples/pmc-oa-opendata/`;

export function articlePath(pmcid: string): string {
  return `${SAMPLES}${pmcid}.1/${pmcid}.1.xml`;
}

export function readArticle(pmcid: string): Buffer {
  return readFileSync(articlePath(pmcid));
}

/** The 48 case reports' ids. */
export function casePmcids(): string[] {
  return readdirSync(SAMPLES).filter((d) => /^PMC\d+\.1$/.test(d)).map((d) => d.replace(/\.1$/, '')).sort();
}

/** Non-case JATS (research, review, correction, eLife with sub-articles), committed for robustness tests. */
export function otherJatsPaths(): string[] {
  const d = `${ROOT}tests/fixtures/jats-other/`;
  return readdirSync(d).filter((f) => f.endsWith('.nxml') || f.endsWith('.jats.xml')).sort().map((f) => d + f);
}
