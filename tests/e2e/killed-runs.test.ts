// A run killed with SIGKILL cannot record its end: the next start marks it 'interrupted', while a run
// whose owner is a live process on this host is left 'running'.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeBucketFolder } from '../../scripts/loopback-pmc/corpus.ts';
import { markAbandonedRuns } from '../../pipeline/runner/runs.ts';
import { BIN, REPO, tempDir, cli } from '../helpers.ts';
import { caseReportPath, sharedFiles } from '../shared-data.ts';

const t = tempDir('mmrare-killed-');
afterAll(() => t.cleanup());

function query<T>(dbPath: string, sql: string): T[] {
  if (!existsSync(dbPath)) return [];
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try { return db.prepare(sql).all() as T[]; } finally { db.close(); }
  } catch { return []; }   // the schema may not exist yet
}

describe('runs killed mid-way', () => {
  it('stay running until the next start marks them interrupted; a live owner keeps its run', async () => {
    const bucket = join(t.dir, 'bucket');
    writeBucketFolder(bucket, sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).map((f) => ({ file: caseReportPath(f.replace('.nxml', '')) })));
    const work = join(t.dir, 'work');
    const dbPath = join(work, 'mmrare.db');
    const child = spawn(process.execPath, [BIN, 'run', '--workdir', work, '--from-dir', bucket], { cwd: REPO, stdio: 'ignore', env: { ...process.env, CI: '1' } });
    const exited = new Promise<string | null>((res) => child.on('exit', (_c, signal) => res(signal)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (query<{ n: number }>(dbPath, `SELECT COUNT(*) AS n FROM stage_progress WHERE stage = 'fetch'`)[0]?.n ?? 0) < 1) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(query(dbPath, 'SELECT id, status, pid, host FROM runs')).toEqual([{ id: 1, status: 'running', pid: child.pid, host: hostname() }]);

    // two more unfinished runs: one owned by this (live) test process, one recorded before owners were
    const db = new Database(dbPath);
    const ins = db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json, pid, host) VALUES ('run', 'now', '{}', 'h', '{}', ?, ?)`);
    ins.run(process.pid, hostname());
    ins.run(null, null);
    db.close();

    const next = cli(['run', '--workdir', work]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain('runs 1, 3 ended without finishing (killed?): marked interrupted');
    expect(query(dbPath, 'SELECT id, status FROM runs ORDER BY id')).toEqual([
      { id: 1, status: 'interrupted' }, { id: 2, status: 'running' }, { id: 3, status: 'interrupted' }, { id: 4, status: 'ok' },
    ]);
  }, 120_000);

  it('markAbandonedRuns: other hosts and dead pids are abandoned, its own run never', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY, status TEXT, pid INTEGER, host TEXT)`);
    const rows: [string, number | null, string | null][] = [['running', 11, 'here'], ['running', 12, 'here'], ['running', 11, 'elsewhere'], ['ok', 13, 'here'], ['running', process.pid, 'here']];
    for (const [s, p, h] of rows) db.prepare('INSERT INTO runs (status, pid, host) VALUES (?, ?, ?)').run(s, p, h);
    expect(markAbandonedRuns(db, { host: 'here', alive: (pid) => pid === 11 })).toEqual([2, 3, 5]);
    expect(db.prepare('SELECT status FROM runs ORDER BY id').pluck().all()).toEqual(['running', 'interrupted', 'interrupted', 'ok', 'interrupted']);
  });
});
