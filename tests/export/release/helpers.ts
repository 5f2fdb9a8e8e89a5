// A built store for the release tests: `mmrare run --sample` once into the test cache (rebuilt when any
// source file or the sample corpus changes), copied into a temp workdir per test file, where questions
// are marked accepted by inserting `reviews` rows as the review app does.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { REPO, TEST_CACHE, tempDir } from '../../helpers.ts';
import { sharedPath } from '../../shared-data.ts';
import { mmrare, type CliResult } from '../../cli/helpers.ts';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p)); else out.push(p);
  }
  return out.sort();
}

/** A key over everything that changes what `run --sample` builds: the code and the third-party data it reads. */
function buildKey(): string {
  const h = createHash('sha256');
  for (const d of ['pipeline', 'schemas', 'db', 'ontology']) for (const f of filesUnder(join(REPO, d))) h.update(f.slice(REPO.length)).update(readFileSync(f));
  h.update(readFileSync(join(REPO, 'package.json')));
  // the sample articles, the Orphanet release and the lexicons: names, sizes and times (a new release rebuilds)
  for (const d of ['pmc/articles', 'orphanet', 'lexicons']) {
    const root = sharedPath(d);
    if (existsSync(root)) for (const f of filesUnder(root)) { const st = statSync(f); h.update(f).update(`${st.size}:${st.mtimeMs}`); }
  }
  return h.digest('hex').slice(0, 16);
}

function cachedBuild(): string {
  const dir = join(TEST_CACHE, 'release-store', buildKey());
  if (existsSync(join(dir, 'mmrare.db'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const r = mmrare(['run', '--workdir', tmp, '--sample']);
  if (r.code !== 0) throw new Error(`mmrare run --sample failed (${r.code}): ${r.stderr}`);
  mkdirSync(join(dir, '..'), { recursive: true });
  try { renameSync(tmp, dir); } catch { rmSync(tmp, { recursive: true, force: true }); } // another file built it first
  return dir;
}

export interface TestStore { W: string; dir: string; db: () => Database.Database; cleanup: () => void; run: (args: string[]) => CliResult }

/** A private copy of the built store (mmrare.db, blobs, the draft export). */
export function builtStore(prefix: string): TestStore {
  const src = cachedBuild();
  const t = tempDir(`mmrare-release-${prefix}-`);
  const W = join(t.dir, 'w');
  cpSync(src, W, { recursive: true, filter: (p) => !p.includes(`${join(src, 'sample-corpus')}`) });
  return { W, dir: t.dir, db: () => new Database(join(W, 'mmrare.db')), cleanup: t.cleanup, run: (args) => mmrare([args[0], '--workdir', W, ...args.slice(1)]) };
}

/** Marks questions accepted (or rejected) as a reviewer would: one `reviews` row each. */
export function review(s: TestStore, ids: string[], verdict: 'accept' | 'reject' = 'accept', at = '2026-12-01T10:00:00Z'): void {
  const db = s.db();
  try {
    const ins = db.prepare('INSERT INTO reviews (question_id, item_key, reviewer, verdict, created_at) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => { for (const id of ids) ins.run(id, id, 'tester', verdict, at); })();
  } finally { db.close(); }
}

/** Filtered question ids with their track and article licence, in id order. */
export function questions(s: TestStore): { id: string; track: string; pmcid: string; license: string }[] {
  const db = s.db();
  try {
    return db.prepare('SELECT f.id, f.track, f.pmcid, a.license_code AS license FROM filtered_questions f JOIN articles a ON a.pmcid = f.pmcid ORDER BY f.id').all() as { id: string; track: string; pmcid: string; license: string }[];
  } finally { db.close(); }
}

/** Every file of a folder with its bytes, by relative path. */
export function readTree(dir: string): Map<string, Buffer> {
  return new Map(filesUnder(dir).map((f) => [f.slice(dir.length + 1), readFileSync(f)]));
}

export const jsonOut = (r: CliResult): any => { if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`); return JSON.parse(r.stdout); };
