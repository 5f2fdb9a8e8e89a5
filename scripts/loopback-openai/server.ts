// Loopback OpenAI-compatible server (POST /v1/chat/completions, GET /v1/models) on 127.0.0.1 for tests and
// offline trials. The answers come from a handler the caller gives (so a test can play a model and a judge);
// faults are injected from a seeded RNG (rates) or a plan (per request), and every request is logged so
// tests count them. Offline:  npx tsx scripts/loopback-openai/server.ts --port 0 [--handler FILE.ts] [--fault-429 0.1 …]
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../pipeline/core/seeded-random.ts';

export type Fault =
  | '429'          // 429 with Retry-After: <seconds>
  | '429-date'     // 429 with Retry-After: <HTTP-date>
  | '429-bare'     // 429 without Retry-After (the client backs off)
  | '5xx'          // 500 or 503
  | 'reset'        // socket destroyed before any response byte
  | 'malformed'    // 200 whose body is not JSON (correct Content-Length)
  | 'truncate'     // 200 announcing the full Content-Length, half the body sent, socket closed
  | 'slow';        // the answer, after slowMs

export interface FaultRates { http429?: number; http429Date?: number; http429Bare?: number; http5xx?: number; reset?: number; malformed?: number; truncate?: number; slow?: number }

/** The request as the server received it (JSON body of POST /v1/chat/completions). */
export interface WireChatRequest {
  model: string;
  messages: { role: string; content: string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } })[] }[];
  temperature?: number;
  max_tokens?: number;
  response_format?: { type: string };
  [k: string]: unknown;
}

export type HandlerReply =
  | string
  | { content: string | null; usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null; finishReason?: string }
  | { status: number; error: string };   // an API error (e.g. 400 model not found)

export type ChatHandler = (req: WireChatRequest, info: { n: number; key: string }) => HandlerReply | Promise<HandlerReply>;

export interface LoopbackOpenAiOptions {
  handler?: ChatHandler;
  port?: number;
  seed?: number;
  faults?: FaultRates;
  /** A fault per request, decided by the caller (wins over rates): n counts from 1; key = sha256 of the body. */
  plan?: (n: number, req: WireChatRequest, key: string) => Fault | null;
  slowMs?: number;
  /** Delay of every answer (to hold requests in flight and measure concurrency). */
  latencyMs?: number;
  retryAfterSeconds?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
}

export interface OpenAiLogEntry {
  n: number;
  t: number;                // ms since start (monotonic), at arrival
  done?: number;            // ms since start when the reply was finished (or the socket cut)
  method: string;
  path: string;
  key: string;              // sha256 of the request body: identical requests share it
  model: string | null;
  status: number;           // 0 when the socket was reset
  fault?: Fault;
  authorized: boolean;
  request?: WireChatRequest;
}

export interface LoopbackOpenAi {
  /** Base URL as a client configures it (…/v1). */
  url: string;
  log: OpenAiLogEntry[];
  /** Chat requests received (every attempt). */
  requests(): number;
  /** Most requests in flight at once (observed by the server). */
  maxInFlight(): number;
  /** Most request arrivals in any window of windowMs. */
  maxInWindow(windowMs?: number): number;
  close(): Promise<void>;
}

export function maxArrivalsInWindow(times: readonly number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** The last user message's text: what a simple handler answers to. */
export function lastUserText(req: WireChatRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i];
    if (m.role !== 'user') continue;
    return typeof m.content === 'string' ? m.content : m.content.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n');
  }
  return '';
}

/** The images of a request, decoded from their data URLs (tests check what the model was shown). */
export function requestImages(req: WireChatRequest): { mediaType: string; bytes: Buffer }[] {
  const out: { mediaType: string; bytes: Buffer }[] = [];
  for (const m of req.messages) {
    if (typeof m.content === 'string') continue;
    for (const p of m.content) {
      if (p.type !== 'image_url') continue;
      const d = /^data:([\w/+.-]+);base64,(.*)$/s.exec(p.image_url.url);
      if (d) out.push({ mediaType: d[1], bytes: Buffer.from(d[2], 'base64') });
    }
  }
  return out;
}

const echoHandler: ChatHandler = (req) => lastUserText(req);

const words = (s: string): number => (s.match(/\S+/g) ?? []).length;

export async function startLoopbackOpenAi(opts: LoopbackOpenAiOptions = {}): Promise<LoopbackOpenAi> {
  const handler = opts.handler ?? echoHandler;
  const rand = seededRandom(opts.seed ?? 1);
  const faults = opts.faults ?? {};
  const slowMs = opts.slowMs ?? 1500;
  const log: OpenAiLogEntry[] = [];
  const arrivals: number[] = [];
  const t0 = performance.now();
  let inFlight = 0;
  let maxInFlight = 0;
  let n = 0;
  const roll = (rate: number | undefined) => !!rate && rand() < rate;

  function drawFault(): Fault | null {
    // one draw per kind, in a fixed order, so a seed gives the same sequence every run
    if (roll(faults.reset)) return 'reset';
    if (roll(faults.http429)) return '429';
    if (roll(faults.http429Date)) return '429-date';
    if (roll(faults.http429Bare)) return '429-bare';
    if (roll(faults.http5xx)) return '5xx';
    if (roll(faults.malformed)) return 'malformed';
    if (roll(faults.truncate)) return 'truncate';
    if (roll(faults.slow)) return 'slow';
    return null;
  }

  const json = (res: ServerResponse, status: number, v: unknown, headers: Record<string, string> = {}) => {
    const b = Buffer.from(JSON.stringify(v));
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(b.length), ...headers }).end(b);
  };
  const apiError = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t = performance.now() - t0;
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const raw = Buffer.concat(chunks);
    if (u.pathname === '/_loopback/log') { json(res, 200, log.map(({ request: _r, ...e }) => e)); return; }
    const authorized = !opts.apiKey || req.headers.authorization === `Bearer ${opts.apiKey}`;
    if (u.pathname === '/v1/models' && req.method === 'GET') { json(res, 200, { object: 'list', data: [{ id: 'loopback', object: 'model', owned_by: 'mmrare' }] }); return; }
    if (u.pathname !== '/v1/chat/completions' || req.method !== 'POST') {
      json(res, 404, apiError(`unknown endpoint ${req.method} ${u.pathname}`, 'invalid_request_error'));
      return;
    }
    const key = createHash('sha256').update(raw).digest('hex');
    const entry: OpenAiLogEntry = { n: ++n, t, method: req.method, path: u.pathname, key, model: null, status: 0, authorized };
    log.push(entry);
    arrivals.push(t);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const finish = () => { inFlight--; entry.done = performance.now() - t0; };
    try {
      let body: WireChatRequest;
      try { body = JSON.parse(raw.toString('utf8')); } catch { entry.status = 400; json(res, 400, apiError('request body is not JSON', 'invalid_request_error')); return; }
      entry.model = typeof body.model === 'string' ? body.model : null;
      entry.request = body;
      if (!authorized) { entry.status = 401; json(res, 401, apiError('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key')); return; }
      if (!Array.isArray(body.messages) || !entry.model) { entry.status = 400; json(res, 400, apiError('model and messages are required', 'invalid_request_error')); return; }

      const fault = opts.plan?.(entry.n, body, key) ?? drawFault();
      if (fault) entry.fault = fault;
      if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
      const ra = String(opts.retryAfterSeconds ?? 1);
      switch (fault) {
        case 'reset': req.socket.destroy(); return;
        case '429': entry.status = 429; json(res, 429, apiError('Rate limit reached for requests', 'requests', 'rate_limit_exceeded'), { 'retry-after': ra }); return;
        case '429-date': {
          // an HTTP-date has 1 s resolution: round up so the client never retries early
          const at = new Date(Math.ceil((Date.now() + Number(ra) * 1000) / 1000) * 1000 + 1000).toUTCString();
          entry.status = 429; json(res, 429, apiError('Rate limit reached for requests', 'requests', 'rate_limit_exceeded'), { 'retry-after': at }); return;
        }
        case '429-bare': entry.status = 429; json(res, 429, apiError('Rate limit reached for requests', 'requests', 'rate_limit_exceeded')); return;
        case '5xx': {
          const s = rand() < 0.5 ? 500 : 503;
          entry.status = s; json(res, s, apiError('The server had an error while processing your request.', 'server_error')); return;
        }
        default: break;
      }
      if (fault === 'slow') await new Promise((r) => setTimeout(r, slowMs));
      let reply: HandlerReply;
      try { reply = await handler(body, { n: entry.n, key }); } catch (e) {
        entry.status = 500; json(res, 500, apiError(`handler failed: ${(e as Error).message}`, 'server_error')); return;
      }
      if (typeof reply === 'object' && reply !== null && 'status' in reply) {
        entry.status = reply.status; json(res, reply.status, apiError(reply.error, 'invalid_request_error')); return;
      }
      const r = typeof reply === 'string' ? { content: reply } : reply;
      const promptText = body.messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '')).join(' '))).join(' ');
      const usage = r.usage === null ? undefined : r.usage ?? { prompt_tokens: words(promptText), completion_tokens: words(r.content ?? ''), total_tokens: words(promptText) + words(r.content ?? '') };
      const completion = {
        id: `chatcmpl-loopback-${entry.n}`, object: 'chat.completion', created: 1_760_000_000, model: entry.model,
        choices: [{ index: 0, message: { role: 'assistant', content: r.content }, finish_reason: r.finishReason ?? 'stop' }],
        ...(usage ? { usage } : {}),
      };
      let bytes = Buffer.from(JSON.stringify(completion));
      if (fault === 'malformed') bytes = bytes.subarray(0, Math.max(1, bytes.length - 7));   // valid length, broken JSON
      entry.status = 200;
      if (res.destroyed || req.socket.destroyed) return;
      const headers = { 'content-type': 'application/json', 'content-length': String(bytes.length) };
      if (fault === 'truncate') {
        res.writeHead(200, { ...headers, 'content-length': String(bytes.length) });
        res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
        return;
      }
      res.writeHead(200, headers).end(bytes);
    } finally {
      finish();
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e?.stack ?? e));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((ok, fail) => { server.once('error', fail); server.listen(opts.port ?? 0, '127.0.0.1', () => ok()); });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    log,
    requests: () => log.length,
    maxInFlight: () => maxInFlight,
    maxInWindow: (w = 1000) => maxArrivalsInWindow(arrivals, w),
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

// ---------------------------------------------------------------- CLI

const USAGE = `usage: npx tsx scripts/loopback-openai/server.ts [--port 0] [--handler FILE.ts] [--reply TEXT] [--api-key KEY]
  [--fault-429 r] [--fault-429-date r] [--fault-429-bare r] [--fault-5xx r] [--fault-reset r] [--fault-malformed r]
  [--fault-truncate r] [--fault-slow r --slow-ms ms] [--latency-ms ms] [--retry-after s] [--seed n]
Answers with the handler (a module whose default export is (request, {n, key}) => string | {content, usage}),
else with --reply, else echoes the last user message. Prints {"url": "http://127.0.0.1:P/v1"} on stdout.
example: npx tsx scripts/loopback-openai/server.ts --port 8089 --reply '{"answer":"none"}' --fault-429 0.1`;

async function parseArgs(argv: string[]): Promise<LoopbackOpenAiOptions> {
  const o: LoopbackOpenAiOptions = { faults: {} };
  const num = (v: string | undefined, name: string) => { const x = Number(v); if (v === undefined || Number.isNaN(x)) throw new Error(`${name} needs a number`); return x; };
  const faultFlags: Record<string, keyof FaultRates> = {
    '--fault-429': 'http429', '--fault-429-date': 'http429Date', '--fault-429-bare': 'http429Bare', '--fault-5xx': 'http5xx',
    '--fault-reset': 'reset', '--fault-malformed': 'malformed', '--fault-truncate': 'truncate', '--fault-slow': 'slow',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a in faultFlags) { o.faults![faultFlags[a]] = num(v, a); i++; continue; }
    switch (a) {
      case '--port': o.port = num(v, a); i++; break;
      case '--seed': o.seed = num(v, a); i++; break;
      case '--slow-ms': o.slowMs = num(v, a); i++; break;
      case '--latency-ms': o.latencyMs = num(v, a); i++; break;
      case '--retry-after': o.retryAfterSeconds = num(v, a); i++; break;
      case '--api-key': o.apiKey = v; i++; break;
      case '--reply': { const text = v ?? ''; o.handler = () => text; i++; break; }
      case '--handler': {
        if (!v) throw new Error('--handler needs a file');
        const mod = await import(pathToFileURL(resolve(v)).href) as { default?: ChatHandler };
        if (typeof mod.default !== 'function') throw new Error(`${v}: the default export must be a handler function`);
        o.handler = mod.default; i++; break;
      }
      case '--help': case '-h': process.stderr.write(USAGE + '\n'); process.exit(0); break;
      default: throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const s = await startLoopbackOpenAi(await parseArgs(process.argv.slice(2)));
  process.stdout.write(JSON.stringify({ url: s.url, log: s.url.replace(/\/v1$/, '/_loopback/log') }) + '\n');
  process.stderr.write(`loopback OpenAI-compatible server on ${s.url} (Ctrl-C to stop)\n`);
  const stop = () => { void s.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
