// The few error classes the CLI maps to exit codes (docs/cli.md has the table). Per-item failures
// never throw past a stage: they become decision rows or transient results.
export class MmrareError extends Error {
  readonly exitCode: number = 1;
}
export class ConfigError extends MmrareError { override readonly exitCode = 2; }
export class InputError extends MmrareError { override readonly exitCode = 3; }
export class SourceError extends MmrareError {
  override readonly exitCode = 4;
  constructor(message: string, readonly retryable: boolean, readonly code = 'source_error') { super(message); }
}
/** A third-party data location (sample corpus, Orphanet release, lexicons) is missing. */
export class DataError extends MmrareError {
  override readonly exitCode = 5;
  constructor(message: string, readonly location: string) { super(message); }
}
export class InternalError extends MmrareError { override readonly exitCode = 70; }
