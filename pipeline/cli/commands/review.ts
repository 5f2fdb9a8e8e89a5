// `mmrare review`: the review web app (pipeline/review), `review add-reviewer NAME` (a token for a served
// app) and `review import-labelstudio FILE` (Label Studio annotations as reviews). The leak check of an
// edit (filter rules + residual scanner) is built here and handed to pipeline/review, which may not
// import other stages.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import { InputError } from '../../core/errors.ts';
import { UsageError } from '../errors.ts';
import { JSON_OPTION, loadConfig, openCommandLexicon, openStore as openAnyStore, hasStore, workdirOf } from '../globals.ts';
import { notWritable, unwritableReason } from '../../../db/store.ts';
import { stderrLogger } from '../../runner/log.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './index.ts';

/** Every review sub-command writes: a store that cannot be written is exit 6 before anything is read. */
function openStore(values: Record<string, any>, opts: { mustExist: boolean }) {
  if (hasStore(values)) {
    const why = unwritableReason(workdirOf(values));
    if (why) throw notWritable(workdirOf(values), why);
  }
  return openAnyStore(values, opts);
}

function localReviewer(values: Record<string, any>): string {
  const name = values.reviewer ?? process.env.USER ?? (() => { try { return userInfo().username; } catch { return ''; } })();
  if (!name || !String(name).trim()) throw new InputError('no reviewer name: give --reviewer NAME (or set $USER)');
  return String(name).trim();
}

async function reviewCheck(values: Record<string, any>, db: import('better-sqlite3').Database) {
  const config = loadConfig(values);
  const { lexicon } = await openCommandLexicon(values, config, stderrLogger({ debug: values.debug }));
  const { createReviewCheck } = await import('../review-check.ts');
  return { config, check: createReviewCheck(db, lexicon, config) };
}

async function serve(values: Record<string, any>, io: CliIo): Promise<number> {
  const host = String(values.host ?? '127.0.0.1');
  const port = values.port === undefined ? 8377 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError(`--port ${values.port}: expected a port number (0-65535)`);
  const { isLoopback, createReviewServer } = await import('../../review/server.ts');
  const { reviewerCount } = await import('../../review/store.ts');
  const store = openStore(values, { mustExist: true });
  try {
    const loop = isLoopback(host);
    if (!loop && reviewerCount(store.db) === 0) {
      throw new InputError(`--host ${host} is not loopback, so every reviewer needs a token and none is stored: run mmrare review add-reviewer NAME --workdir ${values.workdir ?? './mmrare-data'} first`);
    }
    const reviewer = loop ? localReviewer(values) : '';
    // reviews made on a row filter has rebuilt since (e.g. after `mmrare run` with another config) no longer count
    const { markChangedReviewsStale } = await import('../../review/store.ts');
    const stale = markChangedReviewsStale(store.db);
    if (stale) io.err(`${stale} reviews were made on a row that has been rebuilt since: marked stale (their questions need a re-review)`);
    const { config, check } = await reviewCheck(values, store.db);
    const server = createReviewServer({ store, checkRow: check, host, localReviewer: reviewer, maskToken: config.filter.maskToken, log: (l) => io.err(`review: ${l}`) });
    await new Promise<void>((ok, fail) => { server.once('error', fail); server.listen(port, host, () => ok()); });
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
    if (values.json) io.out(JSON.stringify({ url, host, port: bound, tokens: !loop, reviewer: reviewer || null }));
    else io.out(`review app: ${url}  (${loop ? `reviewer ${reviewer}; loopback only` : 'tokens required: each reviewer signs in with the token add-reviewer printed'}; Ctrl-C to stop)`);
    await new Promise<void>((ok) => {
      const stop = () => { server.close(() => ok()); server.closeAllConnections(); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } finally {
    store.close();
  }
}

async function addReviewerCmd(values: Record<string, any>, positionals: string[], io: CliIo): Promise<number> {
  const name = positionals[1];
  if (!name || !/^[\p{L}\p{N}._@-]{1,64}$/u.test(name)) throw new UsageError('add-reviewer needs a NAME (letters, digits, . _ @ -)', 'review');
  const { addReviewer } = await import('../../review/store.ts');
  const store = openStore(values, { mustExist: true });
  try {
    const token = addReviewer(store.db, name);
    if (values.json) io.out(JSON.stringify({ reviewer: name, token }));
    else {
      io.out(token);
      io.err(`reviewer ${name}: the token above is shown once (only its sha256 is stored); run add-reviewer again to replace it`);
    }
    return 0;
  } finally { store.close(); }
}

async function importCmd(values: Record<string, any>, positionals: string[], io: CliIo): Promise<number> {
  const file = positionals[1];
  if (!file) throw new UsageError('import-labelstudio needs the FILE of a Label Studio JSON export', 'review');
  const p = resolve(file);
  if (!existsSync(p)) throw new InputError(`${file}: no such file`);
  if (statSync(p).isDirectory()) throw new InputError(`${file}: is a folder, expected a Label Studio JSON export`);
  let json: unknown;
  try { json = JSON.parse(readFileSync(p, 'utf8')); } catch (e) { throw new InputError(`${file}: not valid JSON (${(e as Error).message})`); }
  const { importLabelStudio } = await import('../../review/labelstudio.ts');
  const store = openStore(values, { mustExist: true });
  try {
    const { check } = await reviewCheck(values, store.db);
    (await import('../../review/store.ts')).markChangedReviewsStale(store.db);
    const res = importLabelStudio(store.db, json, check, { reviewer: values.reviewer ?? null });
    const count = (k: string) => res.outcomes.filter((o) => o.outcome === k).length;
    const summary = { stored: count('stored'), duplicate: count('duplicate'), refused: count('refused'), invalid: count('invalid'), not_found: count('not_found'), skipped: res.problems.length };
    if (values.json) io.out(JSON.stringify({ ...summary, outcomes: res.outcomes, problems: res.problems }, null, 2));
    else {
      for (const o of res.outcomes.filter((x) => x.outcome !== 'stored' && x.outcome !== 'duplicate')) {
        io.out(`${o.question}\t${o.outcome}\ttask ${o.task} annotation ${o.annotation}: ${o.message ?? ''}${o.findings ? ` (${o.findings.map((f) => `${f.field}: "${f.text}"`).join('; ')})` : ''}`);
      }
      for (const pr of res.problems) io.out(`-\tskipped\ttask ${pr.task}${pr.annotation ? ` annotation ${pr.annotation}` : ''}: ${pr.problem}`);
      io.out(`imported: ${summary.stored} reviews stored, ${summary.duplicate} already imported, ${summary.refused} edits refused by the leak checks, ${summary.invalid + summary.not_found + summary.skipped} not usable`);
    }
    return 0;
  } finally { store.close(); }
}

export const reviewCommand: Command = {
  name: 'review',
  summary: 'review web app (accept / reject / edit questions); add-reviewer NAME; import-labelstudio FILE',
  usage: 'mmrare review [--port N] [--host H] [--reviewer NAME] | mmrare review add-reviewer NAME | mmrare review import-labelstudio FILE [--reviewer NAME]',
  description: 'Serves the review app for the store: one page with every filtered question (masked context, labelled images,\n' +
    'answer and evidence, leak decisions, licence, the case\'s alignment) and the cases align holds for a diagnosis decision.\n' +
    'Keys: a accept, r reject (with a reason code), e edit, j/k next/previous. Every review is a row with reviewer, time,\n' +
    'before/after and revision; an edit passes the leak rules and the residual scanner first. Binds 127.0.0.1; any other\n' +
    '--host requires reviewer tokens (add-reviewer prints one; only its sha256 is stored). docs/review.md.',
  examples: [
    'mmrare review --workdir W                       # http://127.0.0.1:8377/, reviewer $USER',
    'mmrare review add-reviewer alice --workdir W    # prints alice\'s token once',
    'mmrare review --workdir W --host 0.0.0.0 --port 8080',
    'mmrare review import-labelstudio export.json --workdir W --reviewer alice',
  ],
  options: {
    port: { type: 'string', value: 'N', description: 'the port (default 8377; 0 picks a free one)' },
    host: { type: 'string', value: 'H', description: 'the address to bind (default 127.0.0.1); anything but loopback requires reviewer tokens' },
    reviewer: { type: 'string', value: 'NAME', description: 'who reviews on a loopback app, and the reviewer of imported annotations (default $USER; import: Label Studio\'s annotator)' },
    ...JSON_OPTION,
  },
  run: async (values, positionals, io) => {
    const sub = positionals[0];
    if (sub === undefined) return serve(values, io);
    if (sub === 'add-reviewer') return addReviewerCmd(values, positionals, io);
    if (sub === 'import-labelstudio') return importCmd(values, positionals, io);
    throw new UsageError(`unknown sub-command ${sub}: add-reviewer NAME, import-labelstudio FILE, or none to serve the app`, 'review');
  },
};
