// The one HTTP client for every remote service (E-utilities, PMC Cloud S3). It owns timeouts,
// retry classification and backoff; rate budgets are passed in per call (`schedule`) so that every
// attempt, retries included, goes through the caller's limiter while backoff sleeps do not hold a slot.
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { RemoteError } from './errors.ts';

export interface Clock {
  now(): number;                 // ms, used for Retry-After HTTP-dates and rate accounting
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface RetryPolicy {
  maxAttempts: number;      // total attempts including the first
  baseDelayMs: number;      // backoff base: attempt n waits U(0, min(max, base·2^(n-1)))
  maxDelayMs: number;       // cap of the exponential backoff
  maxRetryAfterMs: number;  // cap on a server's Retry-After (a hostile/buggy value must not stall a run)
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns ms to wait, or null. */
export function parseRetryAfter(value: string | undefined | null, nowMs: number): number | null {
  if (value == null) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - nowMs);
}

/** Exponential backoff with full jitter (AWS architecture blog): spreads retrying clients apart. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Delay before the next attempt: the server's Retry-After when it sent one (capped), else backoff. */
export function retryDelay(err: RemoteError, attempt: number, policy: RetryPolicy, random: () => number): number {
  if (err.retryAfterMs !== undefined) return Math.min(err.retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelay(attempt, policy, random);
}

export type Scheduler = <T>(fn: () => Promise<T>) => Promise<T>;
const immediate: Scheduler = (fn) => fn();

export interface HttpResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type HttpEvent =
  | { type: 'attempt'; url: string }       // a request is about to be sent (every attempt, whatever becomes of it)
  | { type: 'response'; url: string; status: number; bytes: number }
  | { type: 'retry'; url: string; code: string; attempt: number; delayMs: number }
  | { type: 'rate_limited'; url: string };

export interface HttpClientOptions {
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: () => number;
  dispatcher?: Dispatcher;
  connections?: number;     // per-origin socket cap of the default Agent
  userAgent?: string;
  onEvent?: (e: HttpEvent) => void;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** Rate budget / concurrency limiter every attempt passes through. */
  schedule?: Scheduler;
  /** Validates a 2xx response (e.g. <ERROR> in a 200); throw a RemoteError to retry or fail. */
  check?: (res: HttpResponse) => void;
  retry?: Partial<RetryPolicy>;
  /** Refuse a body larger than this (by Content-Length, or while reading): a `too_large` error, never retried. */
  maxBytes?: number;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const NON_RETRYABLE_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL']);

/** Maps a transport-level failure to a RemoteError. `phase` tells whether headers had arrived. */
export function classifyTransportError(e: unknown, url: string, phase: 'headers' | 'body'): RemoteError {
  if (e instanceof RemoteError) return e;
  const code = String((e as { code?: unknown })?.code ?? '');
  const msg = (e as Error)?.message ?? String(e);
  if (TIMEOUT_CODES.has(code)) return new RemoteError('timeout', `timeout (${code}) ${url}`, { retryable: true, url, cause: e });
  if (NON_RETRYABLE_CODES.has(code) || e instanceof TypeError) {
    return new RemoteError('http_status', `invalid request ${url}: ${msg}`, { retryable: false, url, cause: e });
  }
  if (phase === 'body' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return new RemoteError('truncated', `body cut short (${code || msg}) ${url}`, { retryable: true, url, cause: e });
  }
  return new RemoteError('socket', `connection failed (${code || msg}) ${url}`, { retryable: true, url, cause: e });
}

/** Maps a complete response to an error when its status or length says it is not usable. */
export function classifyResponse(res: HttpResponse, nowMs: number): RemoteError | null {
  const { status, url } = res;
  const declared = res.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== res.body.length) {
    return new RemoteError('truncated', `got ${res.body.length} of ${declared} bytes ${url}`, { retryable: true, url, status });
  }
  if (status >= 200 && status < 300) return null;
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], nowMs) ?? undefined;
  if (status === 429) return new RemoteError('rate_limited', `429 ${url}`, { retryable: true, url, status, retryAfterMs });
  if (status >= 500) return new RemoteError('server_error', `${status} ${url}`, { retryable: true, url, status, retryAfterMs });
  if (status === 404) return new RemoteError('not_found', `404 ${url}`, { retryable: false, url, status });
  return new RemoteError('http_status', `${status} ${url}`, { retryable: false, url, status });
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export class HttpClient {
  readonly clock: Clock;
  readonly random: () => number;
  readonly retry: RetryPolicy;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly headersTimeoutMs: number;
  private readonly bodyTimeoutMs: number;
  private readonly userAgent: string;
  private readonly onEvent?: (e: HttpEvent) => void;

  constructor(opts: HttpClientOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.headersTimeoutMs = opts.headersTimeoutMs ?? 30_000;
    this.bodyTimeoutMs = opts.bodyTimeoutMs ?? 60_000;
    this.userAgent = opts.userAgent ?? 'mmrare/0.1';
    this.onEvent = opts.onEvent;
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? new Agent({ connections: opts.connections ?? 16, keepAliveTimeout: 4_000 });
  }

  /** One attempt. Throws a classified RemoteError; never retries. */
  async once(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const method = opts.method ?? 'GET';
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...opts.headers };
    if (opts.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded';
    let res: Dispatcher.ResponseData;
    this.onEvent?.({ type: 'attempt', url });
    try {
      res = await undiciRequest(url, {
        method, headers, body: opts.body, dispatcher: this.dispatcher,
        headersTimeout: this.headersTimeoutMs, bodyTimeout: this.bodyTimeoutMs,
      });
    } catch (e) {
      throw classifyTransportError(e, url, 'headers');
    }
    let body: Buffer;
    const cap = opts.maxBytes ?? Infinity;
    const declared = Number(res.headers['content-length']);
    // an abandoned body is destroyed; its abort error has nobody to tell
    const abandon = (): void => { res.body.on('error', () => {}); res.body.destroy(); };
    if (Number.isFinite(declared) && declared > cap) {
      abandon();
      throw new RemoteError('too_large', `${url}: ${declared} bytes, more than the ${cap}-byte cap`, { retryable: false, url, status: res.statusCode });
    }
    try {
      if (cap === Infinity) body = Buffer.from(await res.body.arrayBuffer());
      else {
        // read in chunks so a body that lies about (or omits) its length cannot exceed the cap in memory
        const chunks: Buffer[] = [];
        let n = 0;
        for await (const c of res.body) {
          n += (c as Buffer).length;
          if (n > cap) {
            abandon();
            throw new RemoteError('too_large', `${url}: more than the ${cap}-byte cap`, { retryable: false, url, status: res.statusCode });
          }
          chunks.push(c as Buffer);
        }
        body = Buffer.concat(chunks, n);
      }
    } catch (e) {
      if (e instanceof RemoteError) throw e;
      throw classifyTransportError(e, url, 'body');
    }
    const out: HttpResponse = { url, status: res.statusCode, headers: flattenHeaders(res.headers), body };
    this.onEvent?.({ type: 'response', url, status: out.status, bytes: body.length });
    const err = classifyResponse(out, this.clock.now());
    if (err) throw err;
    opts.check?.(out);
    return out;
  }

  /** Attempts with retries. Each attempt is scheduled through `opts.schedule` (the budget). */
  async request(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const policy = { ...this.retry, ...opts.retry };
    const schedule = opts.schedule ?? immediate;
    for (let attempt = 1; ; attempt++) {
      try {
        return await schedule(() => this.once(url, opts));
      } catch (e) {
        const err = e instanceof RemoteError ? e : classifyTransportError(e, url, 'headers');
        if (err.code === 'rate_limited') this.onEvent?.({ type: 'rate_limited', url });
        if (!err.retryable || attempt >= policy.maxAttempts) throw err.withAttempts(attempt);
        const delayMs = retryDelay(err, attempt, policy, this.random);
        this.onEvent?.({ type: 'retry', url, code: err.code, attempt, delayMs });
        await this.clock.sleep(delayMs);
      }
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

/** Appends query parameters to a base URL, skipping undefined values (keeps call sites declarative). */
export function withQuery(base: string, params: Record<string, string | number | undefined | null>): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
  return u.toString();
}
