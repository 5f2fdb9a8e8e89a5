import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { z } from 'zod';
import { Store } from '../../db/store.ts';
import {
  ChatClient, LlmOutputError, canonicalRequest, chatClientFor, extractJson, imagePart, parseCompletionBody, parseJsonOutput,
  requestKey, wireMessages, type ChatEndpoint, type ChatRequest,
} from '../../pipeline/client/chat.ts';
import { LlmCache } from '../../pipeline/client/llm-cache.ts';
import { RemoteError } from '../../pipeline/client/errors.ts';
import { ConfigError } from '../../pipeline/core/errors.ts';
import { configHash, parseConfig } from '../../schemas/config.ts';
import {
  lastUserText, requestImages, startLoopbackOpenAi, type Fault, type LoopbackOpenAi, type LoopbackOpenAiOptions,
} from '../../scripts/loopback-openai/server.ts';
import { REPO, tempDir } from '../helpers.ts';

const png = (w: number, h: number, rgb: [number, number, number]) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();

const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'system', content: 'You are a test model.' }, { role: 'user', content: text }], ...extra,
});

describe('requests, keys and answers (pure)', () => {
  const endpoint = { temperature: 0, maxTokens: null };
  it('sends images as data URLs in content parts and keys them by the sha256 of their bytes', async () => {
    const a = await png(8, 8, [255, 0, 0]);
    const b = await png(8, 8, [0, 0, 255]);
    const msg = (img: Buffer): ChatRequest => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'what is shown?' }, imagePart(img)] }] });
    const wire = wireMessages(msg(a).messages) as { content: { type: string; image_url?: { url: string } }[] }[];
    expect(wire[0].content[1].type).toBe('image_url');
    expect(wire[0].content[1].image_url!.url).toBe(`data:image/png;base64,${a.toString('base64')}`);
    const canon = JSON.stringify(canonicalRequest('m', msg(a), endpoint));
    expect(canon).not.toContain(a.toString('base64').slice(0, 40));     // the key form holds no pixels
    expect(canon).toMatch(/"sha256":"[0-9a-f]{64}"/);
    const k = (r: ChatRequest, model = 'm') => requestKey(canonicalRequest(model, r, endpoint));
    expect(k(msg(a))).toBe(k(msg(Buffer.from(a))));
    expect(k(msg(a))).not.toBe(k(msg(b)));                                // other pixels, other key
    expect(k(msg(a))).not.toBe(k(msg(a), 'other-model'));
    expect(k(ask('x'))).not.toBe(k(ask('x', { params: { temperature: 0.7 } })));
    expect(k(ask('x', { prompt: { name: 'p', version: '1' } }))).not.toBe(k(ask('x', { prompt: { name: 'p', version: '2' } })));
    expect(() => imagePart(Buffer.from('not an image'))).toThrow(ConfigError);
  });

  it('finds the JSON in an answer or says why not, as a typed error', () => {
    expect(extractJson('{"a": 1}')).toEqual({ a: 1 });
    expect(extractJson('Sure:\n```json\n{"a": [1, 2]}\n```\nDone.')).toEqual({ a: [1, 2] });
    expect(extractJson('The answer is {"code": "none"} as asked.')).toEqual({ code: 'none' });
    expect(() => extractJson('{"a": 1')).toThrow(LlmOutputError);
    expect(() => extractJson('   ')).toThrow(expect.objectContaining({ code: 'empty' }));
    const schema = z.object({ pick: z.number().int() });
    expect(parseJsonOutput('{"pick": 2}', schema)).toEqual({ pick: 2 });
    expect(() => parseJsonOutput('{"pick": "two"}', schema)).toThrow(expect.objectContaining({ code: 'schema' }));
  });

  it('a body that is not a chat completion is a retryable bad_response', () => {
    const res = (s: string) => ({ url: 'u', status: 200, headers: {}, body: Buffer.from(s) });
    expect(() => parseCompletionBody(res('{"choices": ['))).toThrow(expect.objectContaining({ code: 'bad_response', retryable: true }));
    expect(() => parseCompletionBody(res('{"choices": []}'))).toThrow(expect.objectContaining({ code: 'bad_response' }));
    const ok = parseCompletionBody(res('{"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}'));
    expect(ok).toEqual({ content: 'hi', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 } });
  });
});

describe('config', () => {
  it('every endpoint is off by default; where and how fast are not hashed, the model is', () => {
    const c = parseConfig({});
    expect(c.llm).toEqual({ generate: null, align: null, evaluate: null, judge: null, maxParseRetries: 2 });
    expect(chatClientFor('judge', c.llm)).toBeNull();
    const judge = (o: Record<string, unknown>) => parseConfig({ llm: { judge: { baseUrl: 'http://127.0.0.1:1/v1', model: 'j1', ...o } } });
    const h = configHash(judge({}));
    expect(configHash(judge({ baseUrl: 'https://api.example.org/v1', apiKeyEnv: 'JUDGE_KEY', concurrency: 8, rps: 9, timeoutMs: 5000, maxRetries: 1 }))).toBe(h);
    expect(configHash(judge({ model: 'j2' }))).not.toBe(h);
    expect(configHash(judge({ temperature: 0.5 }))).not.toBe(h);
    expect(configHash(parseConfig({}))).not.toBe(h);
    expect(() => judge({ apiKeyEnv: 'sk-not a name' })).toThrow();
  });
});

describe('ChatClient against the loopback server', () => {
  const open: { close(): Promise<void> }[] = [];
  const dirs: (() => void)[] = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
    for (const d of dirs.splice(0)) d();
  });

  async function server(o: LoopbackOpenAiOptions = {}): Promise<LoopbackOpenAi> {
    const s = await startLoopbackOpenAi({ handler: (r) => `answer to ${lastUserText(r)}`, ...o });
    open.push(s);
    return s;
  }
  function store(): Store {
    const t = tempDir('mmrare-chat-');
    const s = new Store(t.dir);
    dirs.push(() => { s.close(); t.cleanup(); });
    return s;
  }
  function client(s: LoopbackOpenAi, e: Partial<ChatEndpoint> = {}, o: { cache?: LlmCache | null; env?: Record<string, string>; maxParseRetries?: number } = {}): ChatClient {
    const c = new ChatClient({
      use: 'test', cache: o.cache ?? null, env: o.env ?? {}, maxParseRetries: o.maxParseRetries,
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      endpoint: { baseUrl: s.url, model: 'loopback-model', apiKeyEnv: null, concurrency: 4, rps: 100, timeoutMs: 10_000, maxRetries: 4, ...e },
    });
    open.push(c);
    return c;
  }
  const firstOnly = (f: Fault) => (n: number) => (n === 1 ? f : null);

  it('shows the model the images it was given and sends the key from the named environment variable only', async () => {
    const img = await png(16, 12, [10, 200, 30]);
    const s = await server({ apiKey: 'sk-loopback-secret', handler: (r) => `${requestImages(r).length} image(s)` });
    const st = store();
    const c = client(s, { apiKeyEnv: 'LOOPBACK_KEY' }, { cache: new LlmCache(st.db), env: { LOOPBACK_KEY: 'sk-loopback-secret' } });
    const r = await c.complete({ messages: [{ role: 'user', content: [{ type: 'text', text: 'describe' }, imagePart(img, 'image/png')] }] });
    expect(r.content).toBe('1 image(s)');
    expect(requestImages(s.log[0].request!)[0].bytes.equals(img)).toBe(true);
    expect(s.log[0].authorized).toBe(true);
    st.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(st.dbPath).includes(Buffer.from('sk-loopback-secret'))).toBe(false);   // never stored
    expect(JSON.stringify(c)).not.toContain('sk-loopback-secret');
    expect(() => client(s, { apiKeyEnv: 'NOT_SET_ANYWHERE' })).toThrow(/NOT_SET_ANYWHERE.*not set/);
    const wrong = client(s, { apiKeyEnv: 'K' }, { env: { K: 'sk-wrong' } });
    const e = await wrong.complete(ask('x')).catch((x) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect(e.code).toBe('http_status');                  // 401: not retried
    expect(e.message).not.toContain('sk-wrong');
    expect(s.log.filter((l) => !l.authorized)).toHaveLength(1);
  });

  it.each([
    ['429', 'rate_limited'], ['429-bare', 'rate_limited'], ['5xx', 'server_error'], ['reset', 'socket'],
    ['malformed', 'bad_response'], ['truncate', 'truncated'],
  ] as const)('recovers from %s on the first attempt (retried as %s)', async (fault, code) => {
    const s = await server({ plan: firstOnly(fault), retryAfterSeconds: 1 });
    const retries: string[] = [];
    const c = new ChatClient({
      use: 'test', env: {}, retry: { baseDelayMs: 20, maxDelayMs: 100 }, onEvent: (e) => { if (e.type === 'retry') retries.push(e.code); },
      endpoint: { baseUrl: s.url, model: 'm', apiKeyEnv: null, concurrency: 1, rps: 100, timeoutMs: 10_000, maxRetries: 3 },
    });
    open.push(c);
    const r = await c.complete(ask('q1'));
    expect(r.content).toBe('answer to q1');
    expect(s.requests()).toBe(2);
    expect(s.log[0].fault).toBe(fault);
    expect(retries).toEqual([code]);
    const gap = s.log[1].t - s.log[0].t;
    if (fault === '429') expect(gap).toBeGreaterThanOrEqual(950);          // Retry-After: 1 (seconds) honoured
    else expect(gap).toBeLessThan(900);                                   // jittered backoff, base 20 ms
  });

  it('honours a Retry-After given as an HTTP-date', async () => {
    const s = await server({ plan: firstOnly('429-date'), retryAfterSeconds: 1 });
    const c = client(s);
    await c.complete(ask('q'));
    expect(s.requests()).toBe(2);
    const sent = Date.now();
    expect(s.log[1].t - s.log[0].t).toBeGreaterThanOrEqual(1000);   // the date lies ≥ 1 s ahead (rounded up to the next second)
    expect(Date.now() - sent).toBeLessThan(5000);
  });

  it('times out a slow answer and retries; a slow answer within the timeout is simply waited for', async () => {
    const s = await server({ plan: firstOnly('slow'), slowMs: 6000 });
    const c = client(s, { timeoutMs: 1000 });
    const t = Date.now();
    const r = await c.complete(ask('slow one'));
    expect(r.content).toBe('answer to slow one');
    expect(s.requests()).toBe(2);
    expect(Date.now() - t).toBeLessThan(5000);                  // did not wait the 6 s out
    const s2 = await server({ plan: firstOnly('slow'), slowMs: 300 });
    await client(s2, { timeoutMs: 5000 }).complete(ask('slow two'));
    expect(s2.requests()).toBe(1);
  });

  it('gives up after maxRetries with a typed error, records the failure and asks again on the next run', async () => {
    const bad = await server({ plan: () => '5xx' });
    const st = store();
    const cache = new LlmCache(st.db);
    const e = await client(bad, { maxRetries: 2 }, { cache }).complete(ask('doomed')).catch((x) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect(e.code).toBe('server_error');
    expect(e.attempts).toBe(3);
    expect(bad.requests()).toBe(3);
    expect(cache.counts()).toEqual({ ok: 0, unparseable: 0, failed: 1 });
    const good = await server();
    const r = await client(good, {}, { cache }).complete(ask('doomed'));
    expect(r.cached).toBe(false);
    expect(good.requests()).toBe(1);
    expect(cache.counts()).toEqual({ ok: 1, unparseable: 0, failed: 0 });
  });

  it('re-asks a malformed JSON answer a bounded number of times, then records it as unparseable; a rerun asks nothing', async () => {
    const Pick = z.object({ pick: z.string() });
    // the "model" answers with broken JSON until it is told so once
    const s = await server({ handler: (r) => (r.messages.some((m) => m.role === 'assistant') ? '{"pick": "B"}' : '{"pick": "B"') });
    const st = store();
    const cache = new LlmCache(st.db);
    const out = await client(s, {}, { cache }).completeJson(ask('choose'), Pick);
    expect(out.ok && out.value).toEqual({ pick: 'B' });
    expect(out.asks).toBe(2);
    expect(s.requests()).toBe(2);
    expect(lastUserText(s.log[1].request!)).toMatch(/could not be used \(not_json/);
    expect(cache.counts()).toEqual({ ok: 1, unparseable: 1, failed: 0 });
    const again = await client(s, {}, { cache }).completeJson(ask('choose'), Pick);
    expect(again.ok && again.value).toEqual({ pick: 'B' });
    expect(s.requests()).toBe(2);                                 // replayed from the cache

    const never = await server({ handler: () => 'I think it is B.' });
    const c = client(never, {}, { cache, maxParseRetries: 2 });
    const failed = await c.completeJson(ask('choose again'), Pick);
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.error).toBeInstanceOf(LlmOutputError);
    expect(never.requests()).toBe(3);                             // 1 + 2 re-asks
    expect(c.stats().unparseable).toBe(1);
    const row = st.db.prepare("SELECT status, error FROM llm_calls WHERE key = ?").get(failed.result.key) as { status: string; error: string };
    expect(row.status).toBe('unparseable');
    expect(row.error).toMatch(/^not_json/);
    const rerun = await client(never, {}, { cache }).completeJson(ask('choose again'), Pick);
    expect(rerun.ok).toBe(false);
    expect(never.requests()).toBe(3);
    // a schema mismatch is its own code
    const wrongShape = await server({ handler: () => '{"choice": 2}' });
    const ws = await client(wrongShape, {}, { maxParseRetries: 0 }).completeJson(ask('shape'), Pick);
    expect(!ws.ok && ws.error.code).toBe('schema');
  });

  it('a second run makes 0 requests; identical requests in flight together cost one; tokens are counted when reported', async () => {
    const s = await server({ handler: (r) => ({ content: `a:${lastUserText(r)}`, usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } }) });
    const st = store();
    const first = client(s, {}, { cache: new LlmCache(st.db) });
    const qs = Array.from({ length: 12 }, (_, i) => ask(`q${i}`));
    const a = await Promise.all([...qs, qs[0], qs[1]].map((q) => first.complete(q)));
    expect(s.requests()).toBe(12);
    expect(first.stats()).toMatchObject({ live: 12, cached: 2, calls: 14, promptTokens: 120, completionTokens: 24, totalTokens: 144 });
    const second = client(s, {}, { cache: new LlmCache(st.db) });
    const b = await Promise.all(qs.map((q) => second.complete(q)));
    expect(s.requests()).toBe(12);
    expect(b.map((r) => r.content)).toEqual(a.slice(0, 12).map((r) => r.content));
    expect(b.every((r) => r.cached)).toBe(true);
    expect(second.stats()).toMatchObject({ live: 0, cached: 12, attempts: 0, totalTokens: 0 });
    const row = st.db.prepare('SELECT model, total_tokens, request_json FROM llm_calls LIMIT 1').get() as { model: string; total_tokens: number; request_json: string };
    expect(row).toMatchObject({ model: 'loopback-model', total_tokens: 12 });
    // a server that reports no usage leaves the counters alone
    const quiet = await server({ handler: () => ({ content: 'x', usage: null }) });
    const q = client(quiet);
    expect((await q.complete(ask('u'))).usage).toBeNull();
    expect(q.stats().totalTokens).toBe(0);
  });

  it('never exceeds its concurrency or rate, retries included', async () => {
    const s = await server({ latencyMs: 120, faults: { http429Bare: 0.15, http5xx: 0.1, reset: 0.05 }, seed: 7 });
    const c = client(s, { concurrency: 2, rps: 8, maxRetries: 8 });
    const out = await Promise.all(Array.from({ length: 20 }, (_, i) => c.complete(ask(`b${i}`))));
    expect(out.every((r, i) => r.content === `answer to b${i}`)).toBe(true);
    expect(s.log.some((l) => l.fault)).toBe(true);
    expect(s.requests()).toBeGreaterThan(20);
    expect(c.stats().attempts).toBe(s.requests());
    expect(s.maxInFlight()).toBeLessThanOrEqual(2);
    expect(s.maxInWindow(1000)).toBeLessThanOrEqual(8);
  });

  it('a run killed with SIGKILL resumes without asking again what it had stored', async () => {
    const s = await server({ latencyMs: 60 });
    const t = tempDir('mmrare-chat-kill-');
    dirs.push(t.cleanup);
    const CHILD = join(REPO, 'tests', 'client', 'fixtures', 'chat-child.ts');
    const N = 40;
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, t.dir, s.url, String(N), '2'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<NodeJS.Signals | number | null>((ok) => child.on('exit', (code, sig) => ok(sig ?? code)));
    const deadline = Date.now() + 30_000;
    while (s.log.filter((l) => l.status === 200).length < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    expect(await exited, stderr).toBe('SIGKILL');
    const firstRun = s.requests();
    expect(firstRun).toBeLessThan(N);

    const itemOf = (text: string) => /item (\d+)/.exec(text)![1];
    const st = new Store(t.dir);
    const storedBefore = new Set((st.db.prepare("SELECT request_json FROM llm_calls WHERE status = 'ok'").all() as { request_json: string }[])
      .map((r) => itemOf(r.request_json)));
    st.close();
    expect(storedBefore.size).toBeGreaterThanOrEqual(10);

    // async: the server answers from this process, so a blocking spawnSync would starve it
    const rerun = await new Promise<{ status: number | null; stdout: string; stderr: string }>((ok) => {
      const p = spawn(process.execPath, ['--import', 'tsx', CHILD, t.dir, s.url, String(N), '2'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (status) => ok({ status, stdout: out, stderr: err }));
    });
    expect(rerun.status, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout.trim());
    expect(summary.cached).toBe(storedBefore.size);
    expect(summary.live).toBe(N - storedBefore.size);
    const askedAgain = s.log.slice(firstRun).map((l) => itemOf(lastUserText(l.request!)));
    expect(askedAgain.filter((i) => storedBefore.has(i))).toEqual([]);        // nothing stored was asked again
    expect(new Set(askedAgain).size).toBe(askedAgain.length);
    expect(s.requests()).toBeLessThanOrEqual(N + 2);                           // at most the 2 in flight at the kill, twice
    const st2 = new Store(t.dir);
    expect((st2.db.prepare("SELECT COUNT(*) AS n FROM llm_calls WHERE status = 'ok'").get() as { n: number }).n).toBe(N);
    st2.close();
  });
});
