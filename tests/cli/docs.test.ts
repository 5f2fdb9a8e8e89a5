// docs/cli.md and the code agree: every command, every option, every exit code of the one error table,
// and each error class ends a command with the code the table gives it (issue #14 items 7 and 11).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../pipeline/cli/commands/index.ts';
import { EXIT_CODES, UsageError, reportError } from '../../pipeline/cli/errors.ts';
import { GLOBAL_OPTIONS } from '../../pipeline/cli/options.ts';
import { ConfigError, DataError, InputError, InternalError, SourceError } from '../../pipeline/core/errors.ts';
import { WorkdirError } from '../../db/store.ts';
import { REPO } from '../helpers.ts';

const doc = readFileSync(join(REPO, 'docs', 'cli.md'), 'utf8');

describe('docs/cli.md', () => {
  it('has a section for every command and names every option', () => {
    for (const c of COMMANDS) {
      expect(doc, c.name).toMatch(new RegExp(`^### mmrare .*\\b${c.name}\\b`, 'm'));
      for (const o of Object.keys(c.options ?? {})) expect(doc, `${c.name} --${o}`).toContain(`--${o}`);
    }
    for (const o of Object.keys(GLOBAL_OPTIONS)) expect(doc).toContain(`--${o}`);
    for (const o of ['--lexicon', '--out', '--min-confidence', '--include-non-rare', '--per-article', '--strict-pending']) expect(doc).toContain(o);
  });

  it('lists every exit code of the table with its name and classes, and nothing else', () => {
    const rows = [...doc.matchAll(/^\| (\d+) \| (\w+) \| ([^|]*) \|/gm)].map((m) => ({ code: Number(m[1]), name: m[2], classes: m[3] }));
    expect(rows.map((r) => r.code)).toEqual(EXIT_CODES.map((e) => e.code));
    for (const e of EXIT_CODES) {
      const row = rows.find((r) => r.code === e.code)!;
      expect(row.name).toBe(e.name);
      for (const c of e.classes.filter((x) => !x.startsWith('('))) expect(row.classes, `${e.code}`).toContain(`\`${c}\``);
    }
  });
});

describe('the error table', () => {
  it('each class ends a command with its code and the shape "mmrare <command>: …"', () => {
    const cases: [Error, number][] = [
      [new UsageError('unknown option --x'), 2], [new ConfigError('invalid config: a: b'), 2], [new InputError('no question x'), 3],
      [new SourceError('eutils: 500', false), 4], [new DataError('x not found at /y', 'orphanet'), 5], [new WorkdirError('workdir /w is not writable (…)', '/w'), 6],
      [new InternalError('boom'), 70], [new TypeError('x is not a function'), 70],
      [Object.assign(new Error("ENOENT: no such file or directory, open 'a.nxml'"), { code: 'ENOENT', path: 'a.nxml' }), 3],
    ];
    for (const [e, code] of cases) {
      const lines: string[] = [];
      expect(reportError(e, 'run', (s) => lines.push(s), false), e.message).toBe(code);
      expect(lines).toHaveLength(1);
      expect(lines[0].startsWith('mmrare run: ')).toBe(true);
      expect(lines[0]).not.toMatch(/ENOENT/);
    }
    const lines: string[] = [];
    reportError(new TypeError('x'), 'run', (s) => lines.push(s), false);
    expect(lines[0]).toBe('mmrare run: internal error: x (rerun with --debug for details)');
  });
});
