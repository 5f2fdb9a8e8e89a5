// The composition: which stages make a build, in which order, and what each is built from. The runner
// stays generic (pipeline/runner/pipeline.ts); the CLI and tests come here for a concrete pipeline.
import type { Store } from '../db/store.ts';
import type { Config } from '../schemas/config.ts';
import type { Lexicon } from '../ontology/types.ts';
import { defaultVocab, releaseRecogniser, type Vocab } from '../ontology/vocab/index.ts';
import { releaseMatcher } from '../ontology/index.ts';
import type { GeneratorFactory } from './generate/stage.ts';
import { createCodeFinder } from './leakage/code-finder.ts';
import { createFetchStage, FETCH_VERSION } from './fetch/stage.ts';
import type { ArticleSource } from './fetch/source.ts';
import { createExtractStage, EXTRACT_VERSION } from './extract/stage.ts';
import { createAlignStage, ALIGN_VERSION } from './align/stage.ts';
import { createGenerateStage, GENERATE_VERSION } from './generate/stage.ts';
import { createFilterStage, FILTER_VERSION } from './filter/stage.ts';
import { createExportStage, EXPORT_VERSION } from './export/stage.ts';
import { configHash, jobsOf } from '../schemas/config.ts';
import { runPipeline, type PipelineResult, type PlannedStage } from './runner/pipeline.ts';
import type { Logger } from './runner/log.ts';
import { ConfigError, InternalError } from './core/errors.ts';
import { TRACKS, type Track } from '../schemas/question.ts';
import { chatClientFor, type ChatClient } from './client/chat.ts';
import { LlmCache } from './client/llm-cache.ts';
import { chatPort, llmGenerator } from './generate/llm.ts';
import { rulesGenerator, type TrackGenerator } from './generate/generator.ts';
import { PIPELINE_VERSION } from './core/version.ts';
import { STAGE_NAMES, type StageName } from './runner/stage-names.ts';

export { STAGE_NAMES, type StageName };

export const STAGE_VERSIONS: Record<StageName, string> = {
  fetch: FETCH_VERSION, extract: EXTRACT_VERSION, align: ALIGN_VERSION, generate: GENERATE_VERSION, filter: FILTER_VERSION, export: EXPORT_VERSION,
};

export { PIPELINE_VERSION };

export interface BuildOptions {
  store: Store;
  config: Config;
  command: string;
  stages: readonly StageName[];
  source?: ArticleSource | null;     // needed for fetch; without one fetch is skipped
  lexicon: Lexicon | null;          // needed by every stage but fetch
  vocab?: Vocab | null;             // drugs/procedures/tests (generate, export); default: the default data dir's lexicons
  generators?: GeneratorFactory;    // model-backed generators for tracks configured "llm"
  log: Logger;
  shouldStop?: () => boolean;
  signal?: AbortSignal;             // aborted on Ctrl-C
}

/** The stages of a build, constructed for this config and lexicon. */
export function planStages(opts: Pick<BuildOptions, 'config' | 'stages' | 'source' | 'lexicon' | 'vocab' | 'generators'>): PlannedStage[] {
  const { config } = opts;
  // a track set to "llm" needs a model-backed generator built over the chat client; refuse before any work
  const llmTracks = TRACKS.filter((t) => config.generate.tracks.includes(t) && config.generate.generators[t] === 'llm');
  if (llmTracks.length && !opts.generators && opts.stages.includes('generate')) {
    throw new ConfigError(`generate.generators: ${llmTracks.join(', ')} set to "llm", but "llm.generate" names no model endpoint ` +
      '(an OpenAI-compatible chat endpoint: docs/sources.md, "Model endpoints"); set one, or use "rules" (the default)');
  }
  let vocab = opts.vocab ?? null;
  const needVocab = (): Vocab => (vocab ??= defaultVocab());
  const cfgHash = configHash(config);
  // The lexicon's matcher (align, filter) and the vocabulary's recogniser (generate) are built once and
  // cached (tens of MB together); after the last stage of this build that uses one, it is dropped, so
  // export, the peak of a large build, does not carry them (docs/performance.md).
  const lastOf = (users: StageName[]): number => Math.max(...opts.stages.map((s, i) => (users.includes(s) ? i : -1)));
  const lastMatcher = lastOf(['align', 'filter']);
  const lastRecogniser = lastOf(['generate']);
  const releases = (i: number): (() => void) | undefined => (i !== lastMatcher && i !== lastRecogniser ? undefined : () => {
    if (i === lastMatcher && opts.lexicon) releaseMatcher(opts.lexicon);
    if (i === lastRecogniser && vocab) releaseRecogniser(vocab);
  });
  return opts.stages.map((name, i): PlannedStage => {
    const after = releases(i);
    if (name === 'fetch') return opts.source ? { name, build: () => createFetchStage(opts.source!) } : { name, build: null, skipped: 'no source given: use --sample, --from-dir or --query' };
    const lexicon = opts.lexicon;
    if (!lexicon) throw new InternalError(`stage ${name} needs the Orphanet lexicon`);
    const findCodes = createCodeFinder(lexicon);
    const prov = () => ({
      pipelineVersion: PIPELINE_VERSION, configHash: cfgHash, orphanetRelease: lexicon.release, stageVersions: { ...STAGE_VERSIONS },
      vocabularies: needVocab().sources.map((s) => ({ id: s.id, name: s.name, version: s.version, licence: s.licence, credit: s.credit })),
    });
    switch (name) {
      // articles in flight: twice the jobs, so one article's parsing and writing overlap the others' image decoding
      case 'extract': return { name, after, build: () => createExtractStage(config.extract.images.concurrency ?? 2 * jobsOf(config), { jobs: jobsOf(config) }) };
      case 'align': return { name, after, build: () => createAlignStage(lexicon) };
      case 'generate': return { name, after, build: () => createGenerateStage(lexicon, needVocab(), { generators: opts.generators }) };
      case 'filter': return { name, after, build: () => createFilterStage(lexicon, findCodes) };
      case 'export': return { name, after, build: () => createExportStage(lexicon, prov) };
    }
  });
}

/** Runs a build: the planned stages through the generic runner, with the versions and release recorded. */
export async function runBuild(opts: BuildOptions): Promise<PipelineResult> {
  // tracks set to "llm": their generator reaches the model through the chat client, cached in this store
  let client: ChatClient | null = null;
  let generators = opts.generators;
  const llmTracks = TRACKS.filter((t) => opts.config.generate.tracks.includes(t) && opts.config.generate.generators[t] === 'llm');
  if (!generators && llmTracks.length && opts.stages.includes('generate') && opts.config.llm.generate) {
    client = chatClientFor('generate', opts.config.llm, { cache: new LlmCache(opts.store.db) });
    const port = chatPort(client!, (sha) => opts.store.readBlob(sha));
    const made = new Map<Track, TrackGenerator>();
    generators = (track, c) => {
      if (c.generate.generators[track] !== 'llm') return rulesGenerator(track);
      if (!made.has(track)) made.set(track, llmGenerator(track, port));
      return made.get(track)!;
    };
  }
  try {
    return await runPipeline({
      store: opts.store, config: opts.config, command: opts.command, log: opts.log, shouldStop: opts.shouldStop, signal: opts.signal,
      stages: planStages({ ...opts, generators }),
      versions: { pipeline: PIPELINE_VERSION, stages: STAGE_VERSIONS, lexicon: opts.lexicon?.source?.version ?? null },
      orphanetRelease: opts.lexicon?.release ?? null,
      onClose: () => opts.source?.close?.(),
    });
  } finally {
    if (client) {
      const st = client.stats();
      opts.log.info(`model calls (generate): ${st.calls} answers, ${st.cached} from the cache, ${st.live} live, ${st.failed} failed, ${st.attempts} requests sent`);
      await client.close();
    }
  }
}
