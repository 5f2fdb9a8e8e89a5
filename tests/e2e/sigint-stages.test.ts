// Ctrl-C in every stage: a `mmrare run` signalled while a stage is part-way through its items exits with
// 130 within a second of the signal (measured from the signal to the exit), records the run interrupted and
// leaves the store consistent; the same command then finishes, and the export is byte-identical to that of
// an uninterrupted run. MMRARE_TEST_SLOW_STAGE=<stage>:<ms> (pipeline/runner/runner.ts) slows that stage's
// items so the signal lands inside it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, REPO, cli, tempDir } from '../helpers.ts';
import { buildSampleBucket } from '../sample-bucket.ts';
import { sharedFiles } from '../shared-data.ts';
import { STAGE_NAMES } from '../../pipeline/runner/stage-names.ts';

const t = tempDir('mmrare-sigint-stages-');
afterAll(() => t.cleanup());
let bucket = '';
let ref = '';
const ARTICLES = 8;

beforeAll(async () => {
  const ids = sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).slice(0, ARTICLES).map((f) => f.replace('.nxml', ''));
  bucket = await buildSampleBucket(ids, join(t.dir, 'bucket'));
  ref = join(t.dir, 'ref');
  const r = cli(['run', '--workdir', ref, '--from-dir', bucket]);
  expect(r.code, r.stderr).toBe(0);
}, 240_000);

function q<T>(work: string, sql: string, ...args: unknown[]): T[] {
  const p = join(work, 'mmrare.db');
  if (!existsSync(p)) return [];
  try {
    const db = new Database(p, { readonly: true, fileMustExist: true });
    try { return db.prepare(sql).all(...args) as T[]; } finally { db.close(); }
  } catch { return []; } // not created yet, or the schema is not there yet
}

/** Every file under the export folder with its bytes. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('SIGINT during each stage', () => {
  it.each(STAGE_NAMES.map((s) => [s]))('during %s: exit 130 within 1 s, then a rerun exports the same bytes', async (stage) => {
    const work = join(t.dir, `work-${stage}`);
    const child = spawn(process.execPath, [BIN, 'run', '--workdir', work, '--from-dir', bucket], {
      cwd: REPO, env: { ...process.env, CI: '1', MMRARE_TEST_SLOW_STAGE: `${stage}:300` }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    let exitedAt = 0;
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => { exitedAt = performance.now(); res(code); }));
    // signal once the stage has finished at least one item (the stage is part-way through)
    const deadline = Date.now() + 120_000;
    const doneIn = () => q<{ n: number }>(work, 'SELECT COUNT(*) AS n FROM stage_progress WHERE stage = ?', stage)[0]?.n ?? 0;
    while (Date.now() < deadline && exitedAt === 0 && doneIn() < 1) await new Promise((r) => setTimeout(r, 10));
    expect(exitedAt, `the run ended before ${stage} could be interrupted: ${stderr}`).toBe(0);
    const signalledAt = performance.now();
    child.kill('SIGINT');
    const code = await exited;
    const ms = exitedAt - signalledAt;
    expect(code, stderr).toBe(130);
    expect(ms, `exit ${ms.toFixed(0)} ms after SIGINT during ${stage}`).toBeLessThan(1000);
    expect(stderr).toContain('interrupted: rerun the same command to finish');
    expect(q(work, 'SELECT status FROM runs')).toEqual([{ status: 'interrupted' }]);
    // consistent: every recorded item is done or dropped (nothing half-written), the stage stopped part-way
    const progress = q<{ status: string }>(work, 'SELECT status FROM stage_progress WHERE stage = ?', stage);
    expect(progress.every((p) => p.status === 'done' || p.status === 'dropped')).toBe(true);
    const total = q<{ n: number }>(ref, 'SELECT COUNT(*) AS n FROM stage_progress WHERE stage = ?', stage)[0].n;
    expect(progress.length).toBeLessThan(total);
    // later stages never started
    for (const later of STAGE_NAMES.slice(STAGE_NAMES.indexOf(stage) + 1)) {
      expect(q(work, 'SELECT 1 FROM stage_progress WHERE stage = ?', later), later).toEqual([]);
    }

    const again = cli(['run', '--workdir', work, '--from-dir', bucket]);
    expect(again.code, again.stderr).toBe(0);
    const want = files(join(ref, 'export'));
    const got = files(join(work, 'export'));
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [k, v] of want) expect(got.get(k)!.equals(v), k).toBe(true);
  }, 240_000);

  it('the reference run exported questions (the comparison is not of empty files)', () => {
    const rows = readFileSync(join(ref, 'export', 'diagnosis.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(rows.length).toBeGreaterThan(0);
  });
});
