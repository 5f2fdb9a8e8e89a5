// Ctrl-C during a live fetch: scheduling stops, the articles in flight finish (none left half-stored or
// pending), the run is recorded 'interrupted', exit 130; the same command then finishes the rest and the
// store equals one fetched without interruption.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { writeBucketFolder } from '../../scripts/loopback-pmc/corpus.ts';
import { BIN, REPO, tempDir } from '../helpers.ts';
import { caseReportPath, sharedFiles } from '../shared-data.ts';

let server: LoopbackServer;
const t = tempDir('mmrare-sigint-');
afterAll(async () => { await server?.close(); t.cleanup(); });
beforeAll(async () => {
  const ids = sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).slice(0, 24).map((f) => f.replace('.nxml', ''));
  writeBucketFolder(join(t.dir, 'bucket'), ids.map((p) => ({ file: caseReportPath(p) })));
  // every S3 answer 150 ms late, so the fetch takes a few seconds
  server = await startLoopbackPmc({ dir: join(t.dir, 'bucket'), rps: 50, rpsApiKey: 50, faults: { slow: 1 }, slowMs: 150, faultServices: ['s3'] });
});

function fetchArgs(work: string): string[] {
  return ['fetch', '--workdir', work, '--eutils-url', server.eutilsUrl, '--s3-url', server.s3Url, '--email', 'dev@example.org', '--tool', 'mmrare-test', '--query', 'case'];
}
function run(args: string[], onSpawn?: (p: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    onSpawn?.(p);
  });
}
function q<T>(work: string, sql: string): T[] {
  const p = join(work, 'mmrare.db');
  if (!existsSync(p)) return [];
  try { const db = new Database(p, { readonly: true, fileMustExist: true }); try { return db.prepare(sql).all() as T[]; } finally { db.close(); } } catch { return []; }
}
const stored = (work: string) => q(work, 'SELECT pmcid, version, xml_sha256, metadata_sha256, license_code, source_urls_json, (SELECT COUNT(*) FROM media m WHERE m.pmcid = a.pmcid) AS media FROM articles a ORDER BY pmcid');

describe('SIGINT during fetch', () => {
  it('stops after the items in flight, records the run as interrupted, and a rerun finishes', async () => {
    const work = join(t.dir, 'work');
    let child!: ReturnType<typeof spawn>;
    const done = run(fetchArgs(work), (p) => { child = p; });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (q<{ n: number }>(work, `SELECT COUNT(*) AS n FROM stage_progress WHERE stage = 'fetch'`)[0]?.n ?? 0) < 3) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('stopping after the items in flight');
    expect(r.stderr).toContain('interrupted: rerun the same command to finish');
    expect(q(work, 'SELECT status FROM runs')).toEqual([{ status: 'interrupted' }]);
    const rows = q<{ status: string }>(work, `SELECT status FROM stage_progress WHERE stage = 'fetch'`);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.length).toBeLessThan(24);
    expect(rows.every((x) => x.status === 'done')).toBe(true);                  // in-flight items finished, none pending
    expect(stored(work)).toHaveLength(rows.length);                               // every finished article fully stored

    const again = await run(fetchArgs(work));
    expect(again.code, again.stderr).toBe(0);
    const ref = join(t.dir, 'ref');
    expect((await run(fetchArgs(ref))).code).toBe(0);
    expect(stored(work)).toHaveLength(24);
    expect(stored(work)).toEqual(stored(ref));
  }, 120_000);
});
