// `mmrare show PMCID`: an article's case timeline and figures, so a person can check extraction by eye.
import { readParsedArticle } from '../../../db/article-text.ts';
import type { ParsedArticle } from '../../../schemas/article.ts';
import type { Store } from '../../../db/store.ts';
import { InputError } from '../../core/errors.ts';
import { JSON_OPTION, loadConfig, openStore } from '../globals.ts';
import { UsageError } from '../errors.ts';
import { didYouMean } from '../suggest.ts';
import type { Command } from './index.ts';

/** "PMC4738710" from any spelling of it: 4738710, pmc4738710, PMC4738710.1, "PMC 4738710", PMCID:PMC4738710. */
export function normalizePmcid(input: string): string | null {
  const m = input.trim().match(/^(?:pmcid:\s*)?(pmc)?\s*(\d{1,10})(?:\.\d+)?$/i);
  return m ? `PMC${m[2]}` : null;
}

/**
 * The stored article the user means. A bare number is a PMCID's digits, or else a PMID the store
 * knows; when it is both (for two different articles) the user must say which.
 */
export function resolveArticle(store: Store, input: string): string {
  const pmcid = normalizePmcid(input);
  if (!pmcid) throw new InputError(`${JSON.stringify(input)} is not a PMCID (expected e.g. PMC4738710, pmc4738710 or 4738710)`);
  const has = (id: string): boolean => Boolean(store.db.prepare('SELECT 1 FROM articles WHERE pmcid = ?').get(id));
  const bare = /^\s*\d+\s*$/.test(input);
  const byPmid = bare ? (store.db.prepare('SELECT pmcid FROM articles WHERE pmid = ?').pluck().get(input.trim()) as string | undefined) : undefined;
  if (has(pmcid)) {
    if (byPmid && byPmid !== pmcid) throw new InputError(`${input} is ambiguous: ${pmcid}, or the article with PMID ${input} (${byPmid}); write PMC${input.trim()} or ${byPmid}`);
    return pmcid;
  }
  if (byPmid) return byPmid;
  const known = store.db.prepare('SELECT pmcid FROM articles ORDER BY pmcid').pluck().all() as string[];
  throw new InputError(`${pmcid} is not in this store${didYouMean(pmcid, known)} (${known.length} articles; list them with: mmrare list --articles)`);
}

export const showCommand: Command = {
  name: 'show',
  summary: "print an article's case timeline (sentence kinds, figure refs) and its figures with panels and linked sentences",
  usage: 'mmrare show PMCID [options]',
  description: 'PMCID may be written PMC4738710, pmc4738710, PMC4738710.1 or 4738710 (or the article\'s PMID when the store knows it).\n' +
    'Reads the store only: works on a store you cannot write.',
  examples: ['mmrare show PMC4738710 --workdir W', 'mmrare show 4738710 --workdir W --json | jq .figures'],
  options: { ...JSON_OPTION },
  async run(values, pos, io) {
    loadConfig(values);
    if (!pos[0]) throw new UsageError('show needs a PMCID, e.g. mmrare show PMC4738710', 'show');
    if (pos.length > 1) throw new UsageError(`show takes one PMCID, got ${pos.length}: ${pos.join(' ')}`, 'show');
    const store = openStore(values, { readonly: true });
    try {
      const pmcid = resolveArticle(store, pos[0]);
      const parsed = readParsedArticle(store.db, pmcid);
      if (!parsed) {
        const why = store.db.prepare(`SELECT stage, reason FROM stage_progress WHERE item_key = ? AND status = 'dropped'`).get(pmcid) as { stage: string; reason: string } | undefined;
        throw new InputError(why ? `${pmcid} was dropped at ${why.stage}: ${why.reason} (see: mmrare audit --rule ${why.reason})` : `${pmcid} is not extracted in this store (run: mmrare extract)`);
      }
      const a = parsed;
      // the JATS may lack the PMID that the source's metadata gave (fetch stores it on the article)
      a.pmid ??= (store.db.prepare('SELECT pmid FROM articles WHERE pmcid = ?').pluck().get(pmcid) as string | null | undefined) ?? null;
      if (values.json) {
        const { title: _t, abstract: _a, ...rest } = a;
        io.out(JSON.stringify({ ...rest, never_model_visible: { title: a.title, abstract: a.abstract } }, null, 2));
      } else {
        const { formatArticle } = await import('../../extract/show.ts');
        io.out(formatArticle(a));
      }
      return 0;
    } finally { store.close(); }
  },
};
