import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPmcCloudSource, expandLicences, parseHint, type PmcCloudSourceOptions } from '../../pipeline/fetch/pmc-cloud-source.ts';
import { createNcbiBudget, type RequestBudget } from '../../pipeline/client/budget.ts';
import { createProgress, renderBar } from '../../pipeline/fetch/progress.ts';
import type { LoadResult, SourceItem } from '../../pipeline/fetch/source.ts';
import { startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { articleFiles, makeBucket } from './helpers.ts';
import { sampleCorpus } from '../helpers.ts';

const pmcidOf = (file: string) => `PMC${/PMC(\d+)(?:\.\d+)?\.(?:nxml|xml)$/.exec(file)![1]}`;

describe('PmcCloudSource', () => {
  const files = articleFiles();
  // Policy fixtures: the same real JATS with metadata flags as the bucket would carry them.
  const [retracted, manuscript, notOa, ocr, ncnd, versioned, fallback, restricted, noMedia, unlisted] = files.slice(0, 10);
  const plain = files.slice(10, 20);
  let server: LoopbackServer;
  let cleanup: () => void;
  let budget: RequestBudget;
  let dir: string;

  beforeAll(async () => {
    const b = makeBucket([
      { file: retracted, meta: { is_retracted: true } },
      { file: manuscript, meta: { is_manuscript: true } },
      { file: notOa, meta: { is_pmc_openaccess: false } },
      { file: ocr, meta: { is_historical_ocr: true } },
      { file: ncnd, meta: { license_code: 'CC BY-NC-ND' } },
      { file: versioned, version: 1 }, { file: versioned, version: 2 },
      { file: fallback }, { file: restricted, restricted: true }, { file: noMedia }, { file: unlisted },
      ...plain.map((file) => ({ file })),
    ]);
    dir = b.dir;
    cleanup = b.cleanup;
    // a media file listed in the metadata but absent from the bucket
    const p = pmcidOf(noMedia);
    const meta = (await import('node:fs')).readFileSync(join(dir, 'metadata', `${p}.1.json`), 'utf8');
    const first = (JSON.parse(meta).media_urls[0] as string).replace(/^s3:\/\/pmc-oa-opendata\//, '').replace(/\?.*$/, '');
    rmSync(join(dir, first));
    server = await startLoopbackPmc({ dir, rps: 50, rpsApiKey: 50, s3MissingXml: [pmcidOf(fallback), pmcidOf(restricted)] });
    budget = createNcbiBudget({ requestsPerSecond: 50 });
  });
  afterAll(async () => { await budget.stop(); await server.close(); cleanup(); });

  const source = (o: Partial<PmcCloudSourceOptions> = {}) => createPmcCloudSource({
    eutilsUrl: server.eutilsUrl, s3Url: server.s3Url, email: 'test@example.org', tool: 'mmrare-test',
    query: '', licences: ['commercial_safe'], budget, http: { retry: { baseDelayMs: 1, maxDelayMs: 10, maxAttempts: 4 } }, ...o,
  });

  async function loadAll(o: Partial<PmcCloudSourceOptions> = {}) {
    const s = source(o);
    const out = new Map<string, { item: SourceItem; r: LoadResult }>();
    for await (const item of s.list()) out.set(item.key, { item, r: await s.load(item) });
    const summary = s.summary();
    await s.close();
    return { out, summary };
  }

  it('excludes retracted, manuscript, non-OA, OCR and disallowed-licence articles with their reason codes', async () => {
    const { out, summary } = await loadAll();
    const reason = (f: string) => { const r = out.get(pmcidOf(f))!.r; return r.kind === 'drop' ? `${r.reason}|${r.rule}` : r.kind; };
    expect(reason(retracted)).toBe('article_retracted|fetch.policy.retracted');
    expect(reason(manuscript)).toBe('author_manuscript|fetch.policy.manuscript');
    expect(reason(notOa)).toBe('not_open_access|fetch.policy.open_access');
    expect(reason(ocr)).toBe('historical_ocr|fetch.policy.historical_ocr');
    expect(reason(ncnd)).toBe('licence_not_allowed|fetch.policy.licence_allow_list');
    expect(reason(restricted)).toBe('full_text_restricted|fetch.efetch.restricted');
    const nm = out.get(pmcidOf(noMedia))!.r;
    expect(nm.kind === 'package' && nm.pkg.notes?.map((n) => n.reason)).toEqual(['media_missing']);
    for (const f of plain) expect(reason(f)).toBe('package');
    expect(summary.droppedByReason).toMatchObject({ article_retracted: 1, licence_not_allowed: 1, full_text_restricted: 1 });
    // the same NC-ND article is admitted under the all-CC preset
    const all = await loadAll({ licences: ['all_cc'] });
    expect(all.out.get(pmcidOf(ncnd))!.r.kind).toBe('package');
  });

  it('packages carry md5-verified bytes, canonical URLs and the latest version in the hint', async () => {
    const { out } = await loadAll();
    const v = out.get(pmcidOf(versioned))!;
    expect(v.item.hint).toBe(`${pmcidOf(versioned)}.2`);
    expect(v.r.kind === 'package' && v.r.pkg.version).toBe(2);
    const p = out.get(pmcidOf(plain[0]))!.r;
    if (p.kind !== 'package') throw new Error('expected a package');
    expect(p.pkg.xmlSourceUrl).toMatch(/^s3:\/\/pmc-oa-opendata\/PMC\d+\.1\/PMC\d+\.1\.xml\?md5=/);
    expect(p.pkg.media.length).toBeGreaterThan(0);
    for (const m of p.pkg.media) {
      expect(m.sourceUrl.startsWith('s3://')).toBe(true);
      expect((await import('node:crypto')).createHash('md5').update(m.bytes).digest('hex')).toBe(m.md5Expected);
    }
    expect(JSON.parse(p.pkg.metadataRaw.toString()).pmcid).toBe(p.pkg.pmcid);
  });

  it('falls back to efetch when the bucket lacks the XML', async () => {
    const { out } = await loadAll();
    const r = out.get(pmcidOf(fallback))!.r;
    if (r.kind !== 'package') throw new Error(`expected a package, got ${JSON.stringify(r)}`);
    expect(r.pkg.xmlSourceUrl).toBe(`https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi?db=pmc&id=${pmcidOf(fallback).slice(3)}`);
    expect(r.pkg.metadata.xml_url).toBeNull();                 // the bucket md5 is not claimed for efetch bytes
    expect(r.pkg.notes?.[0]).toMatchObject({ reason: 'xml_from_efetch', rule: 'fetch.xml.efetch_fallback' });
    expect(JSON.parse(r.pkg.metadataRaw.toString()).xml_url).toMatch(/^s3:/);   // raw metadata kept verbatim
    expect(r.pkg.xml.toString()).toContain(`<article-id pub-id-type="pmcid">${pmcidOf(fallback).slice(3)}</article-id>`);
  });

  it('skip() removes stored PMCIDs before any request; newLimit stops the listing; since sets mindate', async () => {
    const stored = new Set(files.slice(0, 5).map(pmcidOf));
    const before = server.log.length;
    const s = source({ skip: (p) => stored.has(p), newLimit: 4 });
    const keys: string[] = [];
    for await (const it of s.list()) keys.push(it.key);
    await s.close();
    expect(keys).toHaveLength(4);
    expect(keys.some((k) => stored.has(k))).toBe(false);
    const calls = server.log.slice(before);
    expect(calls.filter((e) => e.service === 'eutils')).toHaveLength(1);
    expect(calls.filter((e) => e.service === 's3' && stored.has(/prefix=(PMC\d+)/.exec(decodeURIComponent(e.path))?.[1] ?? ''))).toHaveLength(0);

    const since = source({ since: '2018-01-01' });
    const recent: string[] = [];
    for await (const it of since.list()) recent.push(it.key);
    await since.close();
    expect(server.log.filter((e) => e.service === 'eutils').at(-1)!.path).toContain('mindate=2018%2F01%2F01');
    expect(recent.every((k) => server.corpus.byPmcid.get(k)!.pubDate >= '2018/01/01')).toBe(true);
  });

  it('a failing service yields transient results (never a drop), and a later run completes them', async () => {
    const down = await startLoopbackPmc({ corpus: server.corpus, rps: 50, rpsApiKey: 50, faults: { http5xx: 1 }, faultServices: ['s3'] });
    const s = createPmcCloudSource({ eutilsUrl: down.eutilsUrl, s3Url: down.s3Url, email: 'e@x.org', tool: 't', query: '', licences: ['all_cc'],
      budget, limit: 3, http: { retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 } } });
    const items: SourceItem[] = [];
    for await (const it of s.list()) items.push(it);
    expect(items.every((i) => i.hint === undefined)).toBe(true);      // versions unknown: load() will look again
    const rs = await Promise.all(items.map((i) => s.load(i)));
    expect(rs.map((r) => r.kind)).toEqual(['transient', 'transient', 'transient']);
    expect((rs[0] as { error: string }).error).toMatch(/^server_error/);
    await s.close();
    await down.close();
    const again = source({ licences: ['all_cc'] });
    const later = await Promise.all(items.map((i) => again.load(i)));
    expect(later.every((r) => r.kind !== 'transient')).toBe(true);
    await again.close();
  });

  it('concurrent fallbacks share efetch requests', async () => {
    const hideAll = await startLoopbackPmc({ corpus: server.corpus, rps: 5, rpsApiKey: 5, s3MissingXml: 1 });
    const slow = createNcbiBudget({ requestsPerSecond: 5 });
    const s = createPmcCloudSource({ eutilsUrl: hideAll.eutilsUrl, s3Url: hideAll.s3Url, email: 'e@x.org', tool: 't', query: '',
      licences: ['all_cc'], budget: slow, limit: 10 });
    const items: SourceItem[] = [];
    for await (const it of s.list()) items.push(it);
    const rs = await Promise.all(items.map((i) => s.load(i)));
    const efetches = hideAll.log.filter((e) => e.path.includes('efetch'));
    expect(rs.filter((r) => r.kind === 'package').length).toBeGreaterThanOrEqual(8);
    expect(efetches.length).toBeLessThanOrEqual(4);            // 10 fallbacks, not 10 requests
    await s.close(); await slow.stop(); await hideAll.close();
  });
});

describe('the bundled sample bucket', () => {
  it('is served by the loopback server and fetched like the live bucket', async () => {
    const SAMPLES = await sampleCorpus();
    const server = await startLoopbackPmc({ dir: SAMPLES, rps: 50, rpsApiKey: 50 });
    const budget = createNcbiBudget({ requestsPerSecond: 50 });
    const s = createPmcCloudSource({ eutilsUrl: server.eutilsUrl, s3Url: server.s3Url, email: 'e@x.org', tool: 't', query: '',
      licences: ['all_cc'], limit: 3, budget });
    const rs: LoadResult[] = [];
    for await (const it of s.list()) rs.push(await s.load(it));
    expect(rs).toHaveLength(3);
    expect(rs.every((r) => r.kind === 'package' && r.pkg.media.length > 0)).toBe(true);
    await s.close(); await budget.stop(); await server.close();
  });
});

describe('helpers and progress', () => {
  it('expands licence presets and parses hints', () => {
    expect(expandLicences(['commercial_safe', 'CC BY'])).toEqual(['CC0', 'CC BY']);
    expect(expandLicences(['all_cc'])).toHaveLength(7);
    expect(parseHint('PMC123.4')).toEqual({ pmcid: 'PMC123', version: 4 });
    expect(parseHint(undefined)).toBeNull();
  });

  it('draws only on a TTY and always keeps a summary', () => {
    const written: string[] = [];
    const sink = Object.assign(new Writable({ write(c, _e, cb) { written.push(String(c)); cb(); } }), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const p = createProgress({ enabled: true, stream: sink, redrawMs: 0 });
    p.listed(2);
    p.http('ncbi', { type: 'attempt', url: 'u' });
    p.http('ncbi', { type: 'response', url: 'u', status: 200, bytes: 2048 });
    p.http('ncbi', { type: 'rate_limited', url: 'u' });
    p.http('ncbi', { type: 'retry', url: 'u', code: 'rate_limited', attempt: 1, delayMs: 5 });
    p.result('package', 10);
    p.result('drop', 0, 'licence_not_allowed');
    p.finish();
    expect(written).toEqual([]);
    const s = p.summary();
    expect(s).toMatchObject({ listed: 2, packaged: 1, dropped: 1, bytes: 2048, rateLimited: 1, retries: 1, droppedByReason: { licence_not_allowed: 1 } });
    expect(renderBar(s)).toMatch(/^\[#+\] 2\/2 articles · 2\.0 KiB · .* 429s 1 · retries 1 · dropped 1$/);

    const tty = Object.assign(new Writable({ write(c, _e, cb) { written.push(String(c)); cb(); } }), { isTTY: true }) as unknown as NodeJS.WriteStream;
    const q = createProgress({ enabled: true, stream: tty, redrawMs: 0 });
    q.listed();
    q.finish();
    expect(written.join('')).toContain('0/1 articles');
  });
});
