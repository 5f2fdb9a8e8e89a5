// The one error type that crosses the client boundary. Callers decide "retry now", "leave pending
// for the next run" or "record a permanent drop" from `retryable` and `code` alone, never by
// parsing messages.

export type SourceErrorCode =
  | 'rate_limited'     // HTTP 429
  | 'server_error'     // HTTP 5xx
  | 'http_status'      // other unexpected HTTP status (4xx); not retried
  | 'not_found'        // HTTP 404; not retried, callers map it to a fallback or a drop
  | 'timeout'          // headers or body timeout
  | 'socket'           // reset, refused, closed before the response started
  | 'truncated'        // body shorter than Content-Length or premature close mid-body
  | 'eutils_error'     // <ERROR> / "Search Backend failed" inside an HTTP 200
  | 'bad_response'     // body does not parse as the documented format
  | 'md5_mismatch'     // bytes differ from the metadata's md5 after all attempts
  | 'aborted';

export class SourceError extends Error {
  readonly code: SourceErrorCode;
  readonly retryable: boolean;
  readonly status?: number;
  readonly url?: string;
  /** Server-requested wait (Retry-After), already converted to milliseconds. */
  readonly retryAfterMs?: number;
  readonly attempts?: number;

  constructor(
    code: SourceErrorCode,
    message: string,
    opts: { retryable: boolean; status?: number; url?: string; retryAfterMs?: number; attempts?: number; cause?: unknown },
  ) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'SourceError';
    this.code = code;
    this.retryable = opts.retryable;
    this.status = opts.status;
    this.url = opts.url;
    this.retryAfterMs = opts.retryAfterMs;
    this.attempts = opts.attempts;
  }

  /** Same error, annotated with how many attempts were spent (for the final, surfaced error). */
  withAttempts(attempts: number): SourceError {
    return new SourceError(this.code, this.message, {
      retryable: this.retryable, status: this.status, url: this.url,
      retryAfterMs: this.retryAfterMs, attempts, cause: this.cause,
    });
  }
}

export function isSourceError(e: unknown): e is SourceError {
  return e instanceof SourceError;
}
