// Shared test helpers: temp work directories, the sample corpus, and the CLI as a user runs it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ensureSampleCorpus } from '../pipeline/fetch/sample-corpus.ts';
import { sharedPath } from './shared-data.ts';

export const REPO = resolve(import.meta.dirname, '..');
export const BIN = join(REPO, 'pipeline', 'cli', 'bin.mjs');
/** Where tests keep derived files between runs (vitest.config.ts points XDG_CACHE_HOME here too). */
export const TEST_CACHE = join(tmpdir(), 'mmrare-test-cache');

/**
 * The sample corpus: ../shared/data/pmc/articles in the PMC bucket layout, built once into the test cache
 * (rebuilt when the articles change) exactly as `mmrare run --sample` builds it into a workdir.
 */
export async function sampleCorpus(): Promise<string> {
  return (await ensureSampleCorpus(sharedPath('pmc/articles'), join(TEST_CACHE, 'sample-corpus'))).dir;
}

export function tempDir(prefix = 'mmrare-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the real CLI in a child process (as a user would). */
export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO, encoding: 'utf8', env: { ...process.env, CI: '1', ...opts.env }, timeout: 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The real CLI in a child process, without blocking the event loop (for tests whose loopback servers run in-process). */
export function cliAsync(args: string[], opts: { env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, CI: '1', ...opts.env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
