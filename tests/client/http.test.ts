import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpClient, backoffDelay, classifyResponse, parseRetryAfter, retryDelay, DEFAULT_RETRY, type Clock,
} from '../../pipeline/client/http.ts';
import { RemoteError } from '../../pipeline/client/errors.ts';

/** A fake clock: sleeps return at once and are recorded, so backoff is tested without waiting. */
function fakeClock(start = Date.parse('2026-11-25T12:00:00Z')): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: async (ms) => { sleeps.push(ms); now += ms; } };
}

describe('Retry-After and backoff (pure)', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('parses delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:59:00 GMT', now)).toBe(0);   // in the past → now
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it('full jitter: uniform in [0, min(cap, base·2^(n-1)))', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, p, () => 0.999)).toBe(99);
    expect(backoffDelay(3, p, () => 0.5)).toBe(200);
    expect(backoffDelay(10, p, () => 0.999)).toBe(999);          // capped
    expect(backoffDelay(4, p, () => 0)).toBe(0);
  });

  it('Retry-After wins over backoff and is capped', () => {
    const p = { ...DEFAULT_RETRY, maxRetryAfterMs: 3000 };
    const e = (ms?: number) => new RemoteError('rate_limited', 'x', { retryable: true, retryAfterMs: ms });
    expect(retryDelay(e(1000), 1, p, () => 0.5)).toBe(1000);
    expect(retryDelay(e(60_000), 1, p, () => 0.5)).toBe(3000);
    expect(retryDelay(e(), 2, p, () => 0.5)).toBe(Math.floor(0.5 * p.baseDelayMs * 2));
  });

  it('flags a body shorter than Content-Length as truncated', () => {
    const r = classifyResponse({ url: 'u', status: 200, headers: { 'content-length': '10' }, body: Buffer.alloc(5) }, now);
    expect(r?.code).toBe('truncated');
    expect(r?.retryable).toBe(true);
  });
});

describe('HttpClient against a scripted loopback server', () => {
  // Each path answers from a script: one behaviour per attempt, the last one repeats.
  type Step = 'ok' | '429' | '429-ra2' | '429-date' | '503' | 'reset' | 'truncate' | 'slow' | '404' | '403' | 'big' | 'big-chunked';
  const scripts = new Map<string, Step[]>();
  const hits = new Map<string, number>();
  let base = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const n = hits.get(path) ?? 0;
    hits.set(path, n + 1);
    const script = scripts.get(path) ?? ['ok'];
    const step = script[Math.min(n, script.length - 1)];
    const body = Buffer.from(`hello ${path}`);
    switch (step) {
      case 'ok': res.writeHead(200, { 'content-length': body.length }).end(body); break;
      case '429': res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":"API rate limit exceeded","count":"4","limit":"3"}'); break;
      case '429-ra2': res.writeHead(429, { 'retry-after': '2' }).end('{}'); break;
      case '429-date': res.writeHead(429, { 'retry-after': 'Wed, 25 Nov 2026 12:00:07 GMT' }).end('{}'); break;
      case '503': res.writeHead(503).end('busy'); break;
      case 'reset': req.socket.destroy(); break;
      case 'truncate': res.writeHead(200, { 'content-length': body.length }); res.write(body.subarray(0, 3), () => res.socket?.destroy()); break;
      case 'slow': setTimeout(() => { if (!res.destroyed) res.writeHead(200).end(body); }, 1500); break;   // undici timers have ~1 s resolution
      case '404': res.writeHead(404).end('no'); break;
      case '403': res.writeHead(403).end('no'); break;
      case 'big': res.writeHead(200, { 'content-length': 5000 }).end(Buffer.alloc(5000, 1)); break;
      case 'big-chunked': { res.writeHead(200); for (let i = 0; i < 50; i++) res.write(Buffer.alloc(100, 2)); res.end(); break; } // no length given
    }
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

  const client = (clock: Clock, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
    new HttpClient({ clock, random: () => 0.5, retry: { baseDelayMs: 100, maxDelayMs: 10_000, maxAttempts: 5 }, headersTimeoutMs: 150, ...extra });

  async function run(path: string, script: Step[], extra = {}) {
    scripts.set(path, script);
    const clock = fakeClock();
    const c = client(clock, extra);
    try {
      const res = await c.request(`${base}${path}`);
      return { res, clock, hits: hits.get(path) };
    } catch (e) {
      return { err: e as RemoteError, clock, hits: hits.get(path) };
    } finally { await c.close(); }
  }
  it('a body above the caller\'s cap is refused, by its Content-Length or while reading, and never retried', async () => {
    for (const step of ['big', 'big-chunked'] as Step[]) {
      scripts.set(`/cap-${step}`, [step]);
      const c = client(fakeClock());
      const err = await c.request(`${base}/cap-${step}`, { maxBytes: 1000 }).catch((e) => e as RemoteError);
      expect(err).toBeInstanceOf(RemoteError);
      expect((err as RemoteError).code).toBe('too_large');
      expect(hits.get(`/cap-${step}`)).toBe(1);
      const ok = await c.request(`${base}/cap-${step}`, { maxBytes: 5000 });
      expect(ok.body.length).toBe(5000);
      await c.close();
    }
  });


  it('honours Retry-After seconds', async () => {
    const r = await run('/ra', ['429-ra2', 'ok']);
    expect(r.res?.body.toString()).toBe('hello /ra');
    expect(r.clock.sleeps).toEqual([2000]);
  });

  it('honours Retry-After as an HTTP-date (relative to the injected clock)', async () => {
    const r = await run('/radate', ['429-date', 'ok']);
    expect(r.clock.sleeps).toEqual([7000]);
  });

  it('429 without Retry-After: exponential backoff with jitter', async () => {
    const r = await run('/bo', ['429', '429', '429', 'ok']);
    expect(r.res?.status).toBe(200);
    expect(r.clock.sleeps).toEqual([50, 100, 200]);     // random 0.5 × 100·2^(n-1)
  });

  it.each([
    ['5xx', '/s5', ['503', 'ok']],
    ['connection reset', '/rs', ['reset', 'ok']],
    ['truncated body', '/tr', ['truncate', 'ok']],
    ['headers timeout', '/sl', ['slow', 'ok']],
  ] as const)('retries a %s', async (_name, path, script) => {
    const r = await run(path, [...script]);
    expect(r.err).toBeUndefined();
    expect(r.res?.body.toString()).toBe(`hello ${path}`);
    expect(r.hits).toBe(2);
    expect(r.clock.sleeps).toHaveLength(1);
  });

  it('classifies the error codes', async () => {
    const codes: Record<string, string> = {};
    for (const [p, s] of [['/c1', 'reset'], ['/c2', 'truncate'], ['/c3', 'slow'], ['/c4', '503'], ['/c5', '429']] as const) {
      const r = await run(p, [s], { retry: { maxAttempts: 1 } });
      codes[s] = `${r.err?.code}:${r.err?.retryable}`;
    }
    expect(codes).toEqual({ reset: 'socket:true', truncate: 'truncated:true', slow: 'timeout:true', '503': 'server_error:true', '429': 'rate_limited:true' });
  });

  it('does not retry 404 / 403 and gives up after maxAttempts with a typed error', async () => {
    const nf = await run('/nf', ['404']);
    expect(nf.err).toBeInstanceOf(RemoteError);
    expect([nf.err?.code, nf.err?.retryable, nf.hits]).toEqual(['not_found', false, 1]);
    const fb = await run('/fb', ['403']);
    expect([fb.err?.code, fb.err?.retryable, fb.hits]).toEqual(['http_status', false, 1]);
    const ex = await run('/ex', ['503']);
    expect([ex.err?.code, ex.err?.retryable, ex.err?.attempts, ex.hits]).toEqual(['server_error', true, 5, 5]);
    expect(ex.clock.sleeps).toEqual([50, 100, 200, 400]);
  });

  it('a check() failure in a 200 is retried like a transport error', async () => {
    scripts.set('/chk', ['ok']);
    const clock = fakeClock();
    const c = client(clock);
    let n = 0;
    const res = await c.request(`${base}/chk`, {
      check: () => { if (n++ < 2) throw new RemoteError('eutils_error', 'Search Backend failed', { retryable: true }); },
    });
    expect(res.status).toBe(200);
    expect(clock.sleeps).toHaveLength(2);
    await c.close();
  });

  it('every attempt goes through the scheduler (budget); sleeps do not', async () => {
    scripts.set('/sch', ['503', '503', 'ok']);
    const clock = fakeClock();
    const c = client(clock);
    let scheduled = 0;
    await c.request(`${base}/sch`, { schedule: (fn) => { scheduled++; return fn(); } });
    expect(scheduled).toBe(3);
    await c.close();
  });
});
