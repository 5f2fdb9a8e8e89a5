import { describe, it, expect, afterEach } from 'vitest';
import { mkdirSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadMigrations, migrate, MIGRATIONS_DIR } from '../../db/migrate.ts';
import { Store } from '../../db/store.ts';
import { tempDir } from '../helpers.ts';

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });
const tmp = () => { const t = tempDir(); cleanups.push(t.cleanup); return t.dir; };

/** A migrations folder holding the real migrations plus extra ones. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = join(tmp(), 'migrations');
  mkdirSync(dir);
  for (const f of readdirSync(MIGRATIONS_DIR)) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('migrations', () => {
  it('a new store gets every migration, WAL and foreign keys', () => {
    const store = new Store(tmp());
    const versions = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions).toEqual(loadMigrations().map((m) => m.version));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    for (const t of ['runs', 'stage_progress', 'articles', 'sections', 'sentences', 'figures', 'images', 'mentions', 'case_diagnoses', 'questions', 'attributes', 'decisions', 'reviews', 'exports']) {
      expect(store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t), t).toBeTruthy();
    }
    store.close();
  });

  it('a later migration applies to an existing database and keeps its rows', () => {
    const dir = tmp();
    const path = join(dir, 'x.db');
    const db = new Database(path);
    migrate(db);
    db.prepare(`INSERT INTO reviews (question_id, item_key, reviewer, verdict, created_at) VALUES ('q1', 'PMC1#c1', 'ann', 'accept', 'now')`).run();
    db.close();

    const db2 = new Database(path);
    const ran = migrate(db2, loadMigrations(migrationsWith({ '999_add_review_tag.sql': 'ALTER TABLE reviews ADD COLUMN tag TEXT;' })));
    expect(ran).toEqual([999]);
    expect(db2.prepare('SELECT reviewer, verdict, tag FROM reviews').get()).toEqual({ reviewer: 'ann', verdict: 'accept', tag: null });
    // applying again is a no-op
    expect(migrate(db2, loadMigrations(migrationsWith({ '999_add_review_tag.sql': 'ALTER TABLE reviews ADD COLUMN tag TEXT;' })))).toEqual([]);
    db2.close();
  });

  it('refuses a migration edited after it was applied, and a database from a newer mmrare', () => {
    const db = new Database(join(tmp(), 'y.db'));
    migrate(db, loadMigrations(migrationsWith({ '999_x.sql': 'CREATE TABLE x (a INTEGER);' })));
    expect(() => migrate(db, loadMigrations(migrationsWith({ '999_x.sql': 'CREATE TABLE x (a TEXT);' })))).toThrow(/changed after it was applied/);
    expect(() => migrate(db)).toThrow(/newer version/);
    db.close();
  });
});
