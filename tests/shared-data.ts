// Where tests find real third-party inputs: ../shared/data (or MMRARE_DATA_DIR), read at test time and
// never copied into the repository. A missing folder is a test failure with a clear message, not a skip.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const SHARED_DATA = resolve(process.env.MMRARE_DATA_DIR ?? join(REPO_ROOT, '..', 'shared', 'data'));

/** The absolute path of a file or folder under the shared data root; throws (fails the test) when absent. */
export function sharedPath(rel: string): string {
  const p = join(SHARED_DATA, rel);
  if (!existsSync(p)) {
    throw new Error(`test input missing: ${p}\n` +
      `The tests read real data from ../shared/data beside the project (or MMRARE_DATA_DIR). Put the shared folder there.`);
  }
  return p;
}

export const readShared = (rel: string): Buffer => readFileSync(sharedPath(rel));
export const readSharedText = (rel: string): string => readFileSync(sharedPath(rel), 'utf8');

/** The sorted file names in a shared folder that match a pattern. */
export function sharedFiles(rel: string, re: RegExp = /./): string[] {
  return readdirSync(sharedPath(rel)).filter((f) => re.test(f)).sort();
}

/** The JATS of one bundled case report: pmc/articles/<pmcid>.nxml. */
export const caseReportPath = (pmcid: string): string => sharedPath(`pmc/articles/${pmcid}.nxml`);

/**
 * A piece of real text located by file and character offset: the characters [start, end) of the file,
 * with XML tags removed, character references and the five XML entities decoded and whitespace collapsed. Tests use it to take
 * real sentences as inputs without quoting them in the repository.
 */
export function sharedSlice(rel: string, start: number, end: number): string {
  const raw = readSharedText(rel).slice(start, end);
  if (raw.length !== end - start) throw new Error(`${rel}: [${start}, ${end}) is outside the file`);
  return raw.replace(/<[^>]*>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16))).replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ').trim();
}

/** The dev labels (labels/diagnoses.tsv) as objects keyed by the header. */
export function devLabels(): Record<string, string>[] {
  const [head, ...rows] = readSharedText('labels/diagnoses.tsv').trim().split('\n').map((l) => l.split('\t'));
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}
