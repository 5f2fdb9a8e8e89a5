// SIGKILL at every file operation of an export (each rename and unlink, and after the last one before
// the store commits), then a resume: the export folder must equal, byte for byte and file for file,
// the one a clean run writes — no temp files left, no stale images kept. Uses the test-only hook
// MMRARE_TEST_EXPORT_KILL_AT=N (pipeline/export/plan.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BIN, REPO, tempDir, cli } from '../helpers.ts';
import { buildSampleBucket } from '../sample-bucket.ts';

// Three real case reports that each yield a question (3, 2 and 1 figures).
const ARTICLES = ['PMC4735894', 'PMC4736318', 'PMC4739210'];

const t = tempDir('mmrare-export-kill-');
afterAll(() => t.cleanup());
const bucket = join(t.dir, 'bucket');
const configA = join(t.dir, 'one-image.json');   // generate.maxImages 1: fewer images than the default
const configB = join(t.dir, 'diagnosis-only.json');   // the default config, diagnosis track only
const refA = join(t.dir, 'refA');
const refB = join(t.dir, 'refB');

/** Every file under a folder (relative path → bytes), temp files included. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else out.set(relative(dir, p), readFileSync(p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function expectSameTree(got: string, want: string, label: string): void {
  const a = tree(got);
  const b = tree(want);
  expect([...a.keys()], label).toEqual([...b.keys()]);
  for (const [k, v] of b) expect(a.get(k)!.equals(v), `${label}: ${k}`).toBe(true);
}

function cliAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

beforeAll(async () => {
  // the bucket layout with generated placeholder figures, built at test time from the shared articles
  await buildSampleBucket(ARTICLES, bucket);
  // the diagnosis track only: the counts below are one track's file operations
  writeFileSync(configA, JSON.stringify({ generate: { tracks: ['diagnosis'], maxImages: 1 } }));
  writeFileSync(configB, JSON.stringify({ generate: { tracks: ['diagnosis'] } }));
  expect(cli(['run', '--workdir', refB, '--from-dir', bucket, '--config', configB]).code).toBe(0);
  expect(cli(['run', '--workdir', refA, '--from-dir', bucket, '--config', configA]).code).toBe(0);
}, 120_000);

/**
 * For N = 1, 2, …: copy `base`, run `args` killed before its Nth export file operation, resume with
 * `args`, compare with `want`; stops at the first N the command survives. Returns what was seen.
 */
async function killAtEveryStep(prepare: (work: string) => void, args: (work: string) => string[], want: string) {
  const seen = { kills: 0, killedWithTemp: 0, killedMidway: 0 };
  for (let n = 1; n < 100; n++) {
    const work = join(t.dir, `work-${want === refA ? 'A' : 'B'}-${n}`);
    prepare(work);
    const killed = await cliAsync(args(work), { MMRARE_TEST_EXPORT_KILL_AT: String(n) });
    if (killed.signal !== 'SIGKILL') {
      expect(killed.code, killed.stderr).toBe(0);
      expectSameTree(join(work, 'export'), join(want, 'export'), `unkilled at ${n}`);
      break;
    }
    seen.kills++;
    const left = tree(join(work, 'export'));
    if ([...left.keys()].some((k) => /\.tmp-\d+$/.test(k))) seen.killedWithTemp++;
    if (left.size > 0) seen.killedMidway++;
    const resumed = await cliAsync(args(work));
    expect(resumed.code, resumed.stderr).toBe(0);
    expectSameTree(join(work, 'export'), join(want, 'export'), `killed at step ${n}`);
    rmSync(work, { recursive: true, force: true });
  }
  return seen;
}

describe('SIGKILL at each export rename, then resume', () => {
  it('re-exporting a deleted export folder: every kill point resumes to the clean folder', async () => {
    const seen = await killAtEveryStep(
      (work) => { cpSync(refB, work, { recursive: true }); rmSync(join(work, 'export'), { recursive: true }); },
      (work) => ['export', '--workdir', work, '--config', configB], refB);
    // 6 images + diagnosis.jsonl + NOTICE.md + MANIFEST = 9 renames, then the point after the last one
    expect(seen.kills).toBe(tree(join(refB, 'export')).size + 1);
    expect(seen.killedWithTemp).toBe(seen.kills - 1);
  }, 240_000);

  it('an export that replaces a larger one (stale images to remove): every kill point resumes to the clean folder', async () => {
    const seen = await killAtEveryStep(
      (work) => cpSync(refB, work, { recursive: true }),
      (work) => ['run', '--workdir', work, '--config', configA], refA);
    // diagnosis.jsonl and MANIFEST renamed, 3 stale images unlinked, then the point after the last one
    expect(seen.kills).toBe(2 + (tree(join(refB, 'export')).size - tree(join(refA, 'export')).size) + 1);
    expect(seen.killedMidway).toBe(seen.kills);
  }, 240_000);
});
