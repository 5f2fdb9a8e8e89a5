// The chat-completion cache over the store's `llm_calls` table (db/migrations/031_llm_cache.sql).
// Each write is one autocommitted statement: a response is durable the moment it arrives, so a run
// killed mid-way loses at most the calls that were still in flight.
import type Database from 'better-sqlite3';

export type LlmCallStatus = 'ok' | 'unparseable' | 'failed';

export interface LlmUsage { promptTokens: number | null; completionTokens: number | null; totalTokens: number | null }

export interface CachedCall {
  key: string;
  use: string;
  model: string;
  promptName: string | null;
  promptVersion: string | null;
  content: string;
  finishReason: string | null;
  status: 'ok' | 'unparseable';
  error: string | null;
  usage: LlmUsage | null;
  response: unknown;
  attempts: number;
  createdAt: string;
}

export interface CallRecord {
  key: string;
  use: string;
  model: string;
  promptName: string | null;
  promptVersion: string | null;
  promptHash: string | null;
  requestJson: string;
  attempts: number;
  latencyMs: number | null;
}

interface Row {
  key: string; use: string; model: string; prompt_name: string | null; prompt_version: string | null;
  response_json: string | null; content: string | null; finish_reason: string | null; status: LlmCallStatus;
  error: string | null; attempts: number; prompt_tokens: number | null; completion_tokens: number | null;
  total_tokens: number | null; created_at: string;
}

export class LlmCache {
  private readonly getStmt: Database.Statement;
  private readonly okStmt: Database.Statement;
  private readonly failStmt: Database.Statement;
  private readonly parseStmt: Database.Statement;

  constructor(readonly db: Database.Database, private readonly now: () => string = () => new Date().toISOString()) {
    this.getStmt = db.prepare('SELECT * FROM llm_calls WHERE key = ?');
    this.okStmt = db.prepare(`INSERT INTO llm_calls (key, use, model, prompt_name, prompt_version, prompt_hash, request_json,
        response_json, content, finish_reason, status, error, attempts, prompt_tokens, completion_tokens, total_tokens, latency_ms, created_at, updated_at)
      VALUES (@key, @use, @model, @promptName, @promptVersion, @promptHash, @requestJson, @responseJson, @content, @finishReason, 'ok', NULL,
        @attempts, @promptTokens, @completionTokens, @totalTokens, @latencyMs, @at, @at)
      ON CONFLICT (key) DO UPDATE SET response_json = excluded.response_json, content = excluded.content,
        finish_reason = excluded.finish_reason, status = 'ok', error = NULL, attempts = llm_calls.attempts + excluded.attempts,
        prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, total_tokens = excluded.total_tokens,
        latency_ms = excluded.latency_ms, updated_at = excluded.updated_at`);
    // a failure never overwrites a response that is already there (it is only recorded for the audit)
    this.failStmt = db.prepare(`INSERT INTO llm_calls (key, use, model, prompt_name, prompt_version, prompt_hash, request_json,
        status, error, attempts, latency_ms, created_at, updated_at)
      VALUES (@key, @use, @model, @promptName, @promptVersion, @promptHash, @requestJson, 'failed', @error, @attempts, @latencyMs, @at, @at)
      ON CONFLICT (key) DO UPDATE SET error = excluded.error, attempts = llm_calls.attempts + excluded.attempts, updated_at = excluded.updated_at
      WHERE llm_calls.status = 'failed'`);
    this.parseStmt = db.prepare(`UPDATE llm_calls SET status = @status, error = @error, updated_at = @at
      WHERE key = @key AND status IN ('ok', 'unparseable')`);
  }

  /** A stored response (ok or unparseable); failures are not answers and are never served. */
  get(key: string): CachedCall | undefined {
    const r = this.getStmt.get(key) as Row | undefined;
    if (!r || r.status === 'failed' || r.content === null) return undefined;
    const usage = r.prompt_tokens === null && r.completion_tokens === null && r.total_tokens === null
      ? null : { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, totalTokens: r.total_tokens };
    return {
      key: r.key, use: r.use, model: r.model, promptName: r.prompt_name, promptVersion: r.prompt_version,
      content: r.content, finishReason: r.finish_reason, status: r.status, error: r.error, usage,
      response: r.response_json ? JSON.parse(r.response_json) : null, attempts: r.attempts, createdAt: r.created_at,
    };
  }

  putOk(rec: CallRecord, res: { responseJson: string; content: string; finishReason: string | null; usage: LlmUsage | null }): void {
    this.okStmt.run({
      ...rec, responseJson: res.responseJson, content: res.content, finishReason: res.finishReason,
      promptTokens: res.usage?.promptTokens ?? null, completionTokens: res.usage?.completionTokens ?? null,
      totalTokens: res.usage?.totalTokens ?? null, at: this.now(),
    });
  }

  putFailure(rec: CallRecord, error: string): void {
    this.failStmt.run({ ...rec, error, at: this.now() });
  }

  /** Records whether the stored content parsed for its caller (unparseable + why, or ok again). */
  setParse(key: string, error: string | null): void {
    this.parseStmt.run({ key, status: error === null ? 'ok' : 'unparseable', error, at: this.now() });
  }

  counts(): Record<LlmCallStatus, number> {
    const out: Record<LlmCallStatus, number> = { ok: 0, unparseable: 0, failed: 0 };
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM llm_calls GROUP BY status').all() as { status: LlmCallStatus; n: number }[]) out[r.status] = r.n;
    return out;
  }
}
