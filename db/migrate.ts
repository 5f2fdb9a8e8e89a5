// Forward-only numbered migrations, applied on open. A migration that was applied and then
// edited is an error: the store would otherwise silently differ from its recorded history.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { InternalError } from '../pipeline/core/errors.ts';
import { packStoreRows } from './lean-store.ts';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration { version: number; name: string; sql: string; checksum: string }

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const sql = readFileSync(join(dir, f), 'utf8');
      return { version: Number(f.slice(0, 3)), name: f, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Data steps SQL cannot do, run right after their migration's SQL in its transaction (090: zlib packing). */
export const DATA_STEPS: Readonly<Record<number, (db: Database.Database) => void>> = { 90: packStoreRows };

export function migrate(db: Database.Database, migrations = loadMigrations()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Map<number, { checksum: string; name: string }>();
  for (const r of db.prepare('SELECT version, checksum, name FROM schema_migrations').all() as { version: number; checksum: string; name: string }[]) {
    applied.set(r.version, r);
  }
  const known = new Set(migrations.map((m) => m.version));
  for (const v of applied.keys()) {
    if (!known.has(v)) throw new InternalError(`database has migration ${v} that this mmrare does not know: it was written by a newer version`);
  }
  const ran: number[] = [];
  for (const m of migrations) {
    const prev = applied.get(m.version);
    if (prev) {
      if (prev.checksum !== m.checksum) throw new InternalError(`migration ${m.name} changed after it was applied (checksum mismatch)`);
      continue;
    }
    db.transaction(() => {
      db.exec(m.sql);
      DATA_STEPS[m.version]?.(db);
      db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)')
        .run(m.version, m.name, m.checksum, new Date().toISOString());
    })();
    ran.push(m.version);
  }
  return ran;
}
