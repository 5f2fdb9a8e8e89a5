import { readSharedText } from '../shared-data.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Eutils, buildCaseReportQuery, eutilsBodyError, parseEfetchArticle, parseEsearch, searchPmcIds, splitArticleSet,
  splitWindow, toEutilsDate, windowDays,
} from '../../pipeline/client/eutils.ts';
import { createNcbiBudget, type RequestBudget } from '../../pipeline/client/budget.ts';
import { HttpClient } from '../../pipeline/client/http.ts';
import { startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { articleFiles, makeBucket } from '../fetch/helpers.ts';

// real NCBI bodies from ../shared/data/ncbi-responses/eutils (see its PROVENANCE.md)
const fixture = (n: string) => readSharedText(`ncbi-responses/eutils/${n}`);

describe('wire formats (real E-utilities bodies)', () => {
  it('parses esearch db=pmc, history and zero-hit bodies', () => {
    const pmc = parseEsearch(fixture('biopython_esearch5.xml'));
    expect(pmc).toMatchObject({ count: 5, retmax: 5, retstart: 0, ids: ['6540636', '5830998', '4460425', '4466840', '3443459'] });
    const hist = parseEsearch(fixture('biopython_esearch2.xml'));
    expect(hist.count).toBe(42249);
    expect(hist.ids).toHaveLength(100);
    expect(hist.webEnv).toBe('MCID_6927d6e7fee3e90f880ec190');
    expect(hist.queryKey).toBe('1');
    expect(parseEsearch(fixture('biopython_esearch8.xml'))).toMatchObject({ count: 0, ids: [] });   // <ErrorList> is not an error
  });

  it('finds errors inside HTTP 200 bodies; policy errors are not retryable', () => {
    expect(eutilsBodyError(fixture('biopython_esummary8.xml'))).toMatchObject({ code: 'eutils_error', retryable: false });
    expect(eutilsBodyError(fixture('biopython_epost2.xml'))).toMatchObject({ code: 'eutils_error', retryable: false });
    expect(eutilsBodyError('<eSearchResult><ERROR>Search Backend failed: Couldn\'t resolve #exec_cgi</ERROR></eSearchResult>'))
      .toMatchObject({ code: 'eutils_error', retryable: true });
    expect(eutilsBodyError('Search Backend failed: timeout')?.retryable).toBe(true);
    expect(eutilsBodyError('{"error":"API rate limit exceeded"}')?.code).toBe('eutils_error');
    expect(eutilsBodyError(fixture('biopython_esearch8.xml'))).toBeNull();
    expect(eutilsBodyError(fixture('biopython_efetch_pmc.xml'))).toBeNull();
  });

  it('splits a real <pmc-articleset> per article', () => {
    const body = fixture('biopython_efetch_pmc.xml');
    const parts = splitArticleSet(body);
    expect(parts).toHaveLength(1);
    const a = parseEfetchArticle(parts[0]);
    expect(a?.pmcid).toBe('PMC8435807');
    expect(a?.restricted).toBe(false);
    expect(parseEfetchArticle(parts[0].replace('</front>', '</frnt>'))).toBeNull();
  });

  it('recognises a restricted article (no body, "does not allow downloading")', () => {
    const xml = '<article><front><article-meta><article-id pub-id-type="pmc">123</article-id></article-meta></front>' +
      '<!--The publisher of this article does not allow downloading of the full text in XML form.--></article>';
    expect(parseEfetchArticle(xml)).toMatchObject({ pmcid: 'PMC123', restricted: true });
  });
});

describe('query builder and date windows (pure)', () => {
  it('builds the OA case-report query', () => {
    expect(buildCaseReportQuery()).toBe('"case reports"[pt] AND "open access"[filter] NOT review[pt]');
    expect(buildCaseReportQuery({ terms: 'myxoma OR "brown tumor"', excludeReviews: false, licences: ['CC0', 'CC BY'] }))
      .toBe('"case reports"[pt] AND "open access"[filter] AND ("cc0 license"[filter] OR "cc by license"[filter]) AND (myxoma OR "brown tumor")');
    // the full CC list filters nothing: it is left out
    expect(buildCaseReportQuery({ licences: ['CC0', 'CC BY', 'CC BY-SA', 'CC BY-NC', 'CC BY-NC-SA', 'CC BY-ND', 'CC BY-NC-ND'] }))
      .toBe(buildCaseReportQuery());
  });

  it('splits windows into non-overlapping halves', () => {
    expect(toEutilsDate('2024-02-29')).toBe('2024/02/29');
    const w = { from: '2016/01/01', to: '2016/12/31' };
    expect(windowDays(w)).toBe(366);
    const [a, b] = splitWindow(w)!;
    expect(a).toEqual({ from: '2016/01/01', to: '2016/07/01' });
    expect(b).toEqual({ from: '2016/07/02', to: '2016/12/31' });
    expect(windowDays(a) + windowDays(b)).toBe(366);
    expect(splitWindow({ from: '2016/01/01', to: '2016/01/01' })).toBeNull();
  });
});

describe('E-utilities against the loopback server', () => {
  let server: LoopbackServer;
  let cleanup: () => void;
  let budget: RequestBudget;
  let http: HttpClient;
  let eutils: Eutils;
  const allIds = () => server.corpus.latest.map((a) => a.pmcid.slice(3)).sort();

  beforeAll(async () => {
    const b = makeBucket(articleFiles().map((file) => ({ file })));
    cleanup = b.cleanup;
    server = await startLoopbackPmc({ dir: b.dir, rps: 100, rpsApiKey: 100, searchCap: 10, seed: 7 });
    budget = createNcbiBudget({ requestsPerSecond: 100 });
    http = new HttpClient({ retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 8 } });
    eutils = new Eutils({ baseUrl: server.eutilsUrl, tool: 'mmrare-test', email: 'test@example.org', http, budget });
  });
  afterAll(async () => { await budget.stop(); await http.close(); await server.close(); cleanup(); });

  it('sends tool and email on every call, api_key when set', async () => {
    const before = server.log.length;
    await eutils.esearch({ term: 'myxoma', retmax: 5 });
    const keyed = new Eutils({ baseUrl: server.eutilsUrl, tool: 'mmrare-test', email: 'test@example.org', apiKey: 'KEY', http, budget });
    await keyed.esearch({ term: 'myxoma', retmax: 5 });
    const paths = server.log.slice(before).map((e) => e.path);
    expect(paths.every((p) => p.includes('tool=mmrare-test') && p.includes('email=test%40example.org'))).toBe(true);
    expect(paths[1]).toContain('api_key=KEY');
    expect(() => new Eutils({ baseUrl: server.eutilsUrl, tool: '', email: '', http, budget })).toThrow(/tool/);
  });

  it('pages with WebEnv/query_key and retstart/retmax', async () => {
    const before = server.log.length;
    const ids: string[] = [];
    for await (const id of searchPmcIds(eutils, { term: '', window: { from: '2018/01/01', to: '2018/12/31' }, pageSize: 2, cap: 10 })) ids.push(id);
    const calls = server.log.slice(before);
    
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(5);
    expect(calls.length).toBe(3);
    expect(calls.slice(1).every((e) => /WebEnv=MCID_/.test(e.path) && /query_key=1/.test(e.path) && !/term=/.test(e.path))).toBe(true);
  });

  it('splits the date window when the count exceeds the cap, and lists every id once', async () => {
    const splits: number[] = [];
    const ids: string[] = [];
    const before = server.log.length;
    for await (const id of searchPmcIds(eutils, { term: '', window: { from: '2000/01/01', to: '2026/11/25' }, pageSize: 4, cap: 10,
      onSplit: (_w, n) => splits.push(n) })) ids.push(id);
    expect(splits.length).toBeGreaterThan(1);
    expect(splits[0]).toBe(48);
    expect(ids.sort()).toEqual(allIds());
    // never asked beyond the cap (the server would have answered with an <ERROR>)
    expect(server.log.slice(before).every((e) => e.status === 200 && !e.fault)).toBe(true);
  });

  it('a limit costs one esearch call and sizes retmax', async () => {
    const before = server.log.length;
    const it = searchPmcIds(eutils, { term: '', window: { from: '2000/01/01', to: '2026/11/25' }, limit: 5, cap: 10 });
    const got: string[] = [];
    for await (const id of it) { got.push(id); if (got.length === 5) break; }
    const calls = server.log.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toContain('retmax=5');
  });

  it('free-text terms and pdat windows filter', async () => {
    const r = await eutils.esearch({ term: buildCaseReportQuery({ terms: 'myxoma' }), retmax: 100 });
    expect(r.count).toBeGreaterThanOrEqual(1);
    expect(r.count).toBeLessThan(48);
    const y2018 = await eutils.esearch({ term: '', window: { from: '2018/01/01', to: '2018/12/31' }, retmax: 100 });
    expect(y2018.count).toBe(5);                       // the 5 ACG Case Reports Journal articles
  });

  it('efetch batches ids and re-fetches broken articles singly', async () => {
    const s2 = await startLoopbackPmc({ corpus: server.corpus, rps: 100, rpsApiKey: 100, seed: 3, faults: { corruptArticle: 0.3 } });
    const e2 = new Eutils({ baseUrl: s2.eutilsUrl, tool: 't', email: 'e@x.org', http, budget });
    const ids = allIds().slice(0, 12);
    const got = await e2.efetchArticles(ids, 6);
    expect([...got.keys()].sort()).toEqual(ids.map((i) => `PMC${i}`).sort());
    const efetches = s2.log.filter((e) => e.path.includes('efetch'));
    const singles = efetches.filter((e) => /id=\d+&/.test(e.path));
    expect(efetches.length - singles.length).toBe(2);  // two batches of 6
    expect(singles.length).toBeGreaterThan(0);         // broken ones fetched alone
    for (const a of got.values()) expect(parseEfetchArticle(a.xml)).not.toBeNull();
    await s2.close();
  });

  it('esummary returns records per uid', async () => {
    const ids = allIds().slice(0, 3);
    const m = await eutils.esummary(ids);
    expect([...m.keys()].sort()).toEqual(ids);
    expect((m.get(ids[0]) as any).articleids.some((x: any) => x.idtype === 'pmcid')).toBe(true);
  });

  it('survives <ERROR> in 200s, 429s, 5xx, resets and truncated bodies on E-utilities', async () => {
    const s2 = await startLoopbackPmc({ corpus: server.corpus, rps: 100, rpsApiKey: 100, seed: 11, retryAfterSeconds: 0,
      faults: { eutilsError: 0.15, http429: 0.15, http5xx: 0.1, reset: 0.05, truncate: 0.05 } });
    const e2 = new Eutils({ baseUrl: s2.eutilsUrl, tool: 't', email: 'e@x.org', http, budget });
    const ids: string[] = [];
    for await (const id of searchPmcIds(e2, { term: '', window: { from: '2000/01/01', to: '2026/11/25' }, pageSize: 5, cap: 10_000 })) ids.push(id);
    expect(ids.sort()).toEqual(allIds());
    const got = await e2.efetchArticles(allIds().slice(0, 10), 5);
    expect(got.size).toBe(10);
    const faults = new Set(s2.log.map((e) => e.fault).filter(Boolean));
    expect(faults.size).toBeGreaterThanOrEqual(4);
    await s2.close();
  });
});
