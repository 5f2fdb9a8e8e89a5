// Where the third-party data lives: the sample corpus, the Orphanet release, the open lexicons. None of it
// is in the repository; it is read at run time from one data root (flag > env > config > ../shared/data
// beside the project), each location a fixed sub-path of that root that the config can override one by one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from './errors.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DATA_DIR = resolve(PROJECT_ROOT, '..', 'shared', 'data');
export const DATA_DIR_ENV = 'MMRARE_DATA_DIR';

/** The fixed sub-paths of the data root. */
export const DATA_SUBPATHS = {
  articles: 'pmc/articles',                          // JATS case reports: the sample corpus
  orphanet: 'orphanet/orphapackets',                 // ORPHApackets_json_<date>.tar.gz (the newest is used)
  mondo: 'orphanet/mondo_sssom',                     // Mondo SSSOM exact-match sets (xrefs)
  lexicons: 'lexicons',                              // drug, procedure and test vocabularies
  labels: 'labels',                                  // hand labels of the sample corpus (dev set)
  europepmc: 'ncbi-responses/europepmc/eupmc_result_records', // Europe PMC records of the sample corpus (pmid, dates)
} as const;
export type DataLocationName = keyof typeof DATA_SUBPATHS;

/** The config's say: a root, and any location given on its own. */
export interface DataConfig { dataDir?: string | null; data?: Partial<Record<DataLocationName | 'lexicon', string | null>> }

export interface DataLocations {
  root: string;
  rootFrom: 'flag' | 'env' | 'config' | 'default';
  paths: Record<DataLocationName, string>;
  /** Locations the user set one by one (config `data.<name>`), and a compiled lexicon file when given. */
  explicit: Set<DataLocationName>;
  lexiconFile: string | null;
}

/** How to get each location when it is missing (shown in the error). */
const HOW_TO_GET: Record<DataLocationName, string> = {
  articles: 'put the JATS case reports (PMC<n>.nxml) there, or run on your own folder with `mmrare run --from-dir DIR` (PMC bucket layout)',
  orphanet: 'download the Orphadata ORPHApackets release (https://www.orphadata.com/ → "ORPHApackets", JSON, ORPHApackets_json_<date>.tar.gz) ' +
    'and run `mmrare ontology import FILE.tar.gz`, or place the file in that folder',
  mondo: 'download the Mondo SSSOM exact-match mappings (https://github.com/monarch-initiative/mondo, mappings/*.sssom.tsv) into that folder ' +
    '(optional for the lexicon: without them it has no MeSH/UMLS/ICD-10 cross-references)',
  lexicons: 'put the open drug/procedure/test vocabularies there (see docs/data.md for the list and where each comes from)',
  labels: 'put the dev labels (diagnoses.tsv) there (see docs/data.md)',
  europepmc: 'put the Europe PMC search-result records (<PMCID>.json) there (optional: they only add PMIDs to the sample corpus)',
};

const rel = (base: string, p: string): string => (isAbsolute(p) ? p : resolve(base, p));

/**
 * Resolves the data root and every location: `--data-dir` > $MMRARE_DATA_DIR > config `dataDir` >
 * ../shared/data beside the project; config `data.<name>` replaces one location (relative paths are
 * taken from the current folder). Nothing is checked here: `requireLocation` says what is missing.
 */
export function resolveDataLocations(opts: { flag?: string | null; env?: NodeJS.ProcessEnv; config?: DataConfig; cwd?: string } = {}): DataLocations {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  let root: string;
  let rootFrom: DataLocations['rootFrom'];
  if (opts.flag) { root = rel(cwd, opts.flag); rootFrom = 'flag'; }
  else if (env[DATA_DIR_ENV]) { root = rel(cwd, env[DATA_DIR_ENV]!); rootFrom = 'env'; }
  else if (opts.config?.dataDir) { root = rel(cwd, opts.config.dataDir); rootFrom = 'config'; }
  else { root = DEFAULT_DATA_DIR; rootFrom = 'default'; }
  const explicit = new Set<DataLocationName>();
  const paths = {} as Record<DataLocationName, string>;
  for (const name of Object.keys(DATA_SUBPATHS) as DataLocationName[]) {
    const own = opts.config?.data?.[name];
    if (own) { paths[name] = rel(cwd, own); explicit.add(name); } else paths[name] = join(root, DATA_SUBPATHS[name]);
  }
  const lexiconFile = opts.config?.data?.lexicon ? rel(cwd, opts.config.data.lexicon) : null;
  return { root, rootFrom, paths, explicit, lexiconFile };
}

function describeRoot(loc: DataLocations): string {
  const how = { flag: 'given by --data-dir', env: `from $${DATA_DIR_ENV}`, config: 'from the config\'s "dataDir"', default: 'the default: ../shared/data beside the project' }[loc.rootFrom];
  return `data dir ${loc.root} (${how}; set another with --data-dir DIR, $${DATA_DIR_ENV} or "dataDir" in the config)`;
}

/** The error for a missing location: what is missing, where it was looked for, and how to get it. */
export function missingData(loc: DataLocations, name: DataLocationName, what: string): DataError {
  const where = loc.explicit.has(name) ? `config "data.${name}" = ${loc.paths[name]}` : describeRoot(loc);
  return new DataError(`${what} not found at ${loc.paths[name]}\n  looked in: ${where}\n  to get it: ${HOW_TO_GET[name]}`, name);
}

/** The location's path when it exists (a folder, or a file for `data.<name>` overrides), else a DataError. */
export function requireLocation(loc: DataLocations, name: DataLocationName, what: string): string {
  const p = loc.paths[name];
  if (!existsSync(p)) throw missingData(loc, name, what);
  return p;
}

/** The files of a location folder (or the one file it names) that match, sorted. */
export function locationFiles(path: string, re: RegExp): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return re.test(path) ? [path] : [];
  return readdirSync(path).filter((f) => re.test(f)).sort().map((f) => join(path, f));
}

/** $XDG_CACHE_HOME/mmrare, else ~/.cache/mmrare: derived files (compiled lexicons) live here, never in the data dir. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'mmrare');
}
