// The CLI as a user meets it: --help everywhere, one-line errors with non-zero exit codes.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../pipeline/cli/commands/index.ts';
import { commandHelp, main } from '../../pipeline/cli/main.ts';
import type { CliIo } from '../../pipeline/cli/io.ts';
import { cli, tempDir } from '../helpers.ts';

const work = tempDir();
afterAll(() => work.cleanup());

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => stdout.push(s), err: (s) => stderr.push(s), shouldStop: () => false };
}

describe('mmrare CLI', () => {
  it('every command has --help with usage and an example', async () => {
    for (const c of COMMANDS) {
      const io = capture();
      const code = await main([c.name, '--help'], io);
      expect(code, c.name).toBe(0);
      const text = io.stdout.join('\n');
      expect(text, c.name).toMatch(/Usage:|usage/i);
      expect(text, c.name).toMatch(/Example/i);
    }
    expect(commandHelp(COMMANDS[0])).toContain('--from-dir');
  });

  it('the real binary prints top-level help and exits 0', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mmrare run --workdir W --sample');
  });

  it('errors are one clear line with a non-zero exit code', async () => {
    const cases: [string[], RegExp, number][] = [
      [['frobnicate'], /^mmrare: unknown command frobnicate; the commands are run, /, 2],
      [['run', '--no-such-flag'], /^mmrare run: unknown option --no-such-flag \(try: mmrare run --help\)$/, 2],
      [['status', '--workdir', join(work.dir, 'nothing-here')], /no mmrare store/, 3],
      [['fetch', '--workdir', work.dir], /fetch needs a source: --sample, --from-dir DIR or --query TERMS/, 3],
      [['run', '--workdir', work.dir, '--from-dir', join(work.dir, 'missing')], /not a folder/, 3],
      [['fetch', '--workdir', work.dir, '--query', 'x'], /--email and --tool/, 2],
      [['audit', '--workdir', work.dir], /exactly one of --question ID, --rule CODE, --summary or --html OUT/, 2],
    ];
    for (const [args, re, code] of cases) {
      const io = capture();
      expect(await main(args, io), args.join(' ')).toBe(code);
      expect(io.stderr, args.join(' ')).toHaveLength(1);
      expect(io.stderr[0]).toMatch(re);
    }
  });

  it('an invalid config file is rejected with the field that is wrong', async () => {
    const bad = join(work.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ align: { minConfidence: 3 }, generate: { tracks: ['poetry'] } }));
    const io = capture();
    expect(await main(['run', '--workdir', work.dir, '--config', bad], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/align\.minConfidence/);
    expect(io.stderr[0]).toMatch(/generate\.tracks/);
    const unknown = join(work.dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ allign: {} }));
    const io2 = capture();
    expect(await main(['run', '--workdir', work.dir, '--config', unknown], io2)).toBe(2);
    expect(io2.stderr[0]).toMatch(/allign/);
    const notJson = join(work.dir, 'x.json');
    writeFileSync(notJson, '{ nope');
    const io3 = capture();
    expect(await main(['run', '--workdir', work.dir, '--config', notJson], io3)).toBe(2);
    expect(io3.stderr[0]).toMatch(/not valid JSON/);
  });
});
