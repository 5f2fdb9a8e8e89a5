// Fetch benchmark against the loopback PMC server (no faults, strict per-second E-utilities budget),
// for a keyless 3/s budget and a keyed 10/s budget. Prints, per budget:
//   - NCBI requests per article (E-utilities arrivals in the server log / articles loaded), in the
//     normal mode (XML + media from S3; S3 requests are not NCBI) and in the efetch-fallback mode;
//   - achieved NCBI request rate as a fraction of the budget, measured in the efetch-fallback mode,
//     which is NCBI-bound: articles are loaded one after another and each needs one efetch, so the
//     budget's spacing is the bottleneck. Rate = (n − 1) / (t_last − t_first) over the server-side
//     arrival times of that phase's E-utilities requests (esearch + efetch), divided by the budget;
//   - the same fallback with 8 loads in flight ("efetch-batched"): efetches coalesce (fewer requests);
//   - 429s received (server log), and the largest number of E-utilities arrivals in any 1 s window.
// The server runs in a child process (its own event loop, like a remote service).
//   npx tsx scripts/bench/fetch.ts [--dir BUCKET_LAYOUT] [--articles 48] [--json]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createNcbiBudget } from '../../pipeline/client/budget.ts';
import { createPmcCloudSource } from '../../pipeline/fetch/pmc-cloud-source.ts';
import type { SourceItem } from '../../pipeline/fetch/source.ts';
import { writeBucketFolder } from '../loopback-pmc/corpus.ts';
import { requireLocation, resolveDataLocations } from '../../pipeline/core/data-locations.ts';
import { maxArrivalsInWindow, type LogEntry } from '../loopback-pmc/server.ts';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const args = process.argv.slice(2);
const arg = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };

function bucketDir(): { dir: string; cleanup: () => void } {
  const given = arg('--dir');
  if (given && existsSync(join(given, 'metadata'))) return { dir: given, cleanup: () => {} };
  const src = requireLocation(resolveDataLocations(), 'articles', 'case reports (*.nxml)'); // the data dir's real case reports
  const dir = mkdtempSync(join(tmpdir(), 'mmrare-bench-'));
  writeBucketFolder(dir, readdirSync(src).filter((f) => f.endsWith('.nxml')).sort().map((f) => ({ file: join(src, f) })));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

interface Server { url: string; eutilsUrl: string; s3Url: string; child: ChildProcess }

async function startServer(dir: string, extra: string[]): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/loopback-pmc/server.ts'), '--dir', dir, '--port', '0',
    '--rps', '3', '--rps-api-key', '10', ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout! }).once('line', res);
    child.once('exit', (c) => rej(new Error(`loopback server exited (${c})`)));
  });
  return { ...JSON.parse(line), child };
}

async function serverLog(s: Server): Promise<LogEntry[]> {
  return (await fetch(`${s.url}/_loopback/log`)).json() as Promise<LogEntry[]>;
}

interface PhaseResult {
  mode: string; articles: number; packaged: number; ncbiRequests: number; perArticle: number;
  rateFraction: number | null; achievedRps: number | null; r429: number; maxInAnySecond: number; seconds: number;
}

type Mode = 's3' | 'efetch-fallback' | 'efetch-batched';

async function phase(mode: Mode, rps: 3 | 10, dir: string, n: number): Promise<PhaseResult> {
  const server = await startServer(dir, mode === 's3' ? [] : ['--s3-missing-xml', '1']);
  const apiKey = rps === 10 ? 'bench-api-key' : undefined;
  const budget = createNcbiBudget({ apiKey });
  const source = createPmcCloudSource({
    eutilsUrl: server.eutilsUrl, s3Url: server.s3Url, email: 'bench@example.org', tool: 'mmrare-bench', apiKey,
    query: '', limit: n, licences: ['all_cc'], budget, progress: false,
  });
  const t0 = Date.now();
  const items: SourceItem[] = [];
  for await (const it of source.list()) items.push(it);
  let packaged = 0;
  if (mode !== 'efetch-fallback') {
    // normal mode: parallel loads (S3 has its own limiter), NCBI sees only the esearch; batched
    // fallback: parallel loads whose efetches coalesce while they wait for the budget
    const workers = mode === 's3' ? 4 : 8;
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      for (let i = w; i < items.length; i += workers) if ((await source.load(items[i])).kind === 'package') packaged++;
    }));
  } else {
    for (const it of items) if ((await source.load(it)).kind === 'package') packaged++;   // NCBI-bound
  }
  const seconds = (Date.now() - t0) / 1000;
  await source.close();
  await budget.stop();
  const log = (await serverLog(server)).filter((e) => e.service === 'eutils');
  server.child.kill('SIGTERM');
  const t = log.map((e) => e.t).sort((a, b) => a - b);
  const achieved = t.length > 1 ? ((t.length - 1) * 1000) / (t[t.length - 1] - t[0]) : null;
  return {
    mode, articles: items.length, packaged, ncbiRequests: log.length, perArticle: log.length / Math.max(1, items.length),
    rateFraction: mode === 'efetch-fallback' && achieved ? achieved / rps : null, achievedRps: mode === 'efetch-fallback' ? achieved : null,
    r429: log.filter((e) => e.status === 429).length, maxInAnySecond: maxArrivalsInWindow(t), seconds,
  };
}

const { dir, cleanup } = bucketDir();
const n = Number(arg('--articles') ?? 48);
const results: Record<string, PhaseResult[]> = {};
try {
  for (const rps of [3, 10] as const) {
    const label = rps === 3 ? '3/s (keyless)' : '10/s (api_key)';
    results[label] = [await phase('s3', rps, dir, n), await phase('efetch-fallback', rps, dir, n), await phase('efetch-batched', rps, dir, n)];
  }
} finally {
  cleanup();
}

if (args.includes('--json')) {
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
} else {
  const f = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
  process.stdout.write(`fetch bench: ${n} articles, loopback server (child process), strict sliding-1s budget, no faults\n`);
  process.stdout.write('budget          mode             articles  pkg  NCBI req  req/article  achieved/s  rate/budget  429s  max/1s  seconds\n');
  for (const [label, rows] of Object.entries(results)) {
    for (const r of rows) {
      process.stdout.write(`${label.padEnd(16)}${r.mode.padEnd(17)}${String(r.articles).padStart(8)}${String(r.packaged).padStart(5)}` +
        `${String(r.ncbiRequests).padStart(10)}${f(r.perArticle, 3).padStart(13)}${f(r.achievedRps).padStart(12)}${f(r.rateFraction, 3).padStart(13)}` +
        `${String(r.r429).padStart(6)}${String(r.maxInAnySecond).padStart(8)}${r.seconds.toFixed(1).padStart(9)}\n`);
    }
  }
  process.stdout.write('goals: req/article ≤ 1.05 · rate/budget ≥ 0.90 (efetch-fallback phase, NCBI-bound) · 429s = 0\n');
}
