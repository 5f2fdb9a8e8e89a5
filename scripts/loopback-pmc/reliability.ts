// Reliability check: many replicated articles through injected faults, fetched by the PMC Cloud
// source in "runs" (passes) the way the runner drives it: each pass lists again, skips what is
// already stored, loads the rest; transient results stay pending for the next pass. Exported so the
// fetch stage can later run the same check through the real store.
import { createHash } from 'node:crypto';
import { createNcbiBudget } from '../../pipeline/client/budget.ts';
import { createPmcCloudSource } from '../../pipeline/fetch/pmc-cloud-source.ts';
import type { ArticlePackage, LoadResult, SourceItem } from '../../pipeline/fetch/source.ts';
import type { FetchSummary } from '../../pipeline/fetch/progress.ts';
import { startLoopbackPmc, type FaultRates, type LoopbackOptions } from './server.ts';

export interface ReliabilityOptions {
  dir: string;                       // bucket-layout folder whose articles are replicated
  replicate: number;
  faults: FaultRates;
  /** Server and client budget. A fast CI run uses api-key-like settings (e.g. 200/s) on loopback. */
  rps: number;
  seed?: number;
  maxPasses?: number;
  concurrency?: number;              // load() calls in flight
  maxAttempts?: number;              // per request (default 6); lower ⇒ more transients ⇒ more passes
  s3MissingXml?: number;             // fraction served only through the efetch fallback
  /** Called for every package (e.g. the real stage's store); default: verify md5s in memory. */
  onPackage?: (pkg: ArticlePackage) => Promise<void> | void;
  server?: Partial<LoopbackOptions>;
}

export interface ReliabilityReport {
  articles: number;
  packaged: number;
  md5Drops: number;
  otherDrops: Record<string, number>;
  pending: number;                   // still transient after maxPasses
  duplicates: number;                // keys listed twice in one pass or packaged twice
  corrupt: number;                   // packages whose bytes do not match their md5s
  passes: number;
  ncbiRequests: number;
  maxEutilsInAnySecond: number;
  budget: number;
  overBudget429s: number;            // 429s the server issued because the budget was exceeded
  faultsInjected: Record<string, number>;
  elapsedMs: number;
  summaries: FetchSummary[];
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const md5Of = (url: string | null | undefined) => (url ? /[?&]md5=([0-9a-f]{32})/i.exec(url)?.[1] ?? null : null);

/** True when the package's XML and every media file match the md5s the metadata announced. */
export function packageVerified(pkg: ArticlePackage): boolean {
  const xmlMd5 = md5Of(pkg.metadata.xml_url);
  if (xmlMd5 && pkg.xmlSourceUrl.startsWith('s3://') && md5(pkg.xml) !== xmlMd5) return false;
  return pkg.media.every((m) => !m.md5Expected || md5(m.bytes) === m.md5Expected);
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => { while (i < items.length) await fn(items[i++]); }));
}

export async function runReliabilityCheck(o: ReliabilityOptions): Promise<ReliabilityReport> {
  const started = Date.now();
  const server = await startLoopbackPmc({
    dir: o.dir, replicate: o.replicate, faults: o.faults, seed: o.seed ?? 42, rps: o.rps, rpsApiKey: o.rps,
    retryAfterSeconds: 0, s3MissingXml: o.s3MissingXml, ...o.server,
  });
  // One budget for the whole check, like one process: all passes share it.
  const budget = createNcbiBudget({ requestsPerSecond: o.rps, apiKey: 'loopback' });
  const stored = new Map<string, number>();        // pmcid → times packaged
  const dropped = new Map<string, string>();       // pmcid → reason
  let duplicates = 0;
  let corrupt = 0;
  let pending = new Set<string>();
  let passes = 0;
  const summaries: FetchSummary[] = [];
  try {
    for (passes = 1; passes <= (o.maxPasses ?? 5); passes++) {
      const source = createPmcCloudSource({
        eutilsUrl: server.eutilsUrl, s3Url: server.s3Url, email: 'reliability@example.org', tool: 'mmrare-reliability',
        apiKey: 'loopback', query: '', licences: ['all_cc'], budget,
        skip: (p) => stored.has(p) || dropped.has(p),
        http: { retry: { maxAttempts: o.maxAttempts ?? 6, baseDelayMs: 10, maxDelayMs: 200 }, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 },
        s3Concurrency: 32, versionLookupConcurrency: 16,
      });
      const items: SourceItem[] = [];
      const seen = new Set<string>();
      try {
        for await (const it of source.list()) {
          if (seen.has(it.key)) duplicates++;
          seen.add(it.key);
          items.push(it);
        }
      } catch {
        // listing failed this run (search kept failing): the next run lists again
      }
      pending = new Set();
      await pool(items, o.concurrency ?? 16, async (it) => {
        const r: LoadResult = await source.load(it);
        if (r.kind === 'package') {
          if (stored.has(r.pkg.pmcid)) duplicates++;
          if (!packageVerified(r.pkg)) corrupt++;
          await o.onPackage?.(r.pkg);
          stored.set(r.pkg.pmcid, (stored.get(r.pkg.pmcid) ?? 0) + 1);
        } else if (r.kind === 'drop') dropped.set(it.key, r.reason);
        else pending.add(it.key);
      });
      summaries.push(source.summary());
      await source.close();
      if (pending.size === 0 && seen.size > 0 && items.length === seen.size && stored.size + dropped.size === server.corpus.latest.length) break;
    }
  } finally {
    await budget.stop();
    await server.close();
  }
  const otherDrops: Record<string, number> = {};
  for (const r of dropped.values()) if (r !== 'md5_mismatch') otherDrops[r] = (otherDrops[r] ?? 0) + 1;
  const faultsInjected: Record<string, number> = {};
  for (const e of server.log) if (e.fault) faultsInjected[e.fault] = (faultsInjected[e.fault] ?? 0) + 1;
  return {
    articles: server.corpus.latest.length,
    packaged: stored.size,
    md5Drops: [...dropped.values()].filter((r) => r === 'md5_mismatch').length,
    otherDrops,
    pending: server.corpus.latest.length - stored.size - dropped.size,
    duplicates,
    corrupt,
    passes: Math.min(passes, o.maxPasses ?? 5),
    ncbiRequests: server.log.filter((e) => e.service === 'eutils').length,
    maxEutilsInAnySecond: server.maxInWindow(1000),
    budget: o.rps,
    overBudget429s: server.log.filter((e) => e.overBudget).length,
    faultsInjected,
    elapsedMs: Date.now() - started,
    summaries,
  };
}

// ---------------------------------------------------------------- the same check through the real fetch stage and store

export interface StoreFaultRunOptions extends Omit<ReliabilityOptions, 'onPackage' | 'concurrency'> {
  workdir: string;                   // a fresh folder: the store is created there
  headersTimeoutMs?: number;         // a hung request costs this long per attempt
}

export interface StoreFaultRunReport {
  articles: number;
  stored: number;                    // articles rows
  md5Drops: number;
  otherDrops: Record<string, number>;
  pending: number;                   // fetch items still pending after the last pass
  passes: number;                    // runs of the fetch stage
  reruns: number;                    // passes after the first
  requests: { total: number; eutils: number; s3: number };
  faultsInjected: Record<string, number>;
  faultsTotal: number;
  blobsVerified: number;             // blob files re-read whose sha256 matches their name
  blobsCorrupt: number;
  filesChecked: number;              // stored XML, metadata and media files compared with the bucket
  servedMismatch: number;            // stored XML/metadata/media whose bytes differ from what the bucket holds
  maxEutilsInAnySecond: number;
  budget: number;
  overBudget429s: number;
  elapsedMs: number;
  summaries: FetchSummary[];
}

/**
 * Replicated articles through injected faults, fetched by the real fetch stage into a real store the
 * way `mmrare fetch` runs (each pass skips what is stored; pending items are retried next pass); then
 * every blob is re-read and checked against its sha256, and every stored file against the bytes the
 * bucket holds (the fault-free original).
 */
export async function runStoreFaultRun(o: StoreFaultRunOptions): Promise<StoreFaultRunReport> {
  const { Store } = await import('../../db/store.ts');
  const { parseConfig } = await import('../../schemas/config.ts');
  const { runStage } = await import('../../pipeline/runner/runner.ts');
  const { silentLogger } = await import('../../pipeline/runner/log.ts');
  const { createFetchStage } = await import('../../pipeline/fetch/stage.ts');
  const started = Date.now();
  const server = await startLoopbackPmc({
    dir: o.dir, replicate: o.replicate, faults: o.faults, seed: o.seed ?? 42, rps: o.rps, rpsApiKey: o.rps,
    retryAfterSeconds: 0, s3MissingXml: o.s3MissingXml, ...o.server,
  });
  const budget = createNcbiBudget({ requestsPerSecond: o.rps, apiKey: 'loopback' });
  const store = new Store(o.workdir);
  const config = parseConfig({});
  const summaries: FetchSummary[] = [];
  let passes = 0;
  const maxPasses = o.maxPasses ?? 5;
  try {
    for (passes = 1; passes <= maxPasses; passes++) {
      const runId = Number(store.db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json) VALUES ('fault-run', ?, '{}', '', '{}')`)
        .run(new Date().toISOString()).lastInsertRowid);
      const known = new Set(store.db.prepare(`SELECT item_key FROM stage_progress WHERE stage = 'fetch' AND status IN ('done', 'dropped')`).pluck().all() as string[]);
      const source = createPmcCloudSource({
        eutilsUrl: server.eutilsUrl, s3Url: server.s3Url, email: 'faults@example.org', tool: 'mmrare-faults',
        apiKey: 'loopback', query: '', licences: ['all_cc'], budget, skip: (p) => known.has(p),
        http: { retry: { maxAttempts: o.maxAttempts ?? 6, baseDelayMs: 10, maxDelayMs: 200 }, headersTimeoutMs: o.headersTimeoutMs ?? 5_000, bodyTimeoutMs: 5_000 },
        s3Concurrency: 32, versionLookupConcurrency: 16,
      });
      let listedAll = true;
      try {
        await runStage({ ...createFetchStage(source), concurrency: 16 }, { store, config, runId, log: silentLogger });
      } catch {
        listedAll = false;   // the search kept failing this run: the next run lists again
      }
      summaries.push(source.summary());
      await source.close();
      store.db.prepare(`UPDATE runs SET status = 'ok', finished_at = ? WHERE id = ?`).run(new Date().toISOString(), runId);
      const settled = store.db.prepare(`SELECT COUNT(*) FROM stage_progress WHERE stage = 'fetch' AND status IN ('done', 'dropped')`).pluck().get() as number;
      if (listedAll && settled === server.corpus.latest.length) break;
    }
    passes = Math.min(passes, maxPasses);

    // verification: every blob against its name, every stored file against the bucket's bytes
    let blobsVerified = 0;
    let blobsCorrupt = 0;
    for (const sha of store.db.prepare('SELECT sha256 FROM blobs ORDER BY sha256').pluck().all() as string[]) {
      try { store.readBlob(sha); blobsVerified++; } catch { blobsCorrupt++; }
    }
    let servedMismatch = 0;
    let filesChecked = 0;
    const bucketBytes = (key: string) => server.corpus.objects.get(key)?.bytes;
    const same = (sha: string, want: Buffer | undefined) => { filesChecked++; try { return !!want && store.readBlob(sha).equals(want); } catch { return false; } };
    const arts = store.db.prepare('SELECT pmcid, version, xml_sha256, metadata_sha256, source_urls_json FROM articles').all() as
      { pmcid: string; version: number; xml_sha256: string; metadata_sha256: string; source_urls_json: string }[];
    for (const a of arts) {
      const prefix = `${a.pmcid}.${a.version}`;
      if (!same(a.metadata_sha256, bucketBytes(`metadata/${prefix}.json`))) servedMismatch++;
      const fromEfetch = (JSON.parse(a.source_urls_json) as string[])[0].startsWith('https://eutils');
      const xmlWant = fromEfetch ? Buffer.from(server.corpus.byPmcid.get(a.pmcid)!.xml.replace(/^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?/, ''), 'utf8') : bucketBytes(`${prefix}/${prefix}.xml`);
      if (!same(a.xml_sha256, xmlWant)) servedMismatch++;
      for (const m of store.db.prepare('SELECT name, blob_sha256 FROM media WHERE pmcid = ?').all(a.pmcid) as { name: string; blob_sha256: string }[]) {
        if (!same(m.blob_sha256, bucketBytes(`${prefix}/${m.name}`))) servedMismatch++;
      }
    }
    const drops = store.db.prepare(`SELECT reason, COUNT(*) AS n FROM stage_progress WHERE stage = 'fetch' AND status = 'dropped' GROUP BY reason`).all() as { reason: string; n: number }[];
    const faultsInjected: Record<string, number> = {};
    for (const e of server.log) if (e.fault) faultsInjected[e.fault] = (faultsInjected[e.fault] ?? 0) + 1;
    return {
      articles: server.corpus.latest.length,
      stored: arts.length,
      md5Drops: drops.find((d) => d.reason === 'md5_mismatch')?.n ?? 0,
      otherDrops: Object.fromEntries(drops.filter((d) => d.reason !== 'md5_mismatch').map((d) => [d.reason, d.n])),
      pending: store.db.prepare(`SELECT COUNT(*) FROM stage_progress WHERE stage = 'fetch' AND status = 'pending'`).pluck().get() as number,
      passes,
      reruns: passes - 1,
      requests: { total: server.log.length, eutils: server.log.filter((e) => e.service === 'eutils').length, s3: server.log.filter((e) => e.service === 's3').length },
      faultsInjected,
      faultsTotal: Object.values(faultsInjected).reduce((a, b) => a + b, 0),
      blobsVerified, blobsCorrupt, filesChecked, servedMismatch,
      maxEutilsInAnySecond: server.maxInWindow(1000),
      budget: o.rps,
      overBudget429s: server.log.filter((e) => e.overBudget).length,
      elapsedMs: Date.now() - started,
      summaries,
    };
  } finally {
    store.close();
    await budget.stop();
    await server.close();
  }
}
