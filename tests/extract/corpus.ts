// Where the tests find real JATS: the bundled corpus (samples/pmc-oa-opendata/PMC<n>.1/PMC<n>.1.xml),
// else the shared data folder; no test touches the network.
import { existsSync, readFileSync, readdirSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url).pathname;
const SAMPLES = `${ROOT}samples/pmc-oa-opendata/`;
const SHARED = `${ROOT}../shared/data/pmc/`;

export function articlePath(pmcid: string): string {
  const s = `${SAMPLES}${pmcid}.1/${pmcid}.1.xml`;
  if (existsSync(s)) return s;
  const f = `${ROOT}tests/fixtures/extract/jats/${pmcid}.xml`;
  if (existsSync(f)) return f;
  return `${SHARED}articles/${pmcid}.nxml`;
}

export function readArticle(pmcid: string): Buffer {
  return readFileSync(articlePath(pmcid));
}

/** The 48 case reports' ids. */
export function casePmcids(): string[] {
  if (existsSync(SAMPLES)) {
    const ids = readdirSync(SAMPLES).filter((d) => /^PMC\d+\.1$/.test(d)).map((d) => d.replace(/\.1$/, ''));
    if (ids.length) return ids.sort();
  }
  return readdirSync(`${SHARED}articles`).filter((f) => f.endsWith('.nxml')).map((f) => f.replace('.nxml', '')).sort();
}

/** Non-case JATS (research, review, eLife) for robustness, when the shared folder is present. */
export function otherJatsPaths(): string[] {
  const out: string[] = [];
  const d = `${SHARED}articles-other/`;
  if (existsSync(d)) out.push(...readdirSync(d).filter((f) => f.endsWith('.nxml')).sort().map((f) => d + f));
  const e = `${SHARED}images/elife-30274-v1/main.jats.xml`;
  if (existsSync(e)) out.push(e);
  return out;
}
