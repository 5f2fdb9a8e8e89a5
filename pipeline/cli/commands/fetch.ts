// `mmrare fetch`: from a local folder in the bucket layout, or live from E-utilities + PMC Cloud S3.
import type { Config } from '../../../schemas/config.ts';
import type { Store } from '../../../db/store.ts';
import type { ArticleSource } from '../../fetch/source.ts';
import { ConfigError, InputError } from '../../core/errors.ts';
import { JSON_OPTION, SOURCE_OPTIONS } from '../globals.ts';
import { runStages } from './run.ts';
import type { Command } from './index.ts';

/** The live-fetch flags that can be checked without the network or a store. */
export function checkRemoteFlags(values: Record<string, any>, config: Config): void {
  if (!config.sources.email || !config.sources.tool) throw new ConfigError('live fetches need --email and --tool (NCBI asks every client to identify itself)');
  for (const flag of ['limit', 'new']) {
    if (values[flag] === undefined) continue;
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`--${flag} ${values[flag]}: expected a positive integer`);
  }
  if (values.since && !/^\d{4}-\d{2}-\d{2}$/.test(values.since)) throw new InputError(`--since ${values.since}: expected YYYY-MM-DD`);
}

export async function createRemoteSource(values: Record<string, any>, config: Config, store: Store): Promise<ArticleSource> {
  const { email, tool } = config.sources as { email: string; tool: string };
  checkRemoteFlags(values, config);
  // --limit N: the first N articles of the search (a rerun with nothing new published changes nothing);
  // --new N: N articles of the search that are not stored yet ("N more")
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  const newLimit = values.new === undefined ? undefined : Number(values.new);
  const stored = store.db.prepare(`SELECT item_key FROM stage_progress WHERE stage = 'fetch' AND status IN ('done', 'dropped')`).pluck().all() as string[];
  const known = new Set(stored);
  const { createPmcCloudSource } = await import('../../fetch/pmc-cloud-source.ts');
  return createPmcCloudSource({
    eutilsUrl: config.sources.eutilsUrl, s3Url: config.sources.s3Url, email, tool, apiKey: config.sources.apiKey ?? undefined,
    query: values.query, limit, newLimit, since: values.since, licences: config.policy.licences, s3Concurrency: config.sources.s3Concurrency, maxMediaBytes: config.extract.maxMediaBytes,
    skip: values['refetch'] ? undefined : (pmcid: string) => known.has(pmcid),
    progress: Boolean(process.stderr.isTTY) && !process.env.CI,
  });
}

export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'fetch articles from a folder in the PMC bucket layout or from PMC (E-utilities search + PMC Cloud S3)',
  usage: 'mmrare fetch (--sample | --from-dir DIR | --query TERMS --email E --tool T [--limit N | --new N] [--since YYYY-MM-DD] [--api-key K]) [options]',
  description: 'Live fetches respect NCBI\'s budget (3 requests/s, 10/s with --api-key), verify every md5 and store\n' +
    'content-addressed blobs. Articles already stored are skipped unless --refetch; exclusions are decisions\n' +
    '(article_retracted, not_open_access, author_manuscript, licence_not_allowed, md5_mismatch, …).\n' +
    '--limit N takes the first N articles of the search (in esearch\'s order), stored or not, so the same command\n' +
    'run again with nothing new published changes nothing; --new N fetches N articles not yet stored ("N more").',
  examples: [
    'mmrare fetch --workdir W --sample',
    'mmrare fetch --workdir W --query "marfan syndrome" --limit 50 --email you@example.org --tool mmrare',
    'mmrare fetch --workdir W --query "marfan syndrome" --new 50 --email you@example.org --tool mmrare   # 50 more',
    'mmrare fetch --workdir W --query "rare disease" --eutils-url http://127.0.0.1:8080/entrez/eutils --s3-url http://127.0.0.1:8080/pmc-oa-opendata --email e@x --tool t',
  ],
  options: {
    ...SOURCE_OPTIONS,
    refetch: { type: 'boolean', default: false, description: 'live: fetch articles again even when the store has them' },
    ...JSON_OPTION,
  },
  run: (values, _pos, io) => {
    if (!values['from-dir'] && !values.query && !values.sample) throw new InputError('fetch needs a source: --sample, --from-dir DIR or --query TERMS');
    return runStages(['fetch'], 'fetch', values, io);
  },
};
