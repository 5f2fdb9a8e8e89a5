// `mmrare evaluate`: a model (and optionally a judge) on the store's accepted questions through an
// OpenAI-compatible endpoint; Level 1 and Level 2 scores per track, side by side (docs/evaluation.md).
import type { Config, LlmEndpointConfig } from '../../../schemas/config.ts';
import { LlmEndpointSchema } from '../../../schemas/config.ts';
import { TRACKS, type Track } from '../../../schemas/question.ts';
import { stderrLogger } from '../../runner/log.ts';
import { ProgressLine } from '../../runner/progress.ts';
import { UsageError } from '../errors.ts';
import { dataLocations, JSON_OPTION, loadConfig, openCommandLexicon, openStore } from '../globals.ts';
import { exportRowOf } from '../eval-rows.ts';
import type { Command } from './index.ts';

const CONDITION_LIST = 'baseline|text-only|images-only|captions-only|findings-disclosed';

export function parseTracks(s: string | undefined): Track[] | undefined {
  if (!s) return undefined;
  const out = s.split(',').map((x) => x.trim()).filter(Boolean);
  for (const t of out) if (!(TRACKS as readonly string[]).includes(t)) throw new UsageError(`--tracks: unknown track ${JSON.stringify(t)} (tracks: ${TRACKS.join(', ')})`, 'evaluate');
  return out as Track[];
}

const positiveInt = (v: string | undefined, name: string, cmd: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} needs a positive whole number, got ${JSON.stringify(v)}`, cmd);
  return n;
};

/** The endpoint: the config's llm.<use> with the command-line flags on top (flags win). */
function endpointOf(base: LlmEndpointConfig | null, model: string | undefined, url: string | undefined, keyEnv: string | undefined, concurrency: number | undefined, rps: number | undefined, what: string): LlmEndpointConfig | null {
  if (!base && !model && !url) return null;
  const merged = { ...(base ?? {}), ...(model ? { model } : {}), ...(url ? { baseUrl: url } : {}), ...(keyEnv ? { apiKeyEnv: keyEnv } : {}), ...(concurrency ? { concurrency } : {}), ...(rps ? { rps } : {}) };
  if (!merged.model) throw new UsageError(`${what} needs a model name (--${what === 'judge' ? 'judge' : 'model'} NAME)`, 'evaluate');
  if (!merged.baseUrl) throw new UsageError(`${what} needs an endpoint (--${what === 'judge' ? 'judge-endpoint' : 'endpoint'} URL, e.g. http://127.0.0.1:8000/v1)`, 'evaluate');
  const r = LlmEndpointSchema.safeParse(merged);
  if (!r.success) throw new UsageError(`${what} endpoint: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'evaluate');
  return r.data;
}

export const thresholdsOf = (c: Config) => ({ claimMinCoverage: c.evaluate.claimMinCoverage, ...c.evaluate.caseLevel });

const pct = (x: number | null): string => (x === null ? '—' : (x * 100).toFixed(1).padStart(5));

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'evaluate a model on the accepted questions via an OpenAI-compatible endpoint: Level 1 metrics and (with --judge) the Level 2 rubric, side by side',
  usage: 'mmrare evaluate --model NAME --endpoint URL [--judge NAME --judge-endpoint URL] [options]',
  description: 'Sends each question with its labelled images (data URLs, in order, the label before each image) and model-visible text only.\n' +
    'Every request is cached in the store by content hash: a rerun costs no request, an interrupted run resumes. Results go to\n' +
    'eval_runs / eval_predictions / eval_judgements; `mmrare report` turns them into a page. Only accepted questions unless --draft.\n' +
    `Conditions: ${CONDITION_LIST} (docs/evaluation.md). The key is read from the environment variable --api-key-env names.`,
  examples: [
    'mmrare evaluate --workdir W --model gpt-4o --endpoint https://api.openai.com/v1 --api-key-env OPENAI_API_KEY --judge gpt-4o --judge-endpoint https://api.openai.com/v1 --judge-api-key-env OPENAI_API_KEY',
    'mmrare evaluate --workdir W --model qwen2-vl --endpoint http://127.0.0.1:8000/v1 --draft --condition text-only --tracks diagnosis',
    'mmrare evaluate --workdir W --model qwen2-vl --endpoint http://127.0.0.1:8000/v1 --differential --json',
  ],
  options: {
    model: { type: 'string', value: 'NAME', description: 'the model under test (default: the config\'s llm.evaluate.model)' },
    endpoint: { type: 'string', value: 'URL', description: 'its OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (default: llm.evaluate.baseUrl)' },
    'api-key-env': { type: 'string', value: 'VAR', description: 'the environment variable holding its API key (the key is never stored)' },
    judge: { type: 'string', value: 'NAME', description: 'the judge model for the Level 2 rubric (default: llm.judge.model; none: Level 1 only)' },
    'judge-endpoint': { type: 'string', value: 'URL', description: 'the judge\'s base URL (default: llm.judge.baseUrl, else --endpoint)' },
    'judge-api-key-env': { type: 'string', value: 'VAR', description: 'the environment variable holding the judge\'s API key' },
    tracks: { type: 'string', value: 'LIST', description: 'comma list of tracks (default: all four)' },
    condition: { type: 'string', value: 'NAME', default: 'baseline', description: `what the model is shown: ${CONDITION_LIST} (default baseline)` },
    limit: { type: 'string', value: 'N', description: 'the first N questions (in id order)' },
    differential: { type: 'boolean', default: false, description: 'diagnosis: ask for a ranked differential (Recall@1/3/5/10, MRR)' },
    draft: { type: 'boolean', default: false, description: 'every filtered question, not only the accepted ones' },
    concurrency: { type: 'string', value: 'N', description: 'questions (and requests per endpoint) in flight at once (default: the endpoint\'s concurrency, 2)' },
    rps: { type: 'string', value: 'N', description: 'requests per second per endpoint (default: the endpoint\'s rps, 2)' },
    ...JSON_OPTION,
  },
  async run(values, _pos, io) {
    const config = loadConfig(values);
    const { CONDITIONS } = await import('../../evaluate/request.ts');
    if (!(CONDITIONS as readonly string[]).includes(values.condition)) throw new UsageError(`--condition: unknown condition ${JSON.stringify(values.condition)} (${CONDITION_LIST})`, 'evaluate');
    const tracks = parseTracks(values.tracks);
    const limit = positiveInt(values.limit, 'limit', 'evaluate');
    const concurrency = positiveInt(values.concurrency, 'concurrency', 'evaluate');
    const rps = values.rps !== undefined ? Number(values.rps) : undefined;
    if (rps !== undefined && !(rps > 0)) throw new UsageError(`--rps needs a positive number, got ${JSON.stringify(values.rps)}`, 'evaluate');
    const modelEp = endpointOf(config.llm.evaluate, values.model, values.endpoint, values['api-key-env'], concurrency, rps, 'model');
    if (!modelEp) throw new UsageError('evaluate needs --model NAME and --endpoint URL (or llm.evaluate in the config)', 'evaluate');
    const judgeEp = endpointOf(config.llm.judge, values.judge, values['judge-endpoint'] ?? (values.judge && !config.llm.judge ? modelEp.baseUrl : undefined),
      values['judge-api-key-env'], concurrency, rps, 'judge');

    const log = stderrLogger({ debug: values.debug });
    const lexicon = (await openCommandLexicon(values, config, log)).lexicon;
    const { openVocab } = await import('../../../ontology/vocab/cache.ts');
    const vocab = openVocab(dataLocations(values, config), { warn: (m) => log.warn(m) }).vocab;
    const store = openStore(values, { mustExist: true });
    const { ChatClient } = await import('../../client/chat.ts');
    const { LlmCache } = await import('../../client/llm-cache.ts');
    const { evaluate } = await import('../../evaluate/run.ts');
    const { orphanetResolver, conceptResolver } = await import('../../evaluate/resolvers.ts');
    const { runInfo, questionResults, scoreRun } = await import('../../evaluate/aggregate.ts');
    const cache = new LlmCache(store.db);
    const model = new ChatClient({ use: 'evaluate', endpoint: modelEp, cache, maxParseRetries: config.llm.maxParseRetries });
    const judge = judgeEp ? new ChatClient({ use: 'judge', endpoint: judgeEp, cache, maxParseRetries: config.llm.maxParseRetries }) : null;
    const bar: { line: ProgressLine | null } = { line: null };   // drawn once the question count is known
    try {
      const res = await evaluate({
        db: store.db, blobPath: (h) => store.blobPath(h), model, judge, condition: values.condition, differential: values.differential,
        draft: values.draft, tracks, limit, concurrency: concurrency ?? modelEp.concurrency,
        orphanet: orphanetResolver(lexicon), concepts: conceptResolver(vocab), thresholds: thresholdsOf(config),
        rowOf: exportRowOf, shouldStop: io.shouldStop, warn: (m) => log.warn(m),
        onQuestion: (_done, total) => {
          bar.line ??= new ProgressLine('evaluate', total);
          const m = model.stats(), j = judge?.stats();
          const req = m.attempts + (j?.attempts ?? 0), cached = m.cached + (j?.cached ?? 0), failed = m.failed + (j?.failed ?? 0);
          const tokens = m.totalTokens + (j?.totalTokens ?? 0);
          bar.line.tick(`requests ${req} · cached ${cached} · failed ${failed}${tokens ? ` · tokens ${tokens}` : ''}`);
        },
      });
      bar.line?.done();
      if (res.questions === 0) log.warn(values.draft ? 'no filtered questions in this store (run: mmrare run)' : 'no accepted questions in this store: review some, or evaluate the drafts with --draft');
      const scores = scoreRun(runInfo(store.db, res.runId), questionResults(store.db, res.runId, exportRowOf), { seed: config.evaluate.bootstrapSeed, iterations: config.evaluate.bootstrapIterations });
      const calls = { model: res.model, judge: res.judge };
      if (values.json) {
        io.out(JSON.stringify({ run_id: res.runId, questions: res.questions, answered: res.answered, failed: res.failed, judged: res.judged, unparseable: res.unparseable, judge_failed: res.judgeFailed, interrupted: res.interrupted, calls, scores }, null, 2));
      } else {
        io.out(`evaluation run ${res.runId}: ${modelEp.model}, ${values.condition}${values.differential ? ', differential' : ''}${judge ? `, judge ${judge.model}` : ''} — ${res.answered}/${res.questions} answered${res.failed ? `, ${res.failed} failed (rerun to retry)` : ''}`);
        io.out(`requests: model ${res.model.attempts} (${res.model.cached} cached)${res.judge ? `, judge ${res.judge.attempts} (${res.judge.cached} cached, ${res.unparseable} unparseable)` : ''}`);
        for (const t of scores.tracks) {
          io.out(`${t.track.padEnd(12)} n=${String(t.answered).padStart(3)}  ` + t.metrics.map((m) => `L${m.level} ${m.name} ${m.name.includes('mentioned') ? (m.value ?? 0).toFixed(2) : pct(m.value)}`).join('  '));
        }
        io.out(`case level: ${scores.case_level.right}/${scores.case_level.cases} cases right (${pct(scores.case_level.accuracy).trim()} %)`);
        io.out(`next: mmrare report --workdir ${values.workdir ?? './mmrare-data'} --out report/`);
      }
      return res.interrupted ? 130 : 0;
    } finally {
      bar.line?.done();
      await model.close();
      await judge?.close();
      store.close();
    }
  },
};
