// The one error type that crosses the client boundary. It extends the project's SourceError
// (pipeline/errors.ts) so the CLI maps it like any source failure. Callers decide "retry now", "leave pending
// for the next run" or "record a permanent drop" from `retryable` and `code` alone, never by
// parsing messages.

import { SourceError } from '../core/errors.ts';

export type RemoteErrorCode =
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
  | 'too_large'        // the body is larger than the caller's cap (Content-Length or bytes read); not retried
  | 'aborted';

export class RemoteError extends SourceError {
  declare readonly code: RemoteErrorCode;
  readonly status?: number;
  readonly url?: string;
  /** Server-requested wait (Retry-After), already converted to milliseconds. */
  readonly retryAfterMs?: number;
  readonly attempts?: number;

  constructor(
    code: RemoteErrorCode,
    message: string,
    opts: { retryable: boolean; status?: number; url?: string; retryAfterMs?: number; attempts?: number; cause?: unknown },
  ) {
    super(message, opts.retryable, code);
    this.name = 'RemoteError';
    if (opts.cause !== undefined) (this as { cause?: unknown }).cause = opts.cause;
    this.status = opts.status;
    this.url = opts.url;
    this.retryAfterMs = opts.retryAfterMs;
    this.attempts = opts.attempts;
  }

  /** Same error, annotated with how many attempts were spent (for the final, surfaced error). */
  withAttempts(attempts: number): RemoteError {
    return new RemoteError(this.code, this.message, {
      retryable: this.retryable, status: this.status, url: this.url,
      retryAfterMs: this.retryAfterMs, attempts, cause: this.cause,
    });
  }
}

export function isRemoteError(e: unknown): e is RemoteError {
  return e instanceof RemoteError;
}
