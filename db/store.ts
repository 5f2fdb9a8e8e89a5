// The store: one SQLite database (the source of truth) plus a content-addressed blob folder.
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, loadMigrations } from './migrate.ts';
import { pruneArticleArchive } from './lean-store.ts';
import { MmrareError } from '../pipeline/core/errors.ts';

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The workdir cannot be written (read-only folder, another user's files, a read-only file system). */
export class WorkdirError extends MmrareError {
  override readonly exitCode = 6;
  constructor(message: string, readonly workdir: string) { super(message); }
}

const canWrite = (p: string): boolean => {
  try { accessSync(p, constants.W_OK | constants.X_OK); return true; } catch { return false; }
};
const canWriteFile = (p: string): boolean => {
  try { accessSync(p, constants.W_OK); return true; } catch { return false; }
};

/**
 * Why the workdir cannot hold a writable store, or null when it can: the folder (or, when it does not
 * exist yet, the nearest folder above it that does), the database and its WAL files, and the blob folder.
 */
export function unwritableReason(workdir: string): string | null {
  const dir = resolve(workdir);
  if (!existsSync(dir)) {
    let up = dirname(dir);
    while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
    if (!statSync(up).isDirectory()) return `${up} is not a folder`;
    return canWrite(up) ? null : `it does not exist and ${up} is not writable`;
  }
  if (!statSync(dir).isDirectory()) return 'it is not a folder';
  if (!canWrite(dir)) return 'the folder is read-only for this user';
  for (const f of ['mmrare.db', 'mmrare.db-wal', 'mmrare.db-shm']) {
    const p = join(dir, f);
    if (existsSync(p) && !canWriteFile(p)) return `${f} is read-only for this user`;
  }
  const blobs = join(dir, 'blobs');
  if (existsSync(blobs) && !canWrite(blobs)) return 'blobs/ is read-only for this user';
  return null;
}

export function notWritable(workdir: string, why: string): WorkdirError {
  return new WorkdirError(`workdir ${resolve(workdir)} is not writable (${why}); choose another with --workdir DIR or fix its permissions`, resolve(workdir));
}

/** SQLite and file-system errors that mean "cannot write here" (not a bug). */
function isPermissionError(e: unknown): boolean {
  const code = String((e as { code?: string })?.code ?? '');
  return /^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/.test(code) || ['EACCES', 'EPERM', 'EROFS'].includes(code);
}

export interface StoreOptions {
  /**
   * Open for reading only: no folder is created, no pragma or migration writes. A store whose folder
   * cannot be written is read from a private snapshot copy (a WAL database needs its -shm file).
   */
  readonly?: boolean;
}

export class Store {
  readonly db: Database.Database;
  readonly blobDir: string;
  readonly dbPath: string;
  readonly readonly: boolean;
  /** The snapshot folder of a read-only open, removed on close. */
  private snapshot: string | null = null;

  constructor(readonly workdir: string, opts: StoreOptions = {}) {
    this.readonly = Boolean(opts.readonly);
    this.blobDir = join(workdir, 'blobs');
    this.dbPath = join(workdir, 'mmrare.db');
    if (this.readonly) {
      this.db = this.openReadOnly();
      return;
    }
    const why = unwritableReason(workdir);
    if (why) throw notWritable(workdir, why);
    try {
      mkdirSync(workdir, { recursive: true });
      mkdirSync(this.blobDir, { recursive: true });
      this.db = new Database(this.dbPath);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      // SQLite's own default page cache (2 MB; better-sqlite3 builds with 16 MB): on a 10k build the larger one
      // kept 14 MB more resident in export and was no faster (docs/performance.md)
      this.db.pragma('cache_size = -2000');
      // migration 090 packs the rows in place: the pages it frees go back to the file system once (VACUUM
      // cannot run inside the migration's transaction); on a 10k store a few seconds and the file's size in temp space
      if (migrate(this.db).includes(90) && this.db.prepare('PRAGMA freelist_count').pluck().get() as number > 0) this.db.exec('VACUUM');
    } catch (e) {
      if (isPermissionError(e)) throw notWritable(workdir, (e as Error).message);
      throw e;
    }
  }

  private openReadOnly(): Database.Database {
    const probe = (db: Database.Database): Database.Database => {
      db.pragma('busy_timeout = 5000');
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get(); // a WAL store in a read-only folder fails here
      return db;
    };
    let db: Database.Database;
    try {
      db = probe(new Database(this.dbPath, { readonly: true, fileMustExist: true }));
    } catch (e) {
      if (!isPermissionError(e)) throw e;
      // Read a consistent copy instead (the database and its WAL, if any); blobs are read in place.
      this.snapshot = mkdtempSync(join(tmpdir(), 'mmrare-readonly-'));
      const copy = join(this.snapshot, 'mmrare.db');
      try {
        copyFileSync(this.dbPath, copy);
        if (existsSync(`${this.dbPath}-wal`)) copyFileSync(`${this.dbPath}-wal`, `${copy}-wal`);
        db = probe(new Database(copy, { fileMustExist: true }));
      } catch (e2) {
        rmSync(this.snapshot, { recursive: true, force: true });
        this.snapshot = null;
        if (isPermissionError(e2)) throw new WorkdirError(`cannot read the store in ${resolve(this.workdir)}: ${(e2 as Error).message}`, resolve(this.workdir));
        throw e2;
      }
    }
    // A store from an older mmrare needs its migrations, which a read-only open cannot apply.
    const applied = new Set((db.prepare(`SELECT version FROM schema_migrations`).pluck().all() as number[]));
    const missing = loadMigrations().filter((m) => !applied.has(m.version));
    if (missing.length) {
      db.close();
      throw new WorkdirError(`the store in ${resolve(this.workdir)} needs migration ${missing[0].name} but is not writable: ` +
        'run any mmrare command that writes (e.g. `mmrare run`) as a user who can write it', resolve(this.workdir));
    }
    return db;
  }

  blobPath(hash: string): string {
    return join(this.blobDir, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  /**
   * Writes the bytes under their sha256 (temp file + rename, so a crash never leaves a torn
   * blob) and returns the hash. The row in `blobs` is written by the caller's transaction
   * (recordBlob), so a blob file without a row is at worst an orphan, never a lie.
   */
  writeBlobFile(bytes: Buffer): string {
    const hash = sha256(bytes);
    const path = this.blobPath(hash);
    if (!existsSync(path)) {
      const dir = join(path, '..');
      // each blob folder is created once per process (a recursive mkdir per blob cost more than the write)
      if (!this.blobDirs.has(dir)) { mkdirSync(dir, { recursive: true }); this.blobDirs.add(dir); }
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, path);
    }
    return hash;
  }

  recordBlob(hash: string, size: number, mediaType: string): void {
    this.db.prepare('INSERT OR IGNORE INTO blobs (sha256, size, media_type) VALUES (?, ?, ?)').run(hash, size, mediaType);
  }

  putBlob(bytes: Buffer, mediaType: string): string {
    const hash = this.writeBlobFile(bytes);
    this.recordBlob(hash, bytes.length, mediaType);
    return hash;
  }

  readBlob(hash: string): Buffer {
    const bytes = readFileSync(this.blobPath(hash));
    if (sha256(bytes) !== hash) throw new Error(`blob ${hash} is corrupt on disk`);
    return bytes;
  }

  private readonly statements = new Map<string, Database.Statement>();
  private readonly blobDirs = new Set<string>();
  /**
   * A prepared statement for `sql`, prepared once per store and reused: stages and the runner call this
   * per item, so no statement is re-parsed per item.
   */
  stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) { st = this.db.prepare(sql); this.statements.set(sql, st); }
    return st;
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    // copies of an article's older text that no stored draft needs (db/lean-store.ts)
    if (this.db.open && !this.readonly) { try { pruneArticleArchive(this.db); } catch { /* busy or read-only: next time */ } }
    if (this.db.open) this.db.close();
    if (this.snapshot) { rmSync(this.snapshot, { recursive: true, force: true }); this.snapshot = null; }
  }
}
