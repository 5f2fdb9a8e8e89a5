// The few error classes the CLI maps to exit codes. Per-item failures never throw past a stage:
// they become decision rows or transient results.
export class MmrareError extends Error {
  readonly exitCode: number = 1;
}
export class ConfigError extends MmrareError { override readonly exitCode = 2; }
export class InputError extends MmrareError { override readonly exitCode = 3; }
export class SourceError extends MmrareError {
  override readonly exitCode = 4;
  constructor(message: string, readonly retryable: boolean, readonly code = 'source_error') { super(message); }
}
export class InternalError extends MmrareError { override readonly exitCode = 70; }
