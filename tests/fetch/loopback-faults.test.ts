// The PMC Cloud source through the fetch stage and a real store, against the loopback PMC server with
// scripted faults: ListObjectsV2 paging over several versions (the highest wins; a newer version re-runs
// downstream work and flags old reviews), Retry-After on 429 and 503 in both forms, a wrong md5 on one
// media file, a server that never answers, and S3 requests that fail at the socket in the summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { runStage } from '../../pipeline/runner/runner.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import { createFetchStage } from '../../pipeline/fetch/stage.ts';
import { createExtractStage } from '../../pipeline/extract/stage.ts';
import { createPmcCloudSource, type PmcCloudSourceOptions } from '../../pipeline/fetch/pmc-cloud-source.ts';
import { createNcbiBudget, type RequestBudget } from '../../pipeline/client/budget.ts';
import type { HttpEvent } from '../../pipeline/client/http.ts';
import { RemoteError } from '../../pipeline/client/errors.ts';
import { startLoopbackPmc, type LoopbackOptions, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { loadBucketDir, writeBucketFolder, type ArticleSpec } from '../../scripts/loopback-pmc/corpus.ts';
import { caseReportPath } from '../shared-data.ts';
import { tempDir } from '../helpers.ts';

const A = 'PMC4735894';
const B = 'PMC4738710';
const C = 'PMC4736318';
const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

let budget: RequestBudget;
beforeAll(() => { budget = createNcbiBudget({ requestsPerSecond: 50 }); cleanups.push(() => budget.stop()); });

function bucket(specs: ArticleSpec[]): string {
  const t = tempDir('mmrare-lb-'); cleanups.push(t.cleanup);
  writeBucketFolder(t.dir, specs);
  return t.dir;
}
async function serve(o: LoopbackOptions): Promise<LoopbackServer> {
  const s = await startLoopbackPmc({ rps: 50, rpsApiKey: 50, ...o });
  cleanups.push(() => s.close());
  return s;
}
function newStore() {
  const t = tempDir(); cleanups.push(t.cleanup);
  const store = new Store(t.dir);
  cleanups.push(() => store.close());
  const run = () => Number(store.db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json) VALUES ('t', 'now', '{}', 'h', '{}')`).run().lastInsertRowid);
  return { store, ctx: () => ({ store, config: parseConfig({}), runId: run(), log: silentLogger }) };
}
const sourceFor = (server: LoopbackServer, o: Partial<PmcCloudSourceOptions> = {}) => createPmcCloudSource({
  eutilsUrl: server.eutilsUrl, s3Url: server.s3Url, email: 'test@example.org', tool: 'mmrare-test', query: '', licences: ['all_cc'], budget,
  http: { retry: { baseDelayMs: 1, maxDelayMs: 10, maxAttempts: 4 } }, ...o,
});

describe('S3 listing: paging and versions', () => {
  it('pages ListObjectsV2 with continuation-token over versions 1, 2 and 10: version 10 is stored', async () => {
    const server = await serve({ dir: bucket([{ file: caseReportPath(A), version: 1 }, { file: caseReportPath(A), version: 2 }, { file: caseReportPath(A), version: 10 }, { file: caseReportPath(B) }]), s3MaxKeys: 1 });
    const { store, ctx } = newStore();
    const source = sourceFor(server, { s3MaxKeys: 1 });
    const c = await runStage(createFetchStage(source), ctx());
    await source.close();
    expect(c).toMatchObject({ seen: 2, kept: 2 });
    expect(store.db.prepare('SELECT pmcid, version FROM articles ORDER BY pmcid').all()).toEqual([{ pmcid: A, version: 10 }, { pmcid: B, version: 1 }]);
    const listings = server.log.filter((e) => e.path.includes('list-type=2') && e.path.includes(`prefix=${A}.`));
    // "PMC….1/", "PMC….10/", "PMC….2/" in key order, one per page: three requests, the later two with the token
    expect(listings.length).toBeGreaterThanOrEqual(3);
    expect(listings.slice(0, 3).map((e) => e.path.includes('continuation-token='))).toEqual([false, true, true]);
    expect(server.log.some((e) => e.path.endsWith(`metadata/${A}.10.json`))).toBe(true);
    expect(server.log.some((e) => e.path.endsWith(`metadata/${A}.2.json`))).toBe(false);
  });

  it('a newer version re-fetches the article, re-runs extract and flags the old review (kept)', async () => {
    const v1 = bucket([{ file: caseReportPath(A) }, { file: caseReportPath(B) }]);
    const { store, ctx } = newStore();
    const s1 = await serve({ dir: v1, s3MaxKeys: 1 });
    const src1 = sourceFor(s1);
    await runStage(createFetchStage(src1), ctx());
    await src1.close();
    expect((await runStage(createExtractStage(1), ctx())).kept).toBe(2);
    store.db.prepare(`INSERT INTO reviews (question_id, item_key, reviewer, verdict, created_at) VALUES (?, ?, 'ann', 'accept', 'now')`).run(`dx-${A}-c1-00000000`, `${A}#c1`);
    const extractedBefore = store.db.prepare(`SELECT item_key, input_hash, run_id FROM stage_progress WHERE stage = 'extract' ORDER BY item_key`).all() as { item_key: string; input_hash: string; run_id: number }[];

    // the bucket now also holds version 2 of A
    const both = loadBucketDir(bucket([{ file: caseReportPath(A) }, { file: caseReportPath(A), version: 2 }, { file: caseReportPath(B) }]));
    const s2 = await serve({ corpus: both, s3MaxKeys: 1 });
    const src2 = sourceFor(s2, { s3MaxKeys: 1 });          // no skip: the way new versions are picked up
    const f = await runStage(createFetchStage(src2), ctx());
    await src2.close();
    expect(f).toMatchObject({ seen: 2, new: 1, skipped: 1 });
    expect(store.db.prepare(`SELECT version, stale FROM articles WHERE pmcid = ?`).get(A)).toEqual({ version: 2, stale: 1 });
    expect(store.db.prepare('SELECT reviewer, stale FROM reviews').all()).toEqual([{ reviewer: 'ann', stale: 1 }]);
    const e = await runStage(createExtractStage(1), ctx());
    expect(e).toMatchObject({ new: 1, skipped: 1 });
    const after = store.db.prepare(`SELECT item_key, input_hash, run_id FROM stage_progress WHERE stage = 'extract' ORDER BY item_key`).all() as typeof extractedBefore;
    expect(after[0].input_hash).not.toBe(extractedBefore[0].input_hash);   // A: re-extracted
    expect(after[1]).toEqual(extractedBefore[1]);                          // B: untouched
    expect(store.db.prepare(`SELECT stale FROM articles WHERE pmcid = ?`).pluck().get(A)).toBe(0);
  });
});

describe('Retry-After on 429 (E-utilities) and 503 (S3)', () => {
  it.each([
    ['429 esearch, delta-seconds', 'eutils', 'seconds'],
    ['429 esearch, HTTP-date', 'eutils', 'http-date'],
    ['503 SlowDown, delta-seconds', 's3', 'seconds'],
    ['503 SlowDown, HTTP-date', 's3', 'http-date'],
  ] as const)('%s: the client waits what the server asked, then succeeds', async (_n, service, form) => {
    const server = await serve({
      dir: bucket([{ file: caseReportPath(B) }]), retryAfterSeconds: 2, retryAfterForm: form, retryAfterProbability: 1,
      // the first request of the service is refused once
      decideFault: (r) => (r.service === service && r.count === 1 && (service === 'eutils' || r.path.startsWith('/pmc-oa-opendata/metadata/')) ? '429' : null),
    });
    const events: HttpEvent[] = [];
    const source = sourceFor(server, { http: { retry: { baseDelayMs: 1, maxDelayMs: 10, maxAttempts: 4 }, onEvent: (e) => events.push(e) } });
    const items = [];
    for await (const it of source.list()) items.push(it);
    const r = await source.load(items[0]);
    await source.close();
    expect(r.kind).toBe('package');
    const retries = events.filter((e): e is Extract<HttpEvent, { type: 'retry' }> => e.type === 'retry');
    expect(retries).toHaveLength(1);
    if (form === 'seconds') expect(retries[0].delayMs).toBe(2000);
    else { expect(retries[0].delayMs).toBeGreaterThan(1000); expect(retries[0].delayMs).toBeLessThanOrEqual(2000); }  // a date has 1 s resolution
    const refused = server.log.findIndex((e) => e.fault === '429');
    const again = server.log.findIndex((e, i) => i > refused && e.path === server.log[refused].path);
    expect(server.log[again].t - server.log[refused].t).toBeGreaterThanOrEqual(retries[0].delayMs - 5);
  }, 20_000);
});

describe('wrong md5, silence, socket failures', () => {
  it('a media file whose bytes never match its md5: 3 downloads, then an md5_mismatch drop naming the file', async () => {
    const dir = bucket([{ file: caseReportPath(A) }, { file: caseReportPath(B) }]);
    const meta = loadBucketDir(dir).byPmcid.get(B)!.meta as { media_urls: string[] };
    const key = meta.media_urls[1].replace('s3://pmc-oa-opendata/', '').replace(/\?.*$/, '');
    const server = await serve({ dir, md5Keys: [decodeURIComponent(key)] });
    const { store, ctx } = newStore();
    const source = sourceFor(server);
    const c = await runStage(createFetchStage(source), ctx());
    await source.close();
    expect(c).toMatchObject({ kept: 1, dropped: { md5_mismatch: 1 } });
    const d = store.db.prepare(`SELECT item_key, reason_code, rule, detail_json FROM decisions`).get() as { item_key: string; reason_code: string; rule: string; detail_json: string };
    expect([d.item_key, d.reason_code, d.rule]).toEqual([B, 'md5_mismatch', 'fetch.s3.md5']);
    expect(JSON.parse(d.detail_json).url).toContain(key.split('/').pop());
    expect(server.log.filter((e) => e.path.endsWith(`/${key}`)).map((e) => e.fault)).toEqual(['md5', 'md5', 'md5']);
    expect(store.db.prepare('SELECT COUNT(*) FROM articles WHERE pmcid = ?').pluck().get(B)).toBe(0);
  });

  it('an S3 request that is never answered times out: the article is pending (transient), the others are stored, and a later run completes it', async () => {
    const dir = bucket([{ file: caseReportPath(A) }, { file: caseReportPath(B) }]);
    const hang = await serve({ dir, decideFault: (r) => (r.path.endsWith(`metadata/${A}.1.json`) ? 'hang' : null) });
    const { store, ctx } = newStore();
    const t0 = Date.now();
    const source = sourceFor(hang, { http: { headersTimeoutMs: 500, retry: { baseDelayMs: 1, maxDelayMs: 10, maxAttempts: 2 } } });
    const c = await runStage(createFetchStage(source), ctx());
    await source.close();
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(c).toMatchObject({ kept: 1, pending: 1 });
    const p = store.db.prepare(`SELECT status, error FROM stage_progress WHERE stage = 'fetch' AND item_key = ?`).get(A) as { status: string; error: string };
    expect(p.status).toBe('pending');
    expect(p.error).toMatch(/^timeout/);
    expect(hang.log.filter((e) => e.fault === 'hang')).toHaveLength(2);
    const ok = await serve({ dir });
    const again = sourceFor(ok);
    expect(await runStage(createFetchStage(again), ctx())).toMatchObject({ new: 1, skipped: 1, kept: 2, pending: 0 });
    await again.close();
  }, 30_000);

  it('an E-utilities search that is never answered fails the listing with a typed timeout (nothing stored)', async () => {
    const hang = await serve({ dir: bucket([{ file: caseReportPath(B) }]), faults: { hang: 1 }, faultServices: ['eutils'] });
    const { store, ctx } = newStore();
    const source = sourceFor(hang, { http: { headersTimeoutMs: 500, retry: { baseDelayMs: 1, maxDelayMs: 10, maxAttempts: 2 } } });
    const err = await runStage(createFetchStage(source), ctx()).catch((e) => e);
    await source.close();
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ code: 'timeout', retryable: true, attempts: 2, exitCode: 4 });
    expect(store.db.prepare('SELECT COUNT(*) FROM stage_progress').pluck().get()).toBe(0);
  }, 30_000);

  it('S3 requests that fail at the socket are counted in the summary', async () => {
    const server = await serve({
      dir: bucket([{ file: caseReportPath(A) }, { file: caseReportPath(B) }, { file: caseReportPath(C) }]),
      decideFault: (r) => (r.service === 's3' && r.count === 1 && !r.path.includes('list-type') ? 'reset' : null),
    });
    const source = sourceFor(server);
    for await (const it of source.list()) await source.load(it);
    const s = source.summary();
    await source.close();
    const s3 = server.log.filter((e) => e.service === 's3');
    expect(s3.filter((e) => e.fault === 'reset').length).toBeGreaterThan(5);
    expect(s.s3Requests).toBe(s3.length);
    expect(s.ncbiRequests).toBe(server.log.filter((e) => e.service === 'eutils').length);
  });
});
