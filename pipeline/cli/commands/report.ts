// `mmrare report`: the store's evaluation runs as one self-contained HTML page plus scores.csv and scores.json.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { JSON_OPTION, loadConfig, openStore, workdirOf } from '../globals.ts';
import { exportRowOf } from '../eval-rows.ts';
import type { Command } from './index.ts';

const atomicWrite = (path: string, text: string): void => {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
};

export const reportCommand: Command = {
  name: 'report',
  summary: 'write the evaluation report: one self-contained HTML page (tables, charts, CIs, categories, image necessity, worst questions) + scores.csv + scores.json',
  usage: 'mmrare report --out DIR [--cutoff YYYY-MM-DD] [options]',
  description: 'Reads the evaluation runs of the store (mmrare evaluate): the latest run of each model × condition × judge.\n' +
    'Level 1 and Level 2 side by side, 95 % bootstrap CIs over questions (seeded: the same store gives the same files).\n' +
    'With --cutoff, scores before and after that publication date. Links the worst questions to DIR/audit.html when it\n' +
    'exists (mmrare audit --html DIR/audit.html). Reads the store only.',
  examples: [
    'mmrare report --workdir W --out report/ && xdg-open report/report.html',
    'mmrare report --workdir W --out report/ --cutoff 2024-01-01 --json',
  ],
  options: {
    out: { type: 'string', value: 'DIR', description: 'the folder for report.html, scores.csv and scores.json (created)' },
    cutoff: { type: 'string', value: 'YYYY-MM-DD', description: 'split the scores by article publication date: before / on or after this date' },
    ...JSON_OPTION,
  },
  async run(values, _pos, io) {
    const config = loadConfig(values);
    if (!values.out) throw new UsageError('report needs --out DIR', 'report');
    if (values.cutoff !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.cutoff)) throw new UsageError(`--cutoff needs a date YYYY-MM-DD, got ${JSON.stringify(values.cutoff)}`, 'report');
    const out = resolve(values.out);
    const store = openStore(values, { readonly: true });
    try {
      const { buildReport, reportHtml, scoresCsv, scoresJson } = await import('../../evaluate/report.ts');
      mkdirSync(out, { recursive: true });
      const audit = existsSync(join(out, 'audit.html')) ? 'audit.html' : null;
      const data = buildReport(store.db, {
        rowOf: exportRowOf, blobPath: (h) => store.blobPath(h), readFile: (p) => readFileSync(p, 'utf8'), cutoff: values.cutoff ?? null,
        seed: config.evaluate.bootstrapSeed, iterations: config.evaluate.bootstrapIterations, worstQuestions: config.evaluate.worstQuestions,
        workdir: relative(process.cwd(), workdirOf(values)) || '.', auditHtml: audit,
      });
      atomicWrite(join(out, 'report.html'), reportHtml(data));
      atomicWrite(join(out, 'scores.csv'), scoresCsv(data));
      atomicWrite(join(out, 'scores.json'), scoresJson(data));
      const files = ['report.html', 'scores.csv', 'scores.json'].map((f) => join(out, f));
      if (values.json) io.out(JSON.stringify({ runs: data.runs.length, image_necessity: data.image_necessity.length, worst: data.worst.length, files }, null, 2));
      else {
        io.out(`report: ${data.runs.length} run(s), ${data.image_necessity.length} question(s) flagged as answerable without images`);
        for (const f of files) io.out(`  ${f}`);
      }
      return 0;
    } finally { store.close(); }
  },
};
