// Options every command takes, and how a command turns them into a config and a store.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { Store } from '../../db/store.ts';
import { parseConfig, type Config } from '../../schemas/config.ts';
import { ConfigError, InputError } from '../errors.ts';
import { LICENCE_PRESETS } from '../fetch/policy.ts';

export const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  workdir: { type: 'string', default: './mmrare-data' },
  config: { type: 'string' },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

/** Source flags shared by `run` and `fetch`; they override the config file. */
export const SOURCE_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  'from-dir': { type: 'string' },
  query: { type: 'string' },
  limit: { type: 'string' },
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
