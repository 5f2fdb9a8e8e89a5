// `mmrare run` (all stages) and one command per stage.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
// The stages load lazily, so `--help`, `status` and `audit` start fast.
import { STAGE_NAMES, type StageName } from '../../runner/stage-names.ts';
import { stderrLogger } from '../../runner/log.ts';
import { StatusLine } from '../../runner/progress.ts';
import type { ArticleSource } from '../../fetch/source.ts';
import type { Config } from '../../../schemas/config.ts';
import type { Store } from '../../../db/store.ts';
import { notWritable, unwritableReason } from '../../../db/store.ts';
import { InputError } from '../../core/errors.ts';
import { dataLocations, hasStore, JSON_OPTION, loadConfig, openCommandLexicon, openStore, SOURCE_OPTIONS, workdirOf } from '../globals.ts';
import { requireLocation } from '../../core/data-locations.ts';
import { exportSummary, formatCounts, formatExport, formatPerArticle, storeDropOwnership } from '../summary.ts';
import { checkRemoteFlags, createRemoteSource } from './fetch.ts';
import type { CliIo } from '../io.ts';
import type { OptionTable } from '../options.ts';
import type { Command } from './index.ts';

const SAMPLE_WHAT = 'sample corpus (real PMC case reports, *.nxml)';

/** Checks the source flags before any store is created (a bad flag must leave nothing behind). */
function checkSourceFlags(values: Record<string, any>, config: Config): void {
  const given = ['from-dir', 'query', 'sample'].filter((k) => values[k]);
  if (given.length > 1) throw new InputError(`give one source: ${given.map((k) => `--${k}`).join(' or ')}, not several`);
  const dir = values['from-dir'];
  if (dir) {
    const root = resolve(dir);
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new InputError(`--from-dir ${dir}: not a folder`);
    if (!readdirSync(root).some((n) => /^PMC\d+\.\d+$/.test(n))) {
      throw new InputError(`--from-dir ${dir}: no PMC<n>.<v>/ article folders found (expected the PMC Cloud bucket layout: PMC<n>.<v>/PMC<n>.<v>.xml and metadata/PMC<n>.<v>.json)`);
    }
  }
  if (values.query) checkRemoteFlags(values, config);
}

export async function sourceFrom(values: Record<string, any>, config: Config, store: Store): Promise<ArticleSource | null> {
  if (values.sample) {
    // the sample corpus: the data dir's real case reports, laid out as the PMC bucket in the workdir
    const loc = dataLocations(values, config);
    const src = requireLocation(loc, 'articles', SAMPLE_WHAT);
    const { ensureSampleCorpus } = await import('../../fetch/sample-corpus.ts');
    const status = new StatusLine('sample corpus: laying out the case reports as the PMC bucket …');
    let layout;
    try { layout = await ensureSampleCorpus(src, resolve(store.workdir, 'sample-corpus'), { europepmc: existsSync(loc.paths.europepmc) ? loc.paths.europepmc : null }); } finally { status.done(); }
    if (layout.built) process.stderr.write(`sample corpus: ${layout.articles} real case reports from ${src}, laid out in ${layout.dir}\n`);
    const { createDirSource } = await import('../../fetch/dir-source.ts');
    return createDirSource(layout.dir, { maxXmlBytes: config.extract.maxXmlBytes, maxMediaBytes: config.extract.maxMediaBytes });
  }
  if (values['from-dir']) {
    const { createDirSource } = await import('../../fetch/dir-source.ts');
    return createDirSource(values['from-dir'], { maxXmlBytes: config.extract.maxXmlBytes, maxMediaBytes: config.extract.maxMediaBytes });
  }
  if (values.query) return createRemoteSource(values, config, store);
  return null;
}

/** With no source, the stages work on what the store holds: say so when it holds nothing. */
function checkSomethingToDo(values: Record<string, any>, stages: readonly StageName[], command: string): void {
  if (values.sample || values['from-dir'] || values.query) return;
  const how = '--sample (the data dir\'s case reports), --from-dir DIR (a folder in the PMC bucket layout) or --query TERMS (live PMC)';
  if (stages.includes('fetch') && stages.length === 1) throw new InputError(`fetch needs a source: ${how}`);
  const w = values.workdir ?? './mmrare-data';
  if (!hasStore(values)) {
    throw new InputError(`nothing to do: ${workdirOf(values)} holds no store and no source was given; give ${how}, ` +
      `e.g. mmrare ${command === 'run' ? 'run' : 'fetch'} --workdir ${w} --sample`);
  }
}

function nothingStored(store: Store): boolean {
  return (store.db.prepare(`SELECT COUNT(*) FROM stage_progress WHERE stage = 'fetch'`).pluck().get() as number) === 0;
}

export async function runStages(stages: readonly StageName[], command: string, values: Record<string, any>, io: CliIo): Promise<number> {
  const config = loadConfig(values);
  checkSourceFlags(values, config);
  checkSomethingToDo(values, stages, command);
  // a store that cannot be written fails now, before the lexicon or the sample corpus is built
  const why = unwritableReason(workdirOf(values));
  if (why) throw notWritable(workdirOf(values), why);
  const log = stderrLogger({ debug: values.debug });
  if (values.sample) requireLocation(dataLocations(values, config), 'articles', SAMPLE_WHAT);
  // the lexicon before the store: a missing Orphanet release fails fast and leaves nothing behind
  const lexicon = stages.some((s) => s !== 'fetch') ? (await openCommandLexicon(values, config, log)).lexicon : null;
  // the drug/procedure/test vocabularies (compiled once into the cache), for the question tracks and their release notice
  const vocab = stages.some((s) => s === 'generate' || s === 'export')
    ? (await import('../../../ontology/vocab/cache.ts')).openVocab(dataLocations(values, config), { warn: (m) => log.warn(m) }).vocab : null;
  const store = openStore(values);
  try {
    const source = await sourceFrom(values, config, store);
    if (!source && nothingStored(store)) {
      throw new InputError(`nothing to do: the store in ${store.workdir} holds no articles; give --sample, --from-dir DIR or --query TERMS ` +
        `(e.g. mmrare ${command === 'run' ? 'run' : 'fetch'} --workdir ${values.workdir ?? './mmrare-data'} --sample)`);
    }
    const { runBuild } = await import('../../compose.ts');
    const res = await runBuild({ store, config, command, stages, source, lexicon, vocab, log, shouldStop: io.shouldStop, signal: io.signal });
    const summary = (source as { summary?: () => Record<string, unknown> } | null)?.summary?.();
    if (summary && !values.json) {
      io.err(`fetch summary: ${summary.listed} listed, ${summary.packaged} fetched, ${summary.dropped} excluded, ${summary.transient} left for the next run; ` +
        `${summary.ncbiRequests} NCBI requests, ${summary.s3Requests} S3 requests, ${summary.rateLimited} × 429, ${summary.retries} retries`);
    }
    const drops = storeDropOwnership(store);
    const exported = stages.includes('export') ? exportSummary(store) : null;
    if (values.json) {
      io.out(JSON.stringify({
        run: res.runId, status: res.status, workdir: store.workdir, stages: res.counts,
        drops: drops.filter((d) => res.counts.some((c) => c.stage === d.stage)),
        ...(exported ? { exported } : {}), ...(summary ? { fetch: summary } : {}),
      }, null, 2));
    } else {
      if (values['per-article']) io.out(`${formatPerArticle(store)}\n`);
      io.out(formatCounts(res.counts, drops));
      io.out('');
      if (exported) {
        for (const l of formatExport(exported)) io.out(l);
        io.out(`results:  ${resolve(store.workdir, 'export')}/ (${Object.keys(exported.questions).map((t) => `${t}.jsonl, MANIFEST.${t}.sha256`).join(', ')}${Object.keys(exported.questions).length ? ', ' : ''}images/, NOTICE.md)`);
      }
      const w = values.workdir ?? './mmrare-data';
      io.out(`store:    ${store.dbPath}`);
      io.out(`next:     mmrare list --workdir ${w}  ·  mmrare audit --workdir ${w} --summary  ·  mmrare audit --workdir ${w} --html audit.html`);
    }
    const pending = res.counts.reduce((n, c) => n + c.pending, 0);
    if (res.status === 'interrupted') { io.err('interrupted: rerun the same command to finish'); return 130; }
    return pending > 0 && values['strict-pending'] ? 75 : 0;
  } finally {
    store.close();
  }
}

const JOBS_OPTION: OptionTable = {
  jobs: { type: 'string', value: 'N', description: 'how much runs at once: images decoded at once, libvips threads, 2×N articles extracted at once (default: the cores; config "jobs"; never changes what is built)' },
};

const RUN_OPTIONS: OptionTable = {
  ...SOURCE_OPTIONS,
  ...JOBS_OPTION,
  ...JSON_OPTION,
  'per-article': { type: 'boolean', default: false, description: 'also print one line per article: sections, cases, sentences, figures, images, status' },
  'strict-pending': { type: 'boolean', default: false, description: 'exit 75 when items failed transiently (network) and wait for the next run; default exit 0' },
};

export const runCommand: Command = {
  name: 'run',
  summary: 'run every stage: fetch → extract → align → generate → filter → export',
  usage: 'mmrare run [--sample | --from-dir DIR | --query TERMS …] [options]',
  description: '--sample lays the data dir\'s real case reports (pmc/articles) out as the PMC bucket in <workdir>/sample-corpus and runs on it\n' +
    '(their images are placeholders). Without a source, fetch is skipped and the stages run on what the store holds\n' +
    '(an empty store is an error: nothing to do). Items already done with the same inputs and config are skipped, so a\n' +
    'rerun does only new work. The summary counts each drop once, at the stage that decided it, and lists the questions\n' +
    'exported per track.',
  examples: ['mmrare run --workdir W --sample', 'mmrare run --workdir W --from-dir ~/pmc-layout --json', 'mmrare run --workdir W   # after `mmrare fetch`'],
  options: RUN_OPTIONS,
  run: (values, _pos, io) => runStages(STAGE_NAMES, 'run', values, io),
};

const STAGE_HELP: Record<Exclude<StageName, 'fetch'>, string> = {
  extract: 'parse JATS: sections, case timelines with sentence kinds, figures, panels, references; decode images',
  align: 'link each case to its primary Orphanet diagnosis (mentions, negation, confidence)',
  generate: 'build the questions of each track (diagnosis, treatment, cross-image, examination) from the case timelines',
  filter: 'leak control per track: mask or drop what gives the answer away in model-visible text; record every hit',
  export: 'write <workdir>/export/<track>.jsonl (sorted by id), images and a sha256 manifest',
};

export const stageCommands: Command[] = (Object.keys(STAGE_HELP) as Exclude<StageName, 'fetch'>[]).map((name) => ({
  name,
  summary: STAGE_HELP[name],
  usage: `mmrare ${name} [options]`,
  description: 'Runs this stage alone over what the previous stage stored (run the stages in pipeline order).',
  examples: [`mmrare ${name} --workdir W`, `mmrare ${name} --workdir W --json`],
  options: {
    ...JSON_OPTION,
    ...JOBS_OPTION,
    // extract prints a line per article by default (sections, cases, sentences, figures, images)
    'per-article': { type: 'boolean', default: name === 'extract', description: `one line per article: sections, cases, sentences, figures, images, status (default ${name === 'extract' ? 'on' : 'off'})` },
  },
  run: (values: Record<string, any>, _pos: string[], io: CliIo) => runStages([name], name, values, io),
}));
