// An OpenAI-compatible chat-completions client (POST {baseUrl}/chat/completions) over the project's one
// HTTP client. It adds what model calls need on top of http.ts's timeouts and retries: a bottleneck budget
// per endpoint (concurrency + rate; retries pass through it too), images as data URLs in content parts,
// a response cache in SQLite keyed by a content hash (a rerun costs 0 requests, a killed run resumes),
// in-flight de-duplication, token counters and JSON-output parsing with bounded re-asks.
import { createHash } from 'node:crypto';
import { ConfigError } from '../core/errors.ts';
import { canonicalJson, hashOf } from '../core/hash.ts';
import { createRequestBudget, rateBudgetSettings, type RequestBudget } from './budget.ts';
import { RemoteError } from './errors.ts';
import { HttpClient, type Clock, type HttpEvent, type HttpResponse, type RetryPolicy } from './http.ts';
import type { LlmCache, LlmUsage } from './llm-cache.ts';
import type { Dispatcher } from 'undici';

/** One endpoint as the config describes it (schemas/config.ts `llm.<use>`). */
export interface ChatEndpoint {
  baseUrl: string;              // e.g. https://api.openai.com/v1 or http://127.0.0.1:P/v1
  model: string;
  apiKeyEnv: string | null;     // the NAME of an environment variable; its value is never stored or logged
  concurrency: number;
  rps: number;
  timeoutMs: number;
  maxRetries: number;           // retries after the first attempt (transport: 429, 5xx, resets, timeouts, bad bodies)
  temperature?: number;
  maxTokens?: number | null;
}

export type LlmUse = 'generate' | 'align' | 'evaluate' | 'judge';

export type ChatPart =
  | { type: 'text'; text: string }
  | { type: 'image'; bytes: Buffer; mediaType: string; detail?: 'low' | 'high' | 'auto' };

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string | ChatPart[] }

export interface ChatParams {
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /** Ask for `response_format: {type: "json_object"}` (servers that lack it ignore or refuse it). */
  json?: boolean;
}

export interface PromptRef { name: string; version: string; hash?: string }

export interface ChatRequest {
  messages: ChatMessage[];
  params?: ChatParams;
  /** The versioned prompt the messages came from (pipeline/client/prompts.ts): part of the key and the record. */
  prompt?: PromptRef;
}

export interface ChatResult {
  key: string;
  content: string;
  finishReason: string | null;
  usage: LlmUsage | null;
  cached: boolean;
  model: string;
  prompt: PromptRef | null;
}

export type ChatEvent =
  | { type: 'cached'; key: string }
  | { type: 'response'; key: string; latencyMs: number; usage: LlmUsage | null }
  | { type: 'retry'; code: string; attempt: number; delayMs: number }
  | { type: 'failed'; key: string; code: string; attempts: number; message: string }
  | { type: 'unparseable'; key: string; attempt: number; message: string };

export interface ChatStats {
  calls: number;        // answers returned (cached + live)
  cached: number;       // answered from the cache, no request
  live: number;         // answered by the server and stored
  failed: number;       // gave up after retries (recorded, retried next run)
  unparseable: number;  // completeJson outcomes that never parsed
  attempts: number;     // HTTP attempts sent (what the server counts)
  retries: number;
  promptTokens: number; // as reported on live answers
  completionTokens: number;
  totalTokens: number;
}

export interface ChatClientOptions {
  use: string;
  endpoint: ChatEndpoint;
  /** null: no cache (every call is a request). */
  cache?: LlmCache | null;
  env?: Record<string, string | undefined>;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: () => number;
  dispatcher?: Dispatcher;
  maxParseRetries?: number;
  budget?: RequestBudget;
  onEvent?: (e: ChatEvent) => void;
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Media type from the first bytes (PNG, JPEG, GIF, WebP), so callers may pass bare blobs. */
export function sniffImageType(bytes: Buffer): string | null {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

export function imagePart(bytes: Buffer, mediaType?: string, detail?: 'low' | 'high' | 'auto'): ChatPart {
  const t = mediaType ?? sniffImageType(bytes);
  if (!t || !IMAGE_TYPES.has(t)) throw new ConfigError(`image part: unsupported media type ${t ?? '(unknown bytes)'}`);
  return { type: 'image', bytes, mediaType: t, ...(detail ? { detail } : {}) };
}

export const dataUrl = (bytes: Buffer, mediaType: string): string => `data:${mediaType};base64,${bytes.toString('base64')}`;

const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Wire form of the messages: images as data URLs (OpenAI content parts). */
export function wireMessages(messages: ChatMessage[]): unknown[] {
  return messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.type === 'text'
      ? { type: 'text', text: p.text }
      : { type: 'image_url', image_url: { url: dataUrl(p.bytes, p.mediaType), ...(p.detail ? { detail: p.detail } : {}) } }),
  }));
}

/** Key form of the messages: an image is its sha256 (and type and size), never its base64. */
export function canonicalMessages(messages: ChatMessage[]): unknown[] {
  return messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.type === 'text'
      ? { type: 'text', text: p.text }
      : { type: 'image', sha256: sha256Hex(p.bytes), media_type: p.mediaType, bytes: p.bytes.length, ...(p.detail ? { detail: p.detail } : {}) }),
  }));
}

/** Request parameters in wire names; the endpoint's defaults apply where the call gives none. */
export function wireParams(endpoint: Pick<ChatEndpoint, 'temperature' | 'maxTokens'>, p: ChatParams = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const temperature = p.temperature ?? endpoint.temperature;
  const maxTokens = p.maxTokens ?? endpoint.maxTokens ?? undefined;
  if (temperature !== undefined) out.temperature = temperature;
  if (maxTokens !== undefined && maxTokens !== null) out.max_tokens = maxTokens;
  if (p.topP !== undefined) out.top_p = p.topP;
  if (p.seed !== undefined) out.seed = p.seed;
  if (p.stop !== undefined) out.stop = p.stop;
  if (p.json) out.response_format = { type: 'json_object' };
  return out;
}

/** The canonical request: everything that decides the answer, nothing that does not (URL, key, speed). */
export function canonicalRequest(model: string, req: ChatRequest, endpoint: Pick<ChatEndpoint, 'temperature' | 'maxTokens'> = {}): Record<string, unknown> {
  return {
    model,
    messages: canonicalMessages(req.messages),
    params: wireParams(endpoint, req.params),
    prompt: req.prompt ? { name: req.prompt.name, version: req.prompt.version } : null,
  };
}

export const requestKey = (canonical: Record<string, unknown>): string => hashOf('llm-call/v1', canonical);

// ---------------------------------------------------------------- responses

interface ParsedCompletion { content: string; finishReason: string | null; usage: LlmUsage | null }

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads an OpenAI chat.completion body; throws a retryable bad_response when it is not one. */
export function parseCompletionBody(res: HttpResponse): ParsedCompletion {
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch (e) {
    throw new RemoteError('bad_response', `response is not JSON (${(e as Error).message}) ${res.url}`, { retryable: true, url: res.url, status: res.status });
  }
  const choice = (body as { choices?: unknown[] } | null)?.choices?.[0] as { message?: { content?: unknown }; finish_reason?: unknown } | undefined;
  if (!choice || typeof choice !== 'object' || !choice.message || typeof choice.message !== 'object') {
    throw new RemoteError('bad_response', `response has no choices[0].message ${res.url}`, { retryable: true, url: res.url, status: res.status });
  }
  const c = choice.message.content;
  let content: string;
  if (typeof c === 'string') content = c;
  else if (c === null || c === undefined) content = '';   // refusals and filtered answers carry no text
  else if (Array.isArray(c)) content = c.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  else throw new RemoteError('bad_response', `choices[0].message.content is ${typeof c} ${res.url}`, { retryable: true, url: res.url, status: res.status });
  const u = (body as { usage?: Record<string, unknown> | null }).usage;
  const usage = u && typeof u === 'object'
    ? { promptTokens: num(u.prompt_tokens), completionTokens: num(u.completion_tokens), totalTokens: num(u.total_tokens) ?? ((num(u.prompt_tokens) ?? 0) + (num(u.completion_tokens) ?? 0) || null) }
    : null;
  return { content, finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null, usage };
}

// ---------------------------------------------------------------- JSON outputs

export type LlmOutputErrorCode = 'empty' | 'not_json' | 'schema';

/** A model answer that is not the JSON the caller needs: a typed value, never a crash. */
export class LlmOutputError extends Error {
  constructor(readonly code: LlmOutputErrorCode, message: string) { super(message); this.name = 'LlmOutputError'; }
}

/** The JSON value in a model answer: bare, inside a ``` fence, or the outermost {...}/[...] in prose. */
export function extractJson(content: string): unknown {
  const t = content.trim();
  if (t === '') throw new LlmOutputError('empty', 'the answer is empty');
  const tries: string[] = [t];
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(t);
  if (fence) tries.push(fence[1].trim());
  for (const [open, close] of [['{', '}'], ['[', ']']] as const) {
    const a = t.indexOf(open), b = t.lastIndexOf(close);
    if (a >= 0 && b > a) tries.push(t.slice(a, b + 1));
  }
  let first: Error | null = null;
  for (const s of tries) {
    try { return JSON.parse(s); } catch (e) { first ??= e as Error; }
  }
  throw new LlmOutputError('not_json', `not JSON: ${first?.message ?? 'no JSON value found'}`);
}

/** A zod schema (anything with safeParse) or a function that throws on a bad value. */
export type OutputParser<T> = { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } } | ((v: unknown) => T);

export function parseJsonOutput<T>(content: string, parser: OutputParser<T>): T {
  const v = extractJson(content);
  if (typeof parser === 'function') {
    try { return parser(v); } catch (e) {
      if (e instanceof LlmOutputError) throw e;
      throw new LlmOutputError('schema', (e as Error).message);
    }
  }
  const r = parser.safeParse(v);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new LlmOutputError('schema', `JSON does not fit the schema: ${issues}`);
}

export type JsonOutcome<T> =
  | { ok: true; value: T; result: ChatResult; asks: number }
  | { ok: false; error: LlmOutputError; result: ChatResult; asks: number };

/** The re-ask after an unusable answer. It is part of the conversation, hence of the next key. */
export const CORRECTION_PROMPT = 'Your previous reply could not be used ({reason}). Reply again with only the JSON value, no prose and no code fence.';

// ---------------------------------------------------------------- the client

export class ChatClient {
  readonly use: string;
  readonly endpoint: ChatEndpoint;
  readonly model: string;
  readonly budget: RequestBudget;
  readonly maxParseRetries: number;
  private readonly url: string;
  private readonly http: HttpClient;
  private readonly cache: LlmCache | null;
  private readonly onEvent?: (e: ChatEvent) => void;
  private readonly inflight = new Map<string, Promise<ChatResult>>();
  private readonly ownsBudget: boolean;
  readonly #apiKey: string | null;   // private: not enumerable, never serialised or logged
  private readonly counters: Omit<ChatStats, 'attempts'> = {
    calls: 0, cached: 0, live: 0, failed: 0, unparseable: 0, retries: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0,
  };

  constructor(opts: ChatClientOptions) {
    const e = opts.endpoint;
    this.use = opts.use;
    this.endpoint = e;
    this.model = e.model;
    let base: URL;
    try { base = new URL(e.baseUrl); } catch { throw new ConfigError(`llm.${opts.use}.baseUrl is not a URL: ${e.baseUrl}`); }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ConfigError(`llm.${opts.use}.baseUrl must be http(s): ${e.baseUrl}`);
    this.url = `${e.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    if (e.apiKeyEnv) {
      const v = (opts.env ?? process.env)[e.apiKeyEnv];
      if (!v) throw new ConfigError(`llm.${opts.use}.apiKeyEnv names $${e.apiKeyEnv}, which is not set (or empty)`);
      this.#apiKey = v;
    } else {
      this.#apiKey = null;
    }
    this.cache = opts.cache ?? null;
    this.onEvent = opts.onEvent;
    this.maxParseRetries = opts.maxParseRetries ?? 2;
    this.ownsBudget = !opts.budget;
    this.budget = opts.budget ?? createRequestBudget(rateBudgetSettings(e.rps, e.concurrency));
    this.http = new HttpClient({
      headersTimeoutMs: e.timeoutMs, bodyTimeoutMs: e.timeoutMs,
      retry: { baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000, ...opts.retry, maxAttempts: e.maxRetries + 1 },
      clock: opts.clock, random: opts.random, dispatcher: opts.dispatcher, connections: Math.max(1, e.concurrency),
      onEvent: (ev: HttpEvent) => {
        if (ev.type === 'retry') {
          this.counters.retries++;
          this.onEvent?.({ type: 'retry', code: ev.code, attempt: ev.attempt, delayMs: ev.delayMs });
        }
      },
    });
  }

  stats(): ChatStats {
    return { ...this.counters, attempts: this.budget.started() };
  }

  /** The key a request would be cached under (for callers that record it as provenance). */
  keyOf(req: ChatRequest): string {
    return requestKey(canonicalRequest(this.model, req, this.endpoint));
  }

  /** One completion: from the cache when stored, else from the server (then stored at once). */
  async complete(req: ChatRequest): Promise<ChatResult> {
    const canonical = canonicalRequest(this.model, req, this.endpoint);
    const key = requestKey(canonical);
    const hit = this.cache?.get(key);
    if (hit) {
      this.counters.calls++;
      this.counters.cached++;
      this.onEvent?.({ type: 'cached', key });
      return { key, content: hit.content, finishReason: hit.finishReason, usage: hit.usage, cached: true, model: this.model, prompt: req.prompt ?? null };
    }
    // the same request twice at once (two questions sharing a prompt) costs one call
    const pending = this.inflight.get(key);
    if (pending) {
      const r = await pending;
      this.counters.calls++;
      this.counters.cached++;
      return { ...r, cached: true };
    }
    const p = this.live(key, canonical, req).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async live(key: string, canonical: Record<string, unknown>, req: ChatRequest): Promise<ChatResult> {
    const body = JSON.stringify({ model: this.model, messages: wireMessages(req.messages), ...wireParams(this.endpoint, req.params) });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    const record = {
      key, use: this.use, model: this.model, promptName: req.prompt?.name ?? null, promptVersion: req.prompt?.version ?? null,
      promptHash: req.prompt?.hash ?? null, requestJson: canonicalJson(canonical), attempts: 0, latencyMs: null as number | null,
    };
    let parsed: ParsedCompletion | null = null;
    let attempts = 0;
    const started = Date.now();
    try {
      const res = await this.http.request(this.url, {
        method: 'POST', body, headers,
        schedule: (fn) => this.budget.schedule(() => { attempts++; return fn(); }),
        check: (r) => { parsed = parseCompletionBody(r); },
      });
      const out = parsed ?? parseCompletionBody(res);
      const latencyMs = Date.now() - started;
      this.cache?.putOk({ ...record, attempts, latencyMs }, { responseJson: res.body.toString('utf8'), content: out.content, finishReason: out.finishReason, usage: out.usage });
      this.counters.calls++;
      this.counters.live++;
      if (out.usage) {
        this.counters.promptTokens += out.usage.promptTokens ?? 0;
        this.counters.completionTokens += out.usage.completionTokens ?? 0;
        this.counters.totalTokens += out.usage.totalTokens ?? 0;
      }
      this.onEvent?.({ type: 'response', key, latencyMs, usage: out.usage });
      return { key, content: out.content, finishReason: out.finishReason, usage: out.usage, cached: false, model: this.model, prompt: req.prompt ?? null };
    } catch (e) {
      const err = e instanceof RemoteError ? e : new RemoteError('socket', (e as Error)?.message ?? String(e), { retryable: true, url: this.url, cause: e });
      this.counters.failed++;
      this.cache?.putFailure({ ...record, attempts, latencyMs: Date.now() - started }, `${err.code}: ${err.message}`);
      this.onEvent?.({ type: 'failed', key, code: err.code, attempts: err.attempts ?? attempts, message: err.message });
      throw err;
    }
  }

  /**
   * A completion whose content must be JSON that `parser` accepts. An unusable answer is re-asked
   * (the bad answer and a correction appended, so each re-ask has a key of its own and a rerun replays
   * the whole chain from the cache) up to maxParseRetries times; then the outcome is a recorded failure
   * (`ok: false`, the row marked unparseable). Transport failures throw a RemoteError (retry next run).
   */
  async completeJson<T>(req: ChatRequest, parser: OutputParser<T>, opts: { maxParseRetries?: number } = {}): Promise<JsonOutcome<T>> {
    const max = opts.maxParseRetries ?? this.maxParseRetries;
    let messages = req.messages;
    for (let ask = 1; ; ask++) {
      const result = await this.complete({ ...req, messages });
      try {
        const value = parseJsonOutput(result.content, parser);
        this.cache?.setParse(result.key, null);
        return { ok: true, value, result, asks: ask };
      } catch (e) {
        if (!(e instanceof LlmOutputError)) throw e;
        this.cache?.setParse(result.key, `${e.code}: ${e.message}`);
        this.onEvent?.({ type: 'unparseable', key: result.key, attempt: ask, message: e.message });
        if (ask > max) {
          this.counters.unparseable++;
          return { ok: false, error: e, result, asks: ask };
        }
        messages = [...messages, { role: 'assistant', content: result.content },
          { role: 'user', content: CORRECTION_PROMPT.replace('{reason}', `${e.code}: ${e.message.slice(0, 200)}`) }];
      }
    }
  }

  async close(): Promise<void> {
    await this.http.close();
    if (this.ownsBudget) await this.budget.stop();
  }
}

/** The endpoints of the config's `llm` section (each null = off). */
export type LlmEndpoints = Partial<Record<LlmUse, ChatEndpoint | null>> & { maxParseRetries?: number };

/** A client for one use, or null when the config leaves that use off. */
export function chatClientFor(use: LlmUse, llm: LlmEndpoints, opts: Omit<ChatClientOptions, 'use' | 'endpoint'> = {}): ChatClient | null {
  const endpoint = llm[use];
  if (!endpoint) return null;
  return new ChatClient({ maxParseRetries: llm.maxParseRetries, ...opts, use, endpoint });
}
