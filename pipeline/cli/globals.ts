// What every command shares: turning the global options into a config, a store and data locations.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Store } from '../../db/store.ts';
import { parseConfig, type Config } from '../../schemas/config.ts';
import { ConfigError, InputError } from '../core/errors.ts';
import { resolveDataLocations, type DataLocations } from '../core/data-locations.ts';
import type { Logger } from '../runner/log.ts';
import type { LexiconHandle } from '../../ontology/lexicon-cache.ts';
import { LICENCE_PRESETS } from '../core/licence.ts';
import type { OptionTable } from './options.ts';
import { StatusLine } from '../runner/progress.ts';

export { GLOBAL_OPTIONS } from './options.ts';

/** Source flags shared by `run` and `fetch`; they override the config file. */
export const SOURCE_OPTIONS: OptionTable = {
  sample: { type: 'boolean', default: false, description: 'the sample corpus: the data dir\'s real case reports (pmc/articles), laid out as the PMC bucket in <workdir>/sample-corpus (placeholder images)' },
  'from-dir': { type: 'string', value: 'DIR', description: 'a local folder in the PMC Cloud bucket layout: PMC<n>.<v>/PMC<n>.<v>.xml, its media files, metadata/PMC<n>.<v>.json' },
  query: { type: 'string', value: 'TERMS', description: 'live: an E-utilities search of PMC (open-access case reports); needs --email and --tool' },
  limit: { type: 'string', value: 'N', description: 'live: the first N articles of the search (in esearch\'s order), stored or not: the same command run again with nothing new published changes nothing' },
  new: { type: 'string', value: 'N', description: 'live: N articles of the search that are not stored yet ("N more")' },
  since: { type: 'string', value: 'YYYY-MM-DD', description: 'live: only articles published or updated on or after this date' },
  'eutils-url': { type: 'string', value: 'URL', description: 'live: the E-utilities base URL (default NCBI\'s; a loopback server in tests)' },
  's3-url': { type: 'string', value: 'URL', description: 'live: the PMC Cloud bucket URL (default the public pmc-oa-opendata bucket)' },
  email: { type: 'string', value: 'ADDRESS', description: 'live: your e-mail, sent with every NCBI request as NCBI asks' },
  tool: { type: 'string', value: 'NAME', description: 'live: the tool name sent with every NCBI request' },
  'api-key': { type: 'string', value: 'KEY', description: 'live: an NCBI API key (10 requests/s instead of 3); never stored in the run record' },
  licences: { type: 'string', value: 'LIST', description: 'the licences admitted: a preset (all_cc, commercial_safe) or a comma list ("CC0,CC BY"); default: the config\'s policy.licences' },
};

export const JSON_OPTION: OptionTable = { json: { type: 'boolean', default: false, description: 'print the result as JSON on stdout (logs stay on stderr)' } };

/** The config of this command: the --config file (a JSON object, validated) with the source flags on top. */
export function loadConfig(values: Record<string, any>): Config {
  let raw: Record<string, any> = {};
  if (values.config) {
    const p = resolve(values.config);
    if (!existsSync(p)) throw new ConfigError(`--config ${values.config}: file not found`);
    if (statSync(p).isDirectory()) throw new ConfigError(`--config ${values.config}: is a folder, expected a JSON file`);
    let parsed: unknown;
    try { parsed = JSON.parse(readFileSync(p, 'utf8')); } catch (e) { throw new ConfigError(`--config ${values.config}: not valid JSON (${(e as Error).message})`); }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`--config ${values.config}: expected a JSON object ({ "align": …, "generate": … }), got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}`);
    }
    raw = parsed as Record<string, any>;
  }
  const sources = { ...(raw.sources ?? {}) };
  if (values['eutils-url']) sources.eutilsUrl = values['eutils-url'];
  if (values['s3-url']) sources.s3Url = values['s3-url'];
  if (values.email) sources.email = values.email;
  if (values.tool) sources.tool = values.tool;
  if (values['api-key']) sources.apiKey = values['api-key'];
  const policy = { ...(raw.policy ?? {}) };
  if (values.licences) {
    const preset = LICENCE_PRESETS[values.licences];
    policy.licences = preset ?? String(values.licences).split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (values.jobs !== undefined) {
    const n = Number(values.jobs);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--jobs ${values.jobs}: expected a whole number ≥ 1`);
    raw = { ...raw, jobs: n };
  }
  try {
    return parseConfig({ ...raw, sources, policy });
  } catch (e) {
    const issues = (e as { issues?: { path: (string | number)[]; message: string }[] }).issues;
    if (issues) throw new ConfigError(`invalid config${values.config ? ` ${values.config}` : ''}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    throw e;
  }
}

export const workdirOf = (values: Record<string, any>): string => resolve(values.workdir ?? './mmrare-data');
export const hasStore = (values: Record<string, any>): boolean => existsSync(resolve(workdirOf(values), 'mmrare.db'));

/**
 * The store of this command. Commands that only read (status, list, audit, show) open it read-only, so
 * they work on a store they cannot write; the others check first that the workdir can be written.
 */
export function openStore(values: Record<string, any>, { mustExist = false, readonly = false } = {}): Store {
  const dir = workdirOf(values);
  if ((mustExist || readonly) && !hasStore(values)) {
    throw new InputError(`no mmrare store in ${dir} (build one with: mmrare run --workdir ${values.workdir ?? './mmrare-data'} --sample, or --from-dir DIR)`);
  }
  return new Store(dir, { readonly });
}

/** The data locations for this command: --data-dir > $MMRARE_DATA_DIR > config dataDir > ../shared/data. */
export function dataLocations(values: Record<string, any>, config: Config): DataLocations {
  return resolveDataLocations({ flag: values['data-dir'] ?? null, config });
}

/** The Orphanet lexicon for this command (compiled from the release on first use, then cached). */
export async function openCommandLexicon(values: Record<string, any>, config: Config, log: Logger): Promise<LexiconHandle> {
  const { openLexicon } = await import('../../ontology/lexicon-cache.ts');
  // compiling takes a few seconds the first time: say so on a terminal (the work itself is synchronous)
  const status = new StatusLine('Orphanet lexicon: loading (compiled once per release, then cached) …');
  let h: LexiconHandle;
  try { h = openLexicon(dataLocations(values, config), { warn: (m) => log.warn(m) }); } finally { status.done(); }
  if (h.built) log.info(`Orphanet lexicon ${h.lexicon.release} compiled from ${h.sources.length} files in ${h.ms} ms (cached for next time${h.file ? `: ${h.file}` : ''})`);
  else log.debug(`Orphanet lexicon ${h.lexicon.release} (${h.origin}) loaded in ${h.ms} ms from ${h.file}`);
  return h;
}
