// Options every command takes, and how a command turns them into a config and a store.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { Store } from '../../db/store.ts';
import { parseConfig, type Config } from '../../schemas/config.ts';
import { ConfigError, InputError } from '../core/errors.ts';
import { resolveDataLocations, type DataLocations } from '../core/data-locations.ts';
import type { Logger } from '../runner/log.ts';
import type { LexiconHandle } from '../../ontology/lexicon-cache.ts';
import { LICENCE_PRESETS } from '../core/licence.ts';

export const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  workdir: { type: 'string', default: './mmrare-data' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

/** Source flags shared by `run` and `fetch`; they override the config file. */
export const SOURCE_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  sample: { type: 'boolean', default: false },
  'from-dir': { type: 'string' },
  query: { type: 'string' },
  limit: { type: 'string' },
  new: { type: 'string' },
  since: { type: 'string' },
  'eutils-url': { type: 'string' },
  's3-url': { type: 'string' },
  email: { type: 'string' },
  tool: { type: 'string' },
  'api-key': { type: 'string' },
  licences: { type: 'string' },
};

export function loadConfig(values: Record<string, any>): Config {
  let raw: Record<string, any> = {};
  if (values.config) {
    const p = resolve(values.config);
    if (!existsSync(p)) throw new ConfigError(`--config ${values.config}: file not found`);
    try { raw = JSON.parse(readFileSync(p, 'utf8')); } catch (e) { throw new ConfigError(`--config ${values.config}: not valid JSON (${(e as Error).message})`); }
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
  try {
    return parseConfig({ ...raw, sources, policy });
  } catch (e) {
    const issues = (e as { issues?: { path: (string | number)[]; message: string }[] }).issues;
    if (issues) throw new ConfigError(`invalid config: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    throw e;
  }
}

export function openStore(values: Record<string, any>, { mustExist = false } = {}): Store {
  const dir = resolve(values.workdir ?? './mmrare-data');
  if (mustExist && !existsSync(resolve(dir, 'mmrare.db'))) throw new InputError(`no mmrare store in ${dir} (run \`mmrare run --workdir ${values.workdir}\` first)`);
  return new Store(dir);
}

/** The data locations for this command: --data-dir > $MMRARE_DATA_DIR > config dataDir > ../shared/data. */
export function dataLocations(values: Record<string, any>, config: Config): DataLocations {
  return resolveDataLocations({ flag: values['data-dir'] ?? null, config });
}

/** The Orphanet lexicon for this command (compiled from the release on first use, then cached). */
export async function openCommandLexicon(values: Record<string, any>, config: Config, log: Logger): Promise<LexiconHandle> {
  const { openLexicon } = await import('../../ontology/lexicon-cache.ts');
  const h = openLexicon(dataLocations(values, config), { warn: (m) => log.warn(m) });
  if (h.built) log.info(`Orphanet lexicon ${h.lexicon.release} compiled from ${h.sources.length} files in ${h.ms} ms (cached for next time${h.file ? `: ${h.file}` : ''})`);
  else log.debug(`Orphanet lexicon ${h.lexicon.release} (${h.origin}) loaded in ${h.ms} ms from ${h.file}`);
  return h;
}
