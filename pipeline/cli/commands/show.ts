// `mmrare show PMCID`: an article's case timeline and figures, so a person can check extraction by eye.
import type { ParsedArticle } from '../../../schemas/article.ts';
import { InputError } from '../../core/errors.ts';
import { openStore } from '../globals.ts';
import type { Command } from './index.ts';

export const showCommand: Command = {
  name: 'show',
  summary: "print an article's case timeline (sentence kinds, figure refs) and its figures with panels and linked sentences",
  usage: 'mmrare show PMCID [--workdir DIR] [--json]',
  examples: ['mmrare show PMC4738710 --workdir W', 'mmrare show PMC4738710 --workdir W --json | jq .figures'],
  options: { json: { type: 'boolean', default: false } },
  async run(values, pos, io) {
    const pmcid = pos[0];
    if (!pmcid || !/^PMC\d+$/.test(pmcid)) throw new InputError('show needs a PMCID, e.g. mmrare show PMC4738710');
    const store = openStore(values, { mustExist: true });
    try {
      const row = store.db.prepare('SELECT parsed_json FROM article_text WHERE pmcid = ?').get(pmcid) as { parsed_json: string } | undefined;
      if (!row) {
        const why = store.db.prepare(`SELECT stage, reason FROM stage_progress WHERE item_key = ? AND status = 'dropped'`).get(pmcid) as { stage: string; reason: string } | undefined;
        throw new InputError(why ? `${pmcid} was dropped at ${why.stage}: ${why.reason} (see: mmrare audit --rule ${why.reason})` : `${pmcid} is not extracted in this store`);
      }
      const a = JSON.parse(row.parsed_json) as ParsedArticle;
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
