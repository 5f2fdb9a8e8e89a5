// SIGKILL in the middle of a run loses at most the items in flight: the rerun finishes with the
// same export as an uninterrupted run, and nothing is duplicated.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, REPO, sampleCorpus, tempDir, cli } from '../helpers.ts';

const SAMPLES = await sampleCorpus(); // ../shared/data/pmc/articles in the bucket layout

const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

function progressCount(dbPath: string, stage: string): number {
  if (!existsSync(dbPath)) return 0;
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try { return db.prepare('SELECT COUNT(*) FROM stage_progress WHERE stage = ?').pluck().get(stage) as number; } finally { db.close(); }
  } catch { return 0; } // the schema may not exist yet
}

describe('kill -9 and resume', () => {
  it('a run killed mid-way, rerun, matches an uninterrupted run', async () => {
    const ref = tempDir(); dirs.push(ref);
    const killed = tempDir(); dirs.push(killed);
    expect(cli(['run', '--workdir', ref.dir, '--from-dir', SAMPLES]).code).toBe(0);

    const child = spawn(process.execPath, [BIN, 'run', '--workdir', killed.dir, '--from-dir', SAMPLES], { cwd: REPO, stdio: 'ignore', env: { ...process.env, CI: '1' } });
    const dbPath = join(killed.dir, 'mmrare.db');
    const exited = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    // kill while extract is part-way through the articles
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && progressCount(dbPath, 'extract') < 8) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    const { signal } = await exited;
    expect(signal).toBe('SIGKILL');
    const extractedAtKill = progressCount(dbPath, 'extract');
    expect(extractedAtKill).toBeGreaterThanOrEqual(8);
    expect(extractedAtKill).toBeLessThan(48);
    expect(existsSync(join(killed.dir, 'export', 'diagnosis.jsonl'))).toBe(false);

    const rerun = cli(['run', '--workdir', killed.dir, '--from-dir', SAMPLES]);
    expect(rerun.code).toBe(0);
    // the rerun did only the work that was left
    expect(rerun.stdout).toMatch(/^fetch\s+48\s+0\s+48/m);
    const a = readFileSync(join(ref.dir, 'export', 'diagnosis.jsonl'));
    const b = readFileSync(join(killed.dir, 'export', 'diagnosis.jsonl'));
    expect(b.equals(a)).toBe(true);
    expect(readFileSync(join(killed.dir, 'export', 'MANIFEST.diagnosis.sha256')).equals(readFileSync(join(ref.dir, 'export', 'MANIFEST.diagnosis.sha256')))).toBe(true);

    const db = new Database(dbPath, { readonly: true });
    try {
      // the same decisions as the uninterrupted run, none twice
      const decisions = (d: Database.Database) => d.prepare(`SELECT stage, item_key, question_id, action, reason_code, rule, field, span_start, span_end, matched_text, detail_json
        FROM decisions ORDER BY stage, item_key, reason_code, field, span_start, detail_json`).all();
      const refDb = new Database(join(ref.dir, 'mmrare.db'), { readonly: true });
      const count = (d: Database.Database, t: string) => d.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get();
      for (const t of ['articles', 'media', 'sections', 'sentences', 'figures', 'images', 'mentions', 'case_diagnoses', 'questions', 'filtered_questions', 'decisions', 'blobs']) {
        expect(count(db, t), t).toBe(count(refDb, t));
      }
      expect(decisions(db)).toEqual(decisions(refDb));
      refDb.close();
      expect(db.prepare(`SELECT COUNT(*) FROM stage_progress WHERE status = 'pending'`).pluck().get()).toBe(0);
    } finally { db.close(); }
  }, 180_000);
});
