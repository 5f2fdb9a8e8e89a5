// The one error table of the CLI: which error class ends a command with which exit code, and what the
// message looks like. Every command (the ontology sub-commands too) ends through `reportError`, so a
// user meets the same shape everywhere: one line `mmrare <command>: <what went wrong>` on stderr
// (a data error adds where it looked and how to get it), a stack trace only with --debug.
import { ConfigError, DataError, InputError, InternalError, MmrareError, SourceError } from '../core/errors.ts';
import { WorkdirError } from '../../db/store.ts';

/** A command line that cannot be understood: unknown command or option, a missing or bad value. */
export class UsageError extends MmrareError {
  override readonly exitCode = 2;
  constructor(message: string, readonly helpFor?: string) { super(message); }
}

export interface ExitCode {
  code: number;
  name: string;
  /** The error classes that end a command with this code ("" when no error is involved). */
  classes: string[];
  when: string;
  /** What the message on stderr looks like. */
  shape: string;
}

/** docs/cli.md repeats this table; tests/cli check that both agree. */
export const EXIT_CODES: ExitCode[] = [
  { code: 0, name: 'ok', classes: [], when: 'the command did what it says (a rerun that finds nothing new to do is ok too)', shape: 'results on stdout, logs on stderr' },
  { code: 2, name: 'usage', classes: ['UsageError', 'ConfigError'], when: 'unknown command or option, a missing or malformed option value, a config file that is not a JSON object or does not validate',
    shape: 'mmrare CMD: unknown option --frm-dir (did you mean --from-dir?) (try: mmrare CMD --help)' },
  { code: 3, name: 'input', classes: ['InputError'], when: 'something named on the command line is not there: a file, a source folder with no articles, a store, a question id, a PMCID, a reason code; or there is nothing to do',
    shape: 'mmrare CMD: <what> <name>: <why> (<what to do instead>)' },
  { code: 4, name: 'source', classes: ['SourceError'], when: 'a remote service (E-utilities, PMC Cloud S3) failed for good', shape: 'mmrare CMD: <service>: <status and message>' },
  { code: 5, name: 'data', classes: ['DataError'], when: 'third-party data is missing (sample corpus, Orphanet release, lexicons); nothing was created',
    shape: 'mmrare CMD: <what> not found at <path>\\n  looked in: …\\n  to get it: …' },
  { code: 6, name: 'workdir', classes: ['WorkdirError'], when: 'the workdir cannot be written (read-only folder, files of another user, read-only file system) by a command that writes, or a read-only store cannot be read',
    shape: 'mmrare CMD: workdir W is not writable (<why>); choose another with --workdir DIR or fix its permissions' },
  { code: 70, name: 'internal', classes: ['InternalError', '(any other exception)'], when: 'a bug: please report it with the --debug output',
    shape: 'mmrare CMD: internal error: <message> (rerun with --debug for details)' },
  { code: 75, name: 'pending', classes: [], when: '`run --strict-pending` only: some items failed transiently (network) and are retried by the next run', shape: 'the summary, with the pending count' },
  { code: 130, name: 'interrupted', classes: [], when: 'Ctrl-C: the items in flight were finished and committed; rerun the same command to go on', shape: 'interrupted: rerun the same command to finish' },
];

export const exitCodeLine = (): string => `Exit codes: ${EXIT_CODES.map((e) => `${e.code} ${e.name}`).join(', ')} (docs/cli.md)`;

const CLASSES: [new (...a: any[]) => MmrareError, string][] = [
  [UsageError, 'UsageError'], [ConfigError, 'ConfigError'], [InputError, 'InputError'], [SourceError, 'SourceError'],
  [DataError, 'DataError'], [WorkdirError, 'WorkdirError'], [InternalError, 'InternalError'],
];

/** The exit code for an error class name (from the table). */
export function exitCodeOf(className: string): number {
  const row = EXIT_CODES.find((e) => e.classes.includes(className));
  if (!row) throw new Error(`no exit code for ${className}`);
  return row.code;
}

/**
 * Turns whatever a command threw into the table's shape: a file-system error on a path the user named
 * becomes an input error, a zod failure a config error, anything else an internal error.
 */
export function classify(e: unknown): MmrareError {
  if (e instanceof MmrareError) return e;
  const err = e as NodeJS.ErrnoException & { issues?: { path: (string | number)[]; message: string }[] };
  if (err && Array.isArray(err.issues)) {
    return new ConfigError(`invalid config: ${err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const path = err?.path ?? '';
  switch (err?.code) {
    case 'ENOENT': return new InputError(`${path || 'a file'}: no such file or folder`);
    case 'EISDIR': return new InputError(`${path}: is a folder, expected a file`);
    case 'ENOTDIR': return new InputError(`${path}: is a file, expected a folder`);
    case 'EACCES': case 'EPERM': return new InputError(`${path || 'a file'}: permission denied`);
  }
  const wrapped = new InternalError(err?.message ?? String(e));
  if (err?.stack) wrapped.stack = err.stack;
  return wrapped;
}

/** Writes the error in the table's shape and returns its exit code. */
export function reportError(e: unknown, command: string, err: (s: string) => void, debug: boolean): number {
  const m = classify(e);
  const cls = CLASSES.find(([C]) => m instanceof C)?.[1];
  const code = cls ? exitCodeOf(cls) : m.exitCode;
  let line = `${command ? `mmrare ${command}` : 'mmrare'}: ${m instanceof InternalError ? 'internal error: ' : ''}${m.message}`;
  if (m instanceof UsageError) { const h = m.helpFor ?? command; line += ` (try: ${h ? `mmrare ${h} --help` : 'mmrare --help'})`; }
  if (m instanceof InternalError && !debug) line += ' (rerun with --debug for details)';
  err(line);
  if (debug) err(String((e as Error)?.stack ?? e));
  return code;
}
