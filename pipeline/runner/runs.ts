// Run records: who owns a run, and what happened to runs whose process died without saying so.
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';

/** Whether a process with this pid exists on this host (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * Marks 'interrupted' every run still 'running' whose process is gone: killed runs (SIGKILL, a crash,
 * power loss) never record their end. A run owned by a live process on this host is left alone (two
 * commands may share a store); a run from another host, or from before owners were recorded, cannot be
 * checked and, being older than this start, is taken as dead. Returns the run ids it marked.
 */
export function markAbandonedRuns(db: Database.Database, opts: { host?: string; alive?: (pid: number) => boolean } = {}): number[] {
  const host = opts.host ?? hostname();
  const alive = opts.alive ?? processAlive;
  const rows = db.prepare(`SELECT id, pid, host FROM runs WHERE status = 'running' ORDER BY id`).all() as { id: number; pid: number | null; host: string | null }[];
  const dead = rows.filter((r) => !(r.pid !== null && r.host === host && r.pid !== process.pid && alive(r.pid))).map((r) => r.id);
  const mark = db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'`);
  db.transaction(() => { for (const id of dead) mark.run(id); })();
  return dead;
}

export const runOwner = (): { pid: number; host: string } => ({ pid: process.pid, host: hostname() });
