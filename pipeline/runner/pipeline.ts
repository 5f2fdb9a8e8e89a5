// Wires the stages in order, records the run (config, hashes, versions, Orphanet release,
// timings, counters) and returns the per-stage counts.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Store } from '../../db/store.ts';
import { withoutSpeedKnobs, type Config } from '../../schemas/config.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { loadLexicon } from '../../ontology/lexicon.ts';
import { createCodeFinder } from '../align/code-finder.ts';
import { createFetchStage, FETCH_VERSION } from '../fetch/stage.ts';
import type { ArticleSource } from '../fetch/source.ts';
import { createExtractStage, EXTRACT_VERSION } from '../extract/stage.ts';
import { createAlignStage, ALIGN_VERSION } from '../align/stage.ts';
import { createGenerateStage, GENERATE_VERSION } from '../generate/stage.ts';
import { createFilterStage, FILTER_VERSION } from '../filter/stage.ts';
import { createExportStage, EXPORT_VERSION } from '../export/stage.ts';
import { hashOf } from './hash.ts';
import { runStage, type StageCounts } from './runner.ts';
import type { Stage, StageContext } from './stage.ts';
import type { Logger } from './log.ts';

import { STAGE_NAMES, type StageName } from './stage-names.ts';

export { STAGE_NAMES, type StageName };

export const STAGE_VERSIONS: Record<StageName, string> = {
  fetch: FETCH_VERSION, extract: EXTRACT_VERSION, align: ALIGN_VERSION, generate: GENERATE_VERSION, filter: FILTER_VERSION, export: EXPORT_VERSION,
};

export const PIPELINE_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** The hashed part of the config: secrets, contact details and speed knobs never change what is built. */
export function hashedConfig(config: Config): unknown {
  const fast = withoutSpeedKnobs(config);
  const { apiKey: _k, email: _e, tool: _t, ...sources } = fast.sources;
  return { ...fast, sources };
}
export const configHash = (config: Config): string => hashOf(hashedConfig(config));

export function redactedConfig(config: Config): Config {
  return { ...config, sources: { ...config.sources, apiKey: config.sources.apiKey ? '***' : null } };
}

let cachedLexicon: Lexicon | null = null;
export function defaultLexicon(): Lexicon {
  cachedLexicon ??= loadLexicon();
  return cachedLexicon;
}

export interface PipelineOptions {
  store: Store;
  config: Config;
  command: string;
  stages: readonly StageName[];
  source?: ArticleSource | null;     // needed for fetch; without one fetch is skipped
  lexicon?: Lexicon;
  log: Logger;
  shouldStop?: () => boolean;
}

export interface PipelineResult { runId: number; counts: StageCounts[]; status: 'ok' | 'interrupted' | 'failed' }

export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const { store, config, log } = opts;
  const lexicon = opts.lexicon ?? defaultLexicon();
  const cfgHash = configHash(config);
  const runId = Number(store.db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json, orphanet_release)
    VALUES (?, ?, ?, ?, ?, ?)`).run(opts.command, new Date().toISOString(), JSON.stringify(redactedConfig(config)), cfgHash,
    JSON.stringify({ pipeline: PIPELINE_VERSION, stages: STAGE_VERSIONS, lexicon: lexicon.source?.version ?? null }), lexicon.release).lastInsertRowid);
  const ctx: StageContext = { store, config, runId, log };
  const findCodes = createCodeFinder(lexicon);
  const prov = () => ({ pipelineVersion: PIPELINE_VERSION, configHash: cfgHash, orphanetRelease: lexicon.release, stageVersions: { ...STAGE_VERSIONS } });

  const build = (name: StageName): Stage<any, any> | null => {
    switch (name) {
      case 'fetch': return opts.source ? createFetchStage(opts.source) : null;
      case 'extract': return createExtractStage(config.extract.images.concurrency ?? availableParallelism());
      case 'align': return createAlignStage(lexicon);
      case 'generate': return createGenerateStage(lexicon);
      case 'filter': return createFilterStage(lexicon, findCodes);
      case 'export': return createExportStage(lexicon, findCodes, prov);
    }
  };

  const counts: StageCounts[] = [];
  let status: PipelineResult['status'] = 'ok';
  const putCounter = store.db.prepare('INSERT OR REPLACE INTO run_counters (run_id, stage, counter, value) VALUES (?, ?, ?, ?)');
  try {
    for (const name of opts.stages) {
      const stage = build(name);
      if (!stage) { log.info(`${name}: skipped (no source given: use --from-dir or --query)`); continue; }
      const c = await runStage(stage, ctx, { shouldStop: opts.shouldStop });
      counts.push(c);
      store.tx(() => {
        for (const [k, v] of Object.entries({ seen: c.seen, new: c.new, skipped: c.skipped, kept: c.kept, pending: c.pending, orphaned: c.orphaned })) putCounter.run(runId, name, k, v);
        for (const [reason, v] of Object.entries(c.dropped)) putCounter.run(runId, name, `dropped:${reason}`, v);
      });
      if (opts.shouldStop?.()) { status = 'interrupted'; break; }
    }
  } catch (e) {
    status = 'failed';
    throw e;
  } finally {
    await opts.source?.close?.();
    store.db.prepare('UPDATE runs SET finished_at = ?, status = ?, timings_json = ? WHERE id = ?')
      .run(new Date().toISOString(), status, JSON.stringify(Object.fromEntries(counts.map((c) => [c.stage, c.ms]))), runId);
  }
  return { runId, counts, status };
}
