// `mmrare add`: more articles into an existing build. Runs every stage with the new source; the runner
// skips every item already done with the same inputs and config, so existing question ids, reviews and
// decisions stay as they are. The build's config is kept (a different config would rebuild everything:
// that is `mmrare run`). An article that comes back with a newer PMC version is rebuilt, and the reviews
// of its old questions are marked stale (never deleted): they show as needing re-review.
import { STAGE_NAMES } from '../../runner/stage-names.ts';
import { hashedConfig, parseConfig, type Config } from '../../../schemas/config.ts';
import { hashOf } from '../../core/hash.ts';
import { InputError } from '../../core/errors.ts';
import { hasStore, JSON_OPTION, loadConfig, openStore, SOURCE_OPTIONS, workdirOf } from '../globals.ts';
import { runStages } from './run.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './index.ts';

const { sample: _sample, ...ADD_SOURCE_OPTIONS } = SOURCE_OPTIONS;

/** What decides what is built: the hashed config without where the articles come from (URLs, limits). */
const buildHash = (c: Config): string => { const { sources: _s, ...rest } = hashedConfig(c) as Record<string, unknown>; return hashOf(rest); };

export interface AddReport {
  articles_before: number; articles_after: number;
  new_articles: string[]; new_versions: { pmcid: string; from: number; to: number }[];
  questions_before: number; questions_after: number;
  /** reviews this add marked stale (their article has a newer version, or their question was rebuilt) */
  reviews_marked_stale: number;
  reviews: { questions: number; accepted: number; rejected: number; pending: number; needs_rereview: number; edited: number };
}

function versions(values: Record<string, any>): Map<string, number> {
  const store = openStore(values, { readonly: true });
  try {
    return new Map((store.db.prepare('SELECT pmcid, version FROM articles').all() as { pmcid: string; version: number }[]).map((r) => [r.pmcid, r.version]));
  } finally { store.close(); }
}

async function add(values: Record<string, any>, io: CliIo): Promise<number> {
  const w = values.workdir ?? './mmrare-data';
  const given = ['from-dir', 'query'].filter((k) => values[k]);
  if (given.length !== 1) throw new InputError(`give one source of new articles: --from-dir DIR or --query TERMS --since YYYY-MM-DD${given.length ? `, not ${given.map((k) => `--${k}`).join(' and ')}` : ''}`);
  if (values.query && !values.since) throw new InputError('--query needs --since YYYY-MM-DD: add fetches what was published or updated since then');
  if (!hasStore(values)) throw new InputError(`no mmrare store in ${workdirOf(values)} to add to (build one first: mmrare run --workdir ${w} --sample, or --from-dir DIR)`);
  const config = loadConfig(values);
  const store = openStore(values, { readonly: true });
  let lastHash: string | undefined;
  let questionsBefore = 0;
  let staleBefore = 0;
  try {
    staleBefore = store.db.prepare('SELECT COUNT(*) FROM reviews WHERE stale = 1').pluck().get() as number;
    const last = store.db.prepare(`SELECT config_json FROM runs WHERE status = 'ok' ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined;
    lastHash = last === undefined ? undefined : buildHash(parseConfig(JSON.parse(last)));
    questionsBefore = store.db.prepare('SELECT COUNT(*) FROM filtered_questions').pluck().get() as number;
  } finally { store.close(); }
  if (lastHash && lastHash !== buildHash(config)) {
    throw new InputError(`the config differs from the build's (what it builds: ${buildHash(config).slice(0, 12)}, last run ${lastHash.slice(0, 12)}; sources aside): add keeps the build's config so that existing questions stay as they are; give the same --config and --licences, or rebuild with mmrare run`);
  }
  const before = versions(values);
  // live: list every article of the search, stored or not, so that a newer version of a stored one is
  // seen (the runner skips the unchanged ones by their version); --new N lists only articles not stored
  const runValues = { ...values, refetch: values.query && values.new === undefined ? true : values.refetch };
  const captured: string[] = [];
  const inner: CliIo = values.json ? { ...io, out: (s) => captured.push(s) } : io;
  const code = await runStages(STAGE_NAMES, 'add', runValues, inner);
  const rw = openStore(values);
  try {
    const { markChangedReviewsStale, reviewCounts } = await import('../../review/store.ts');
    markChangedReviewsStale(rw.db);
    const after = new Map((rw.db.prepare('SELECT pmcid, version FROM articles').all() as { pmcid: string; version: number }[]).map((r) => [r.pmcid, r.version]));
    const report: AddReport = {
      articles_before: before.size, articles_after: after.size,
      new_articles: [...after.keys()].filter((p) => !before.has(p)).sort(),
      new_versions: [...after.entries()].filter(([p, v]) => before.has(p) && before.get(p)! < v).map(([pmcid, to]) => ({ pmcid, from: before.get(pmcid)!, to })).sort((a, b) => (a.pmcid < b.pmcid ? -1 : 1)),
      questions_before: questionsBefore, questions_after: rw.db.prepare('SELECT COUNT(*) FROM filtered_questions').pluck().get() as number,
      reviews_marked_stale: (rw.db.prepare('SELECT COUNT(*) FROM reviews WHERE stale = 1').pluck().get() as number) - staleBefore,
      reviews: reviewCounts(rw.db),
    };
    if (values.json) {
      const run = captured.length ? JSON.parse(captured.join('\n')) : null;
      io.out(JSON.stringify({ ...run, added: report }, null, 2));
    } else {
      io.out('');
      io.out(`added:    ${report.new_articles.length} new article${report.new_articles.length === 1 ? '' : 's'}${report.new_articles.length ? ` (${report.new_articles.join(', ')})` : ''}, ` +
        `${report.new_versions.length} newer version${report.new_versions.length === 1 ? '' : 's'}${report.new_versions.length ? ` (${report.new_versions.map((v) => `${v.pmcid} v${v.from}→v${v.to}`).join(', ')})` : ''}; ` +
        `questions ${report.questions_before} → ${report.questions_after}`);
      io.out(`reviews:  ${report.reviews.accepted} accepted, ${report.reviews.rejected} rejected, ${report.reviews.pending} pending` +
        (report.reviews_marked_stale ? `; ${report.reviews_marked_stale} reviews marked stale` : '') +
        (report.reviews.needs_rereview ? `; ${report.reviews.needs_rereview} questions need re-review (their article changed: mmrare review --workdir ${w}, filter "needs re-review")` : ''));
    }
  } finally { rw.close(); }
  return code;
}

export const addCommand: Command = {
  name: 'add',
  summary: 'add new articles to a build (from a folder or a live search since a date); existing questions and reviews stay',
  usage: 'mmrare add (--from-dir DIR | --query TERMS --since YYYY-MM-DD --email E --tool T [--new N | --limit N]) [options]',
  description: 'Runs the pipeline on articles the build does not have yet: items already done with the same inputs and\n' +
    'config are skipped, so existing question ids, reviews and decisions are untouched. The build\'s config is kept:\n' +
    'a config that builds differently is refused (rebuild with mmrare run; the sources section may differ).\n' +
    'An article that comes back with a newer PMC version is rebuilt and the reviews of its questions are marked\n' +
    'stale (never deleted): they need a re-review.\n' +
    'Live: every article of the search since the date is listed, so newer versions of stored ones are seen\n' +
    '(--new N lists only articles not stored yet, and then does not look for newer versions).',
  examples: [
    'mmrare add --workdir W --from-dir ~/more-case-reports',
    'mmrare add --workdir W --query "rare disease case report" --since 2026-01-01 --email you@example.org --tool mmrare',
  ],
  options: { ...ADD_SOURCE_OPTIONS, ...JSON_OPTION },
  run: (values, _pos, io) => add(values, io),
};
