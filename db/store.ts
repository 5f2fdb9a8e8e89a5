// The store: one SQLite database (the source of truth) plus a content-addressed blob folder.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate.ts';

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

export class Store {
  readonly db: Database.Database;
  readonly blobDir: string;
  readonly dbPath: string;

  constructor(readonly workdir: string) {
    mkdirSync(workdir, { recursive: true });
    this.blobDir = join(workdir, 'blobs');
    mkdirSync(this.blobDir, { recursive: true });
    this.dbPath = join(workdir, 'mmrare.db');
    this.db = new Database(this.dbPath);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
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
      mkdirSync(join(path, '..'), { recursive: true });
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

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
