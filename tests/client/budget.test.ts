import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNcbiBudget, maxStartsPerSecond, ncbiBudgetSettings, processNcbiBudget, resetProcessNcbiBudget,
} from '../../pipeline/client/budget.ts';
import { HttpClient } from '../../pipeline/client/http.ts';
import { Eutils } from '../../pipeline/client/eutils.ts';
import { maxArrivalsInWindow, startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { articleFiles, makeBucket } from '../fetch/helpers.ts';

describe('budget settings (pure)', () => {
  it('keyless: 1 request per 360 ms, one at a time; keyed: 108 ms', () => {
    expect(ncbiBudgetSettings()).toEqual({ requestsPerSecond: 3, minTimeMs: 360, maxConcurrent: 1 });
    expect(ncbiBudgetSettings({ apiKey: 'k' })).toEqual({ requestsPerSecond: 10, minTimeMs: 108, maxConcurrent: 3 });
  });

  it('the spacing can never put more than the budget in any 1 s window', () => {
    for (const rps of [1, 3, 7, 10, 50, 200]) {
      for (const margin of [0.001, 0.05, 0.08, 0.2]) {
        const s = ncbiBudgetSettings({ requestsPerSecond: rps, safetyMargin: margin });
        expect(maxStartsPerSecond(s.minTimeMs)).toBeLessThanOrEqual(rps);
      }
    }
    // 334 ms "works" only without jitter: 2 ms of drift lets a 4th request into one second
    expect(maxStartsPerSecond(334)).toBe(3);
    expect(maxStartsPerSecond(332)).toBe(4);
  });

  it('one process-wide budget: later callers share the first instance', async () => {
    resetProcessNcbiBudget();
    const a = processNcbiBudget({ apiKey: 'x' });
    const b = processNcbiBudget();
    expect(b).toBe(a);
    await a.stop();
    resetProcessNcbiBudget();
  });

  it('scheduled starts respect the sliding window (real timers, 10/s)', async () => {
    const budget = createNcbiBudget({ requestsPerSecond: 10 });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 14 }, () => budget.schedule(async () => { starts.push(performance.now()); })));
    expect(budget.started()).toBe(14);
    expect(maxArrivalsInWindow(starts, 1000)).toBeLessThanOrEqual(10);
    await budget.stop();
  });
});

describe('strict server enforcement', () => {
  let server: LoopbackServer;
  let cleanup: () => void;
  beforeAll(async () => {
    const b = makeBucket(articleFiles().slice(0, 6).map((file) => ({ file })));
    cleanup = b.cleanup;
    server = await startLoopbackPmc({ dir: b.dir, rps: 3, rpsApiKey: 10 });
  });
  afterAll(async () => { await server.close(); cleanup(); });

  it('a burst without the budget draws 429s with NCBI\'s JSON body', async () => {
    const http = new HttpClient({ retry: { maxAttempts: 1 } });
    const url = `${server.eutilsUrl}/esearch.fcgi?db=pmc&term=x&tool=t&email=e%40x.org`;
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => http.request(url)));
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.length).toBeGreaterThanOrEqual(3);
    expect(rejected[0].reason.code).toBe('rate_limited');
    const limited = server.log.filter((e) => e.overBudget);
    expect(limited.length).toBe(rejected.length);
    const raw = await fetch(url).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(raw.status).toBe(429);
    expect(raw.body).toMatchObject({ error: 'API rate limit exceeded', limit: '3' });
    await http.close();
    await new Promise((r) => setTimeout(r, 1100));   // let the window drain for the next test
  });

  it('every E-utilities call through the budget: zero 429s at 10/s with a key, window never over 10', async () => {
    const before = server.log.length;
    const budget = createNcbiBudget({ apiKey: 'k' });
    const http = new HttpClient({ retry: { maxAttempts: 1 } });   // any 429 would fail the test
    const eutils = new Eutils({ baseUrl: server.eutilsUrl, tool: 't', email: 'e@x.org', apiKey: 'k', http, budget });
    for (let i = 0; i < 15; i++) await eutils.esearch({ term: '', retmax: 2 });
    const mine = server.log.slice(before);
    expect(mine.every((e) => e.status === 200)).toBe(true);
    expect(maxArrivalsInWindow(mine.map((e) => e.t))).toBeLessThanOrEqual(10);
    await budget.stop();
    await http.close();
  });
});
