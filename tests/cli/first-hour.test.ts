// A new user's first hour (issue #14), each item as a user meets it: the real binary in a child process,
// its exit code and the message it prints. None of these needs a built benchmark.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store } from '../../db/store.ts';
import { BIN, tempDir } from '../helpers.ts';
import { caseReportPath } from '../shared-data.ts';
import { mmrare, smallLayout } from './helpers.ts';

const work = tempDir('mmrare-cli-first-');
afterAll(() => work.cleanup());
let store: string; // an empty but valid store (migrations only)

beforeAll(() => {
  store = join(work.dir, 'store');
  new Store(store).close();
});

const oneLine = (s: string): string[] => s.trim().split('\n');

describe('2. a bad source leaves nothing behind', () => {
  it('run --from-dir of a missing folder: exit 3, the folder named, no store created', () => {
    const w = join(work.dir, 'w-missing');
    const r = mmrare(['run', '--workdir', w, '--from-dir', '/does/not/exist']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe('mmrare run: --from-dir /does/not/exist: not a folder');
    expect(existsSync(w)).toBe(false);
  });

  it('run --from-dir of an empty folder: exit 3, says what layout it expects, no mmrare.db or blobs/', () => {
    const empty = join(work.dir, 'empty-src');
    mkdirSync(empty);
    const w = join(work.dir, 'w-empty');
    mkdirSync(w);
    const r = mmrare(['run', '--workdir', w, '--from-dir', empty]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no PMC<n>\.<v>\/ article folders found \(expected the PMC Cloud bucket layout/);
    expect(readdirSync(w)).toEqual([]);
  });
});

describe('3. nothing to do is said, not exported', () => {
  it('run on an empty workdir with no source: exit 3 "nothing to do", no store and no export', () => {
    const w = join(work.dir, 'w-nothing');
    mkdirSync(w);
    const r = mmrare(['run', '--workdir', w]);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^mmrare run: nothing to do: .* holds no store and no source was given; give --sample/);
    expect(readdirSync(w)).toEqual([]);
  });

  it('run with no source on a store that holds no articles: exit 3, no empty export written', () => {
    const r = mmrare(['run', '--workdir', store]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nothing to do: the store in .* holds no articles/);
    expect(existsSync(join(store, 'export'))).toBe(false);
  });
});

describe('6. --config is validated by every command', () => {
  const bad = join(work.dir, 'bad.json');
  const arr = join(work.dir, 'array.json');
  const good = join(work.dir, 'good.json');
  beforeAll(() => {
    writeFileSync(bad, '{ nope');
    writeFileSync(arr, '[1,2]');
    writeFileSync(good, JSON.stringify({ align: { minConfidence: 0.5 } }));
  });

  it('status, list, audit and show reject a config that is not JSON (exit 2), naming the file', () => {
    for (const args of [['status'], ['list'], ['audit', '--summary'], ['show', 'PMC1']]) {
      const r = mmrare([...args, '--workdir', store, '--config', bad]);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toMatch(new RegExp(`^mmrare ${args[0]}: --config .*bad\\.json: not valid JSON`));
    }
  });

  it('a JSON array is "expected a JSON object", not "Unrecognized keys: 0, 1"', () => {
    const r = mmrare(['run', '--workdir', join(work.dir, 'w-arr'), '--config', arr]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--config .*array\.json: expected a JSON object .* got an array/);
    expect(r.stderr).not.toMatch(/Unrecognized keys/);
    expect(existsSync(join(work.dir, 'w-arr'))).toBe(false);
  });

  it('ontology takes --config like every command, before or after the sub-command', () => {
    const file = caseReportPath('PMC4738710');
    expect(mmrare(['ontology', '--config', good, 'diagnose', file, '--json']).code).toBe(0);
    expect(mmrare(['ontology', 'diagnose', file, '--config', good, '--workdir', store, '--json']).code).toBe(0);
    const r = mmrare(['ontology', '--config', bad, 'lookup', 'Marfan syndrome']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mmrare ontology lookup: --config .*: not valid JSON/);
  });
});

describe('7. help describes every option, with an example', () => {
  it('each option line of every --help carries a description', async () => {
    const { COMMANDS } = await import('../../pipeline/cli/commands/index.ts');
    const { main } = await import('../../pipeline/cli/main.ts');
    const helps = [...COMMANDS.filter((c) => !c.passthrough).map((c) => [c.name]), ['ontology', 'import'], ['ontology', 'lookup'], ['ontology', 'info'], ['ontology', 'diagnose']];
    for (const h of helps) {
      // in-process for speed; the spawned binary prints the same text (checked for `run` below)
      const out: string[] = [];
      const code = await main([...h, '--help'], { out: (x) => out.push(x), err: () => {}, shouldStop: () => false });
      const text = out.join('\n');
      expect(code, h.join(' ')).toBe(0);
      const optionLines = text.split('\n').filter((l) => /^ {2}(-\w, )?--[\w-]+/.test(l));
      expect(optionLines.length, h.join(' ')).toBeGreaterThan(3);
      for (const l of optionLines) expect(l, `${h.join(' ')}: ${l}`).toMatch(/^ {2}(-\w, )?--[\w-]+( [A-Z][A-Z-]*)?( …)?\s{2,}\S.{8,}/);
      expect(text, h.join(' ')).toMatch(/Examples?:/);
      if (h[0] !== 'ontology') expect(text).toMatch(/Exit codes: 0 ok, 2 usage, 3 input/);
    }
    const run = mmrare(['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--from-dir DIR\s+a local folder in the PMC Cloud bucket layout/);
    expect(run.stdout).toMatch(/--per-article\s+also print one line per article/);
    expect(run.stdout).toMatch(/--strict-pending\s+exit 75/);
  });
});

describe('9. unknown commands and flags: a balanced message and "did you mean"', () => {
  it('a misspelt flag', () => {
    const r = mmrare(['run', '--frm-dir', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('mmrare run: unknown option --frm-dir (did you mean --from-dir?) (try: mmrare run --help)');
    expect((r.stderr.match(/'/g) ?? []).length % 2).toBe(0);
  });

  it('a misspelt command, a misspelt ontology sub-command, a flag with no value', () => {
    const c = mmrare(['stauts']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^mmrare: unknown command stauts \(did you mean status\?\)/);
    const o = mmrare(['ontology', 'lokup', 'x']);
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/^mmrare ontology: unknown ontology command lokup \(did you mean lookup\?\)/);
    const v = mmrare(['audit', '--workdir', store, '--question']);
    expect(v.code).toBe(2);
    expect(v.stderr.trim()).toBe('mmrare audit: --question needs a value (ID) (try: mmrare audit --help)');
    const j = mmrare(['status', '--jsn']);
    expect(j.stderr).toMatch(/did you mean --json\?/);
  });
});

describe('11. one error shape everywhere; no raw ENOENT', () => {
  it('ontology diagnose of a missing file: exit 3, "mmrare ontology diagnose: missing.nxml: no such file"', () => {
    const r = mmrare(['ontology', 'diagnose', 'missing.nxml']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe('mmrare ontology diagnose: missing.nxml: no such file');
    expect(r.stderr).not.toMatch(/ENOENT/);
  });

  it('every failing command says "mmrare <command>: …" on one line', () => {
    const cases: [string[], string][] = [
      [['status', '--workdir', join(work.dir, 'none')], 'status'],
      [['show', '--workdir', store, 'PMC1'], 'show'],
      [['audit', '--workdir', store, '--question', 'dx-PMC1-c1-00000000'], 'audit'],
      [['list', '--workdir', store, '--status', 'bogus'], 'list'],
      [['ontology', 'info', 'ORPHA:1'], 'ontology info'],
      [['ontology', 'import', 'missing.tar.gz'], 'ontology import'],
      [['fetch', '--workdir', join(work.dir, 'none'), '--query', 'x', '--email', 'e@x', '--tool', 't', '--limit', '0'], 'fetch'],
    ];
    for (const [args, prefix] of cases) {
      const r = mmrare(args);
      expect(r.code, args.join(' ')).toBe(3);
      expect(oneLine(r.stderr), args.join(' ')).toHaveLength(1);
      expect(r.stderr.startsWith(`mmrare ${prefix}: `), r.stderr).toBe(true);
    }
  });
});

describe('12. progress on a terminal, silence elsewhere', () => {
  it('draws a bar per stage when stderr is a TTY, and nothing when it is a pipe or CI is set', async () => {
    const src = await smallLayout(join(work.dir, 'small-src'), ['PMC4738710', 'PMC4745306']);
    const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    // `script` gives the command a pseudo-terminal, as a person's shell would
    const tty = spawnSync('script', ['-qfec', `${q(process.execPath)} ${q(BIN)} run --workdir ${q(join(work.dir, 'w-tty'))} --from-dir ${q(src)}`, '/dev/null'],
      { encoding: 'utf8', env: { ...process.env, CI: '' }, timeout: 120_000 });
    expect(tty.status, tty.stdout).toBe(0);
    expect(tty.stdout).toContain('\r\x1b[2K');
    expect(tty.stdout).toMatch(/extract\s+\[#+\.*\] \d+\/2/);
    expect(tty.stdout).toMatch(/exported: \d+ questions? — (?:[a-z-]+ \d+, )*diagnosis \d+/);
    const pipe = mmrare(['run', '--workdir', join(work.dir, 'w-pipe'), '--from-dir', src], { env: { CI: undefined } });
    expect(pipe.code).toBe(0);
    expect(pipe.stderr + pipe.stdout).not.toMatch(/\x1b\[/);
    const ci = spawnSync('script', ['-qfec', `${q(process.execPath)} ${q(BIN)} run --workdir ${q(join(work.dir, 'w-ci'))} --from-dir ${q(src)}`, '/dev/null'],
      { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120_000 });
    expect(ci.status).toBe(0);
    expect(ci.stdout).not.toContain('\x1b[2K');
  }, 180_000);
});
