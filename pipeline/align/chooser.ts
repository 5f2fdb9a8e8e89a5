// The model-assisted choice over HTTP: an OpenAI-compatible chat endpoint (POST <baseUrl>/chat/completions)
// through the project's one HTTP client (timeouts, retries on 429 / 5xx / cut bodies, Retry-After), with every
// valid answer cached in SQLite by the hash of model + prompt version + the rendered prompt, so a rerun asks
// nothing twice. The prompt is a versioned data file (prompts/<version>.md). The interface it implements and
// the rules for applying an answer live in ontology/diagnose/choose.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { InvalidChoiceError, type Chooser, type ChooserAnswer, type ChooserRequest } from '../../ontology/diagnose/choose.ts';
import { RemoteError } from '../client/errors.ts';
import type { HttpClient, HttpResponse } from '../client/http.ts';
import { hashOf } from '../core/hash.ts';

export const DEFAULT_PROMPT_VERSION = 'choose-v1';

export interface Prompt { version: string; system: string; user: string }

/** Reads prompts/<version>.md: a "# system" and a "# user" part ({{sentences}}, {{candidates}} placeholders). */
export function loadPrompt(version: string = DEFAULT_PROMPT_VERSION): Prompt {
  if (!/^[\w.-]+$/.test(version)) throw new Error(`prompt version "${version}" is not a file name`);
  const text = readFileSync(fileURLToPath(new URL(`./prompts/${version}.md`, import.meta.url)), 'utf8').replace(/<!--[\s\S]*?-->\s*/g, '');
  const m = /^# system\n([\s\S]*?)\n# user\n([\s\S]*)$/m.exec(text.trim());
  if (!m) throw new Error(`prompts/${version}.md: expected a "# system" and a "# user" part`);
  return { version, system: m[1].trim(), user: m[2].trim() };
}

/** The user message for one request (pure). */
export function renderPrompt(p: Prompt, req: ChooserRequest): { system: string; user: string } {
  const sentences = req.sentences.map((s, i) => `${i + 1}. ${s}`).join('\n');
  const candidates = req.candidates.map((c) => `- ORPHA:${c.code} "${c.name}" (${c.type})` +
    (c.synonyms.length ? `; synonyms: ${c.synonyms.join('; ')}` : '') + (c.definition ? `; definition: ${c.definition}` : '')).join('\n');
  return { system: p.system, user: p.user.replace('{{sentences}}', sentences || '(none)').replace('{{candidates}}', candidates) };
}

/**
 * The choice in a model's reply: one JSON object {"choice": "ORPHA:<code>" | "none"}, possibly inside a code
 * fence. Returns the digits or "none"; throws InvalidChoiceError for anything else or a code not offered.
 */
export function parseChoice(content: string, codes: string[]): string {
  const m = /\{[\s\S]*\}/.exec(content.replace(/```(?:json)?/gi, ''));
  if (!m) throw new InvalidChoiceError('the reply holds no JSON object', content.slice(0, 200));
  let v: unknown;
  try { v = JSON.parse(m[0]); } catch { throw new InvalidChoiceError('the reply is not valid JSON', content.slice(0, 200)); }
  const choice = (v as { choice?: unknown })?.choice;
  if (typeof choice !== 'string') throw new InvalidChoiceError('the reply has no "choice" string', content.slice(0, 200));
  if (/^none$/i.test(choice.trim())) return 'none';
  const code = choice.trim().replace(/^ORPHA:/i, '');
  if (!codes.includes(code)) throw new InvalidChoiceError(`"${choice}" is not one of the candidates`, content.slice(0, 200));
  return code;
}

/** The message content of an OpenAI-compatible chat completion body; a body that is not one is retried. */
export function completionContent(res: HttpResponse): string {
  let body: unknown;
  try { body = JSON.parse(res.body.toString('utf8')); } catch {
    throw new RemoteError('bad_response', `chat completion body is not JSON ${res.url}`, { retryable: true, url: res.url, status: res.status });
  }
  const content = (body as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new RemoteError('bad_response', `chat completion without choices[0].message.content ${res.url}`, { retryable: true, url: res.url, status: res.status });
  return content;
}

export interface CachedChoice { requestHash: string; model: string; promptVersion: string; requestJson: string; responseJson: string; choice: string }

export interface ChoiceCache {
  get(requestHash: string): CachedChoice | undefined;
  put(c: CachedChoice): void;
}

/** The cache in the store (table model_choices, migration 004). */
export function sqliteChoiceCache(db: Database.Database): ChoiceCache {
  const get = db.prepare('SELECT request_hash AS requestHash, model, prompt_version AS promptVersion, request_json AS requestJson, response_json AS responseJson, choice FROM model_choices WHERE request_hash = ?');
  const put = db.prepare('INSERT OR REPLACE INTO model_choices (request_hash, model, prompt_version, request_json, response_json, choice, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return {
    get: (h) => get.get(h) as CachedChoice | undefined,
    put: (c) => { put.run(c.requestHash, c.model, c.promptVersion, c.requestJson, c.responseJson, c.choice, new Date().toISOString()); },
  };
}

/** An in-memory cache (tests, the evaluation script). */
export function memoryChoiceCache(): ChoiceCache & { size(): number } {
  const m = new Map<string, CachedChoice>();
  return { get: (h) => m.get(h), put: (c) => { m.set(c.requestHash, c); }, size: () => m.size };
}

export interface HttpChooserOptions {
  baseUrl: string;             // e.g. http://127.0.0.1:8000/v1
  model: string;
  http: HttpClient;
  cache: ChoiceCache;
  apiKey?: string | null;
  promptVersion?: string;
  maxAttempts?: number;
}

export function createHttpChooser(o: HttpChooserOptions): Chooser {
  const prompt = loadPrompt(o.promptVersion);
  const url = `${o.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    model: o.model,
    promptVersion: prompt.version,
    async choose(req: ChooserRequest): Promise<ChooserAnswer> {
      const { system, user } = renderPrompt(prompt, req);
      const codes = req.candidates.map((c) => c.code);
      const messages = [{ role: 'system', content: system }, { role: 'user', content: user }];
      const requestHash = hashOf('align.chooser', o.model, prompt.version, messages);
      const hit = o.cache.get(requestHash);
      if (hit) return { choice: hit.choice, model: hit.model, promptVersion: hit.promptVersion, cached: true };
      const body = JSON.stringify({ model: o.model, messages, temperature: 0 });
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
      let content = '';
      const res = await o.http.request(url, {
        method: 'POST', body, headers, retry: o.maxAttempts ? { maxAttempts: o.maxAttempts } : undefined,
        check: (r) => { content = completionContent(r); },
      });
      const choice = parseChoice(content, codes); // an invalid answer is not cached
      o.cache.put({ requestHash, model: o.model, promptVersion: prompt.version, requestJson: JSON.stringify({ model: o.model, messages }), responseJson: res.body.toString('utf8'), choice });
      return { choice, model: o.model, promptVersion: prompt.version, cached: false };
    },
  };
}
