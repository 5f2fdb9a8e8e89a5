// Bench: the review app's API on a large store. Copies a built store (mmrare run --sample), multiplies its
// filtered questions (each copy gets its own id) to N questions, serves the app on loopback and times, in
// one run: the question list (GET /api/questions), one question's detail, and review writes (POST …/review,
// accepts and leak-checked edits). Prints the figures measured.
// Usage: npx tsx scripts/bench/review.ts --workdir W [--questions 10000] [--writes 200]
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { Store } from '../../db/store.ts';
import { packText, readFinalJson } from '../../db/packed-json.ts';
import { parseConfig } from '../../schemas/config.ts';
import { defaultLexicon } from '../../ontology/index.ts';
import { createReviewCheck } from '../../pipeline/cli/review-check.ts';
import { createReviewServer } from '../../pipeline/review/server.ts';

const { values } = parseArgs({ options: { workdir: { type: 'string' }, questions: { type: 'string', default: '10000' }, writes: { type: 'string', default: '200' } } });
if (!values.workdir) { console.error('usage: npx tsx scripts/bench/review.ts --workdir W (a store built with mmrare run --sample)'); process.exit(2); }
const target = Number(values.questions);
const writes = Number(values.writes);

const tmp = mkdtempSync(join(tmpdir(), 'mmrare-bench-review-'));
try {
  for (const f of ['mmrare.db', 'mmrare.db-wal', 'mmrare.db-shm']) { try { cpSync(join(values.workdir, f), join(tmp, f)); } catch { /* no WAL file */ } }
  cpSync(join(values.workdir, 'blobs'), join(tmp, 'blobs'), { recursive: true });
  const store = new Store(tmp);
  const db = store.db;
  const base = (db.prepare('SELECT id, track, pmcid FROM filtered_questions ORDER BY id').all() as { id: string; track: string; pmcid: string }[])
    .map((r) => ({ ...r, final_json: readFinalJson(db, r.id)! }));
  // the copies have no question row: stored whole (packed), as filter stores a row whose draft is not the question's
  const ins = db.prepare('INSERT INTO filtered_questions (id, track, pmcid, final_json) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let k = 1; base.length * (k + 1) <= target; k++) {
      for (const r of base) {
        const id = r.id.replace(/-[0-9a-f]{8}$/, `-${(k * 7919 + base.indexOf(r)).toString(16).padStart(8, '0').slice(-8)}`);
        ins.run(id, r.track, r.pmcid, packText(r.final_json.replace(JSON.stringify(r.id), JSON.stringify(id))));
      }
    }
  })();
  const n = db.prepare('SELECT COUNT(*) FROM filtered_questions').pluck().get() as number;
  const mb = (db.prepare('SELECT SUM(LENGTH(final_json)) FROM filtered_questions').pluck().get() as number) / 1e6;
  const server = createReviewServer({ store, checkRow: createReviewCheck(db, defaultLexicon(), parseConfig({})), host: '127.0.0.1', localReviewer: 'bench', maskToken: '[MASKED]' });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ms = async (fn: () => Promise<unknown>): Promise<number> => { const t = process.hrtime.bigint(); await fn(); return Number(process.hrtime.bigint() - t) / 1e6; };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const list: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) list.push(await ms(async () => { bytes = (await (await fetch(`${url}/api/questions`)).arrayBuffer()).byteLength; }));
  const ids = db.prepare('SELECT id FROM filtered_questions ORDER BY id').pluck().all() as string[];
  const detail: number[] = [];
  for (let i = 0; i < 50; i++) detail.push(await ms(() => fetch(`${url}/api/questions/${ids[(i * 131) % ids.length]}`).then((r) => r.arrayBuffer())));
  const post = (id: string, body: unknown) => fetch(`${url}/api/questions/${id}/review`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: url }, body: JSON.stringify(body) });
  const accepts: number[] = [];
  const edits: number[] = [];
  for (let i = 0; i < writes; i++) {
    const id = ids[(i * 17) % ids.length];
    if (i % 2 === 0) accepts.push(await ms(async () => { const r = await post(id, { verdict: 'accept', revision: 0 }); if (r.status !== 200) throw new Error(`accept ${r.status}`); }));
    else {
      const q = JSON.parse(readFinalJson(db, id)!).question as string;
      edits.push(await ms(async () => { const r = await post(id, { verdict: 'edit', revision: 0, edits: { question: `${q} Answer briefly.` } }); if (r.status !== 200) throw new Error(`edit ${r.status}: ${await r.text()}`); }));
    }
  }
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
  store.close();
  const f = (x: number) => x.toFixed(1);
  console.log(`questions: ${n} (${f(mb)} MB of filtered rows), list response ${(bytes / 1e6).toFixed(2)} MB`);
  console.log(`GET /api/questions         median ${f(median(list))} ms (5 runs, min ${f(Math.min(...list))}, max ${f(Math.max(...list))})`);
  console.log(`GET /api/questions/:id     median ${f(median(detail))} ms (50 runs, max ${f(Math.max(...detail))})`);
  console.log(`POST review accept         median ${f(median(accepts))} ms (${accepts.length} writes, max ${f(Math.max(...accepts))})`);
  console.log(`POST review edit (checked) median ${f(median(edits))} ms (${edits.length} writes, max ${f(Math.max(...edits))})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
