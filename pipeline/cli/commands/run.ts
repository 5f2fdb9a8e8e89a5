// `mmrare run` (all stages) and one command per stage.
import { resolve } from 'node:path';
// The stages load lazily, so `--help`, `status` and `audit` start fast.
import { STAGE_NAMES, type StageName } from '../../runner/stage-names.ts';
import { stderrLogger } from '../../runner/log.ts';
import type { ArticleSource } from '../../fetch/source.ts';
import type { Config } from '../../../schemas/config.ts';
import type { Store } from '../../../db/store.ts';
import { InputError } from '../../core/errors.ts';
import { dataLocations, loadConfig, openCommandLexicon, openStore, SOURCE_OPTIONS } from '../globals.ts';
import { requireLocation } from '../../core/data-locations.ts';
import { formatCounts, formatPerArticle } from '../summary.ts';
import { createRemoteSource } from './fetch.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './index.ts';

/** Checks the source flags before any store is created (a bad flag must leave nothing behind). */
function checkSourceFlags(values: Record<string, any>): void {
  const given = ['from-dir', 'query', 'sample'].filter((k) => values[k]);
  if (given.length > 1) throw new InputError(`give one source: ${given.map((k) => `--${k}`).join(' or ')}, not several`);
}

export async function sourceFrom(values: Record<string, any>, config: Config, store: Store): Promise<ArticleSource | null> {
  if (values.sample) {
    // the sample corpus: the data dir's real case reports, laid out as the PMC bucket in the workdir
    const src = requireLocation(dataLocations(values, config), 'articles', 'sample corpus (real PMC case reports, *.nxml)');
    const { ensureSampleCorpus } = await import('../../fetch/sample-corpus.ts');
    const layout = await ensureSampleCorpus(src, resolve(store.workdir, 'sample-corpus'));
    if (layout.built) process.stderr.write(`sample corpus: ${layout.articles} real case reports from ${src}, laid out in ${layout.dir}\n`);
    const { createDirSource } = await import('../../fetch/dir-source.ts');
    return createDirSource(layout.dir, { maxXmlBytes: config.extract.maxXmlBytes });
  }
  if (values['from-dir']) {
    const { createDirSource } = await import('../../fetch/dir-source.ts');
    return createDirSource(values['from-dir'], { maxXmlBytes: config.extract.maxXmlBytes });
  }
  if (values.query) return createRemoteSource(values, config, store);
  return null;
}

export async function runStages(stages: readonly StageName[], command: string, values: Record<string, any>, io: CliIo): Promise<number> {
  const config = loadConfig(values);
  checkSourceFlags(values);
  const log = stderrLogger({ debug: values.debug });
  if (values.sample) requireLocation(dataLocations(values, config), 'articles', 'sample corpus (real PMC case reports, *.nxml)');
  // the lexicon before the store: a missing Orphanet release fails fast and leaves nothing behind
  const lexicon = stages.some((s) => s !== 'fetch') ? (await openCommandLexicon(values, config, log)).lexicon : null;
  const store = openStore(values);
  try {
    const source = await sourceFrom(values, config, store);
    const { runBuild } = await import('../../compose.ts');
    const res = await runBuild({ store, config, command, stages, source, lexicon, log, shouldStop: io.shouldStop });
    const summary = (source as { summary?: () => Record<string, unknown> } | null)?.summary?.();
    if (summary && !values.json) {
      io.err(`fetch summary: ${summary.listed} listed, ${summary.packaged} fetched, ${summary.dropped} excluded, ${summary.transient} left for the next run; ` +
        `${summary.ncbiRequests} NCBI requests, ${summary.s3Requests} S3 requests, ${summary.rateLimited} × 429, ${summary.retries} retries`);
    }
    if (values.json) io.out(JSON.stringify({ run: res.runId, status: res.status, stages: res.counts, ...(summary ? { fetch: summary } : {}) }, null, 2));
    else {
      if (values['per-article']) io.out(`${formatPerArticle(store)}\n`);
      io.out(formatCounts(res.counts));
      if (stages.includes('export')) io.out(`\nresults: ${resolve(store.workdir, 'export')}/ (diagnosis.jsonl, images/, MANIFEST.diagnosis.sha256)`);
      io.out(`store:   ${store.dbPath} (audit with: mmrare audit --workdir ${values.workdir} --question <id>)`);
    }
    const pending = res.counts.reduce((n, c) => n + c.pending, 0);
    if (res.status === 'interrupted') { io.err('interrupted: rerun the same command to finish'); return 130; }
    return pending > 0 && values['strict-pending'] ? 75 : 0;
  } finally {
    store.close();
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run every stage: fetch → extract → align → generate → filter → export',
  usage: 'mmrare run [--sample | --from-dir DIR | --query TERMS ...] [--workdir DIR] [--data-dir DIR] [--json]',
  description: '--sample builds the bucket layout of the real case reports in the data dir (pmc/articles) into the workdir and runs on it.\n' +
    'Without --sample, --from-dir or --query, fetch is skipped and the stages run on what the store holds.\n' +
    'Items already done with the same inputs and config are skipped, so a rerun does only new work.',
  examples: ['mmrare run --workdir W --sample', 'mmrare run --workdir W --from-dir ~/pmc-layout', 'mmrare run --workdir W   # after `mmrare fetch`'],
  options: { ...SOURCE_OPTIONS, json: { type: 'boolean', default: false }, 'per-article': { type: 'boolean', default: false }, 'strict-pending': { type: 'boolean', default: false } },
  run: (values, _pos, io) => runStages(STAGE_NAMES, 'run', values, io),
};

const STAGE_HELP: Record<Exclude<StageName, 'fetch'>, string> = {
  extract: 'parse JATS: sections, case timelines with sentence kinds, figures, panels, references; decode images',
  align: 'link each case to its primary Orphanet diagnosis (mentions, negation, confidence)',
  generate: 'build diagnosis-track questions cut before the diagnosis is stated',
  filter: 'mask the answer, synonyms, abbreviations and code in model-visible text; record every mask',
  export: 'write <workdir>/export/<track>.jsonl (sorted by id), images and a sha256 manifest',
};

export const stageCommands: Command[] = (Object.keys(STAGE_HELP) as Exclude<StageName, 'fetch'>[]).map((name) => ({
  name,
  summary: STAGE_HELP[name],
  usage: `mmrare ${name} [--workdir DIR] [--json]`,
  description: 'Runs this stage alone over what the previous stage stored.',
  examples: [`mmrare ${name} --workdir W`],
  // extract prints a line per article by default (sections, cases, sentences, figures, images)
  options: { json: { type: 'boolean', default: false }, 'per-article': { type: 'boolean', default: name === 'extract' } },
  run: (values: Record<string, any>, _pos: string[], io: CliIo) => runStages([name], name, values, io),
}));
