// Scale bench: `mmrare run` on layouts of 1k and 10k articles built from the sample corpus (the data dir's
// case reports replicated under distinct PMCIDs, with their placeholder figure cards), each run as a child
// process. Prints per stage: wall time, CPU time and cores busy (CPU / wall, this process and its reaped
// OCR children, as the run records them in run_counters), the stage's peak RSS; for the whole run: peak RSS
// (VmHWM of the child, polled from /proc), store bytes per article (the database; blobs apart), and the
// ratios between the largest and the smallest size. With --sigint, the largest size is then run again in a
// fresh workdir, interrupted (SIGINT) part-way through extract, and rerun: it prints how long the exit took
// after the signal and whether the export equals the uninterrupted one byte for byte.
//
// Layouts and workdirs live under $XDG_CACHE_HOME/mmrare/bench-scale (or --root DIR), never in git; a layout is
// built once and reused. The load average is printed with every figure (the machine may be shared).
//   npx tsx scripts/bench/scale.ts [--sizes 1000,10000] [--jobs N] [--sigint] [--root DIR] [--keep]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ensureSampleCorpus } from '../../pipeline/fetch/sample-corpus.ts';
import { requireLocation, resolveDataLocations } from '../../pipeline/core/data-locations.ts';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
const BIN = join(REPO, 'pipeline', 'cli', 'bin.mjs');
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const sizes = (arg('--sizes') ?? '1000,10000').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const ROOT = resolve(arg('--root') ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mmrare', 'bench-scale'));
const jobs = arg('--jobs');
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const STAGES = ['fetch', 'extract', 'align', 'generate', 'filter', 'export'];

/** The sample corpus as the PMC bucket layout (as `run --sample` lays it out), once. */
async function sampleLayout(): Promise<string> {
  const src = requireLocation(resolveDataLocations(), 'articles', 'case reports (*.nxml)');
  return (await ensureSampleCorpus(src, join(ROOT, 'sample-corpus'))).dir;
}

/**
 * n articles: the sample's articles in turn, each copy under a new PMCID (the JATS article-id and the
 * metadata rewritten, the XML md5 recomputed); media files are hard links to the sample's (same bytes).
 */
function buildLayout(sample: string, n: number): string {
  const dir = join(ROOT, `layout-${n}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === sample) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'metadata'), { recursive: true });
  const prefixes = readdirSync(sample).filter((f) => /^PMC\d+\.\d+$/.test(f)).sort();
  for (let i = 0; i < n; i++) {
    const prefix = prefixes[i % prefixes.length];
    const [, num, version] = /^PMC(\d+)\.(\d+)$/.exec(prefix)!;
    const copy = Math.floor(i / prefixes.length);
    const newNum = String(copy === 0 ? Number(num) : 20_000_000 + copy * 100 + (i % prefixes.length));
    const newPrefix = `PMC${newNum}.${version}`;
    mkdirSync(join(dir, newPrefix));
    const xml = readFileSync(join(sample, prefix, `${prefix}.xml`), 'utf8')
      .replace(/(<article-id pub-id-type="pmc(?:id)?">)(PMC)?\d+(<\/article-id>)/g, (_m, a, p, b) => `${a}${p ?? ''}${newNum}${b}`);
    writeFileSync(join(dir, newPrefix, `${newPrefix}.xml`), xml);
    for (const f of readdirSync(join(sample, prefix))) {
      if (f === `${prefix}.xml`) continue;
      try { linkSync(join(sample, prefix, f), join(dir, newPrefix, f)); } catch { copyFileSync(join(sample, prefix, f), join(dir, newPrefix, f)); }
    }
    const meta = JSON.parse(readFileSync(join(sample, 'metadata', `${prefix}.json`), 'utf8'));
    meta.pmcid = `PMC${newNum}`;
    meta.xml_url = `s3://pmc-oa-opendata/${newPrefix}/${newPrefix}.xml?md5=${md5(xml)}`;
    meta.media_urls = (meta.media_urls as string[]).map((u) => u.replace(`/${prefix}/`, `/${newPrefix}/`));
    writeFileSync(join(dir, 'metadata', `${newPrefix}.json`), JSON.stringify(meta, null, 2));
  }
  writeFileSync(marker, sample);
  return dir;
}

interface RunResult { code: number | null; wallMs: number; peakRssMb: number; sigintExitMs?: number; stderr: string }

/** Runs `mmrare run` as a child; polls its VmHWM; optionally sends SIGINT once `interruptWhen` says so. */
function runChild(work: string, layout: string, interruptWhen?: () => boolean): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const t0 = performance.now();
    // the bin itself, as a user runs it (its first line sets the malloc arenas: bin.mjs)
    const p = spawn(BIN, ['run', '--workdir', work, '--from-dir', layout, ...(jobs ? ['--jobs', jobs] : [])],
      { cwd: REPO, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d) => { stderr = (stderr + d).slice(-20_000); });
    let peak = 0;
    let signalledAt = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch { /* exited */ }
      if (interruptWhen && !signalledAt && interruptWhen()) { signalledAt = performance.now(); p.kill('SIGINT'); }
    }, 100);
    p.on('exit', (code) => {
      const end = performance.now();
      clearInterval(poll);
      resolveRun({ code, wallMs: end - t0, peakRssMb: peak, stderr, ...(signalledAt ? { sigintExitMs: end - signalledAt } : {}) });
    });
  });
}

function q<T>(work: string, sql: string, ...params: unknown[]): T[] {
  const p = join(work, 'mmrare.db');
  if (!existsSync(p)) return [];
  try {
    const db = new Database(p, { readonly: true, fileMustExist: true });
    try { return db.prepare(sql).all(...params) as T[]; } finally { db.close(); }
  } catch { return []; }
}

function dirBytes(d: string): number {
  if (!existsSync(d)) return 0;
  let n = 0;
  for (const f of readdirSync(d)) { const p = join(d, f); const s = statSync(p); n += s.isDirectory() ? dirBytes(p) : s.size; }
  return n;
}

function exportDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => { for (const f of readdirSync(d).sort()) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else h.update(relative(dir, p)).update(readFileSync(p)); } };
  if (existsSync(dir)) walk(dir);
  return h.digest('hex');
}

interface SizeReport { n: number; wallMs: number; peakRssMb: number; dbPerArticle: number; blobsPerArticle: number; digest: string; stages: Record<string, Record<string, number>>; load: string }

async function measure(n: number, layout: string): Promise<SizeReport> {
  const work = join(ROOT, `work-${n}`);
  rmSync(work, { recursive: true, force: true });
  const before = load();
  const r = await runChild(work, layout);
  if (r.code !== 0) throw new Error(`run on ${n} articles exited ${r.code}:\n${r.stderr.slice(-3000)}`);
  const rows = q<{ stage: string; counter: string; value: number }>(work, `SELECT stage, counter, value FROM run_counters WHERE run_id = (SELECT MAX(id) FROM runs)`);
  const stages: Record<string, Record<string, number>> = {};
  for (const x of rows) (stages[x.stage] ??= {})[x.counter] = x.value;
  const db = ['mmrare.db', 'mmrare.db-wal'].map((f) => join(work, f)).filter(existsSync).reduce((s, f) => s + statSync(f).size, 0);
  const tables = q<{ name: string; bytes: number }>(work, `SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 8`);
  const rep: SizeReport = { n, wallMs: r.wallMs, peakRssMb: r.peakRssMb, dbPerArticle: db / n, blobsPerArticle: dirBytes(join(work, 'blobs')) / n, digest: exportDigest(join(work, 'export')), stages, load: `${before} → ${load()}` };
  console.log(`\n== ${n} articles (load average ${rep.load})`);
  console.log(`wall ${(r.wallMs / 1000).toFixed(1)} s (process, incl. start and lexicon load), peak RSS ${r.peakRssMb.toFixed(0)} MB (VmHWM)`);
  console.log('stage       wall s   CPU s  cores  +child CPU s  peak RSS MB');
  for (const s of STAGES) {
    const c = stages[s];
    if (!c) continue;
    console.log(`${s.padEnd(10)} ${(c.wall_ms / 1000).toFixed(1).padStart(7)} ${(c.cpu_ms / 1000).toFixed(1).padStart(7)} ${(c.cpu_ms / Math.max(1, c.wall_ms)).toFixed(2).padStart(6)} ${(c.children_cpu_ms / 1000).toFixed(1).padStart(13)} ${String(c.peak_rss_mb).padStart(12)}`);
  }
  console.log(`store: ${(rep.dbPerArticle / 1024).toFixed(1)} KB/article in the database (${(db / 1e6).toFixed(1)} MB), blobs ${(rep.blobsPerArticle / 1024).toFixed(1)} KB/article`);
  if (tables.length) console.log(`largest tables/indexes: ${tables.map((t) => `${t.name} ${(t.bytes / n / 1024).toFixed(1)} KB/article`).join(', ')}`);
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
  return rep;
}

async function sigintRun(n: number, layout: string, digest: string): Promise<void> {
  const work = join(ROOT, `work-${n}-sigint`);
  rmSync(work, { recursive: true, force: true });
  const before = load();
  const extracted = () => (q<{ n: number }>(work, `SELECT COUNT(*) AS n FROM stage_progress WHERE stage = 'extract'`)[0]?.n ?? 0);
  const r = await runChild(work, layout, () => extracted() >= n / 4);
  const atStop = extracted();
  const re = await runChild(work, layout);
  console.log(`\n== SIGINT on ${n} articles (load average ${before} → ${load()})`);
  console.log(`interrupted with ${atStop} of ${n} extracted: exit ${r.code} ${r.sigintExitMs?.toFixed(0)} ms after SIGINT; rerun exit ${re.code} in ${(re.wallMs / 1000).toFixed(1)} s; ` +
    `export ${exportDigest(join(work, 'export')) === digest ? 'byte-identical to' : 'DIFFERENT from'} the uninterrupted run's`);
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
}

mkdirSync(ROOT, { recursive: true });
console.log(`scale bench: node ${process.version}, root ${ROOT}, load average ${load()}${jobs ? `, --jobs ${jobs}` : ''}`);
const sample = await sampleLayout();
const reports: SizeReport[] = [];
for (const n of sizes) {
  const t = performance.now();
  const layout = buildLayout(sample, n);
  console.log(`layout of ${n} articles: ${layout} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  reports.push(await measure(n, layout));
}
if (reports.length > 1) {
  const [a, b] = [reports[0], reports[reports.length - 1]];
  console.log(`\n== ${b.n} / ${a.n} (×${b.n / a.n} articles)`);
  console.log(`wall ratio ${(b.wallMs / a.wallMs).toFixed(2)} (goal ≤ 10.5 for ×10); peak RSS ratio ${(b.peakRssMb / a.peakRssMb).toFixed(2)} (goal ≤ 1.3), ${b.peakRssMb.toFixed(0)} MB at ${b.n} (goal ≤ 400 MB)`);
  for (const s of STAGES) if (a.stages[s] && b.stages[s]) console.log(`  ${s.padEnd(10)} wall ratio ${(b.stages[s].wall_ms / Math.max(1, a.stages[s].wall_ms)).toFixed(2)}`);
}
if (args.includes('--sigint')) await sigintRun(sizes[sizes.length - 1], buildLayout(sample, sizes[sizes.length - 1]), reports[reports.length - 1].digest);
