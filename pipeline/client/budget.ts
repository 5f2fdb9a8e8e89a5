// Rate budgets. NCBI counts *all* E-utilities calls from one IP together (3/s keyless, 10/s with an
// api_key), so the whole process shares ONE budget; every attempt, retries included, is scheduled
// through it. S3 is not NCBI: it only gets a concurrency cap of its own.
import Bottleneck from 'bottleneck';
import type { Scheduler } from './http.ts';

export interface BudgetSettings {
  requestsPerSecond: number;  // the budget the server enforces
  minTimeMs: number;          // spacing between request starts
  maxConcurrent: number;
}

export interface NcbiBudgetOptions {
  apiKey?: string | boolean | null;
  /** Override the per-second budget (e.g. a loopback server configured higher for a fast test). */
  requestsPerSecond?: number;
  /** Extra spacing as a fraction of 1000/rps. Evenly spaced 334 ms has drawn 429s, hence > 0. */
  safetyMargin?: number;
  maxConcurrent?: number;
}

export const DEFAULT_SAFETY_MARGIN = 0.08;

/**
 * Starts spaced by minTime guarantee that any 1-second window holds at most 1 + floor(1000/minTime)
 * starts; minTime > 1000/rps keeps that ≤ rps. The margin (8 % ⇒ 360 ms keyless, 108 ms keyed)
 * additionally absorbs ~80 ms of timer/transit jitter before a window could overflow.
 */
export function ncbiBudgetSettings(opts: NcbiBudgetOptions = {}): BudgetSettings {
  const requestsPerSecond = opts.requestsPerSecond ?? (opts.apiKey ? 10 : 3);
  if (!(requestsPerSecond > 0)) throw new Error(`requestsPerSecond must be > 0, got ${requestsPerSecond}`);
  const margin = opts.safetyMargin ?? DEFAULT_SAFETY_MARGIN;
  const minTimeMs = Math.ceil((1000 / requestsPerSecond) * (1 + Math.max(0.001, margin)));
  // Keyless NCBI: one request in flight at a time (as NCBI asks); keyed: a few, spacing still rules.
  const maxConcurrent = opts.maxConcurrent ?? (opts.apiKey || requestsPerSecond > 3 ? Math.min(3, Math.ceil(requestsPerSecond)) : 1);
  return { requestsPerSecond, minTimeMs, maxConcurrent };
}

/** The most starts a minTime spacing can put in any 1 s window (what the server will count). */
export function maxStartsPerSecond(minTimeMs: number): number {
  return 1 + Math.floor((1000 - 1e-9) / minTimeMs);
}

/** Spacing and concurrency for any per-second budget (LLM endpoints): the same margin as NCBI's. */
export function rateBudgetSettings(requestsPerSecond: number, maxConcurrent: number, safetyMargin = DEFAULT_SAFETY_MARGIN): BudgetSettings {
  if (!(requestsPerSecond > 0)) throw new Error(`requestsPerSecond must be > 0, got ${requestsPerSecond}`);
  if (!(maxConcurrent >= 1)) throw new Error(`maxConcurrent must be >= 1, got ${maxConcurrent}`);
  const minTimeMs = Math.ceil((1000 / requestsPerSecond) * (1 + Math.max(0.001, safetyMargin)));
  return { requestsPerSecond, minTimeMs, maxConcurrent: Math.floor(maxConcurrent) };
}

export interface RequestBudget {
  readonly settings: BudgetSettings;
  readonly schedule: Scheduler;
  /** Attempts started through this budget (what the server counts). */
  started(): number;
  stop(): Promise<void>;
}

/** A budget of its own (not the process-wide NCBI one): every attempt passes through it. */
export function createRequestBudget(settings: BudgetSettings): RequestBudget {
  return createNcbiBudget(settings);
}

export function createNcbiBudget(opts: NcbiBudgetOptions | BudgetSettings = {}): RequestBudget {
  const settings = 'minTimeMs' in opts ? opts : ncbiBudgetSettings(opts);
  const limiter = new Bottleneck({ minTime: settings.minTimeMs, maxConcurrent: settings.maxConcurrent });
  let count = 0;
  const schedule: Scheduler = (fn) => limiter.schedule(() => { count++; return fn(); });
  return {
    settings,
    schedule,
    started: () => count,
    stop: async () => { await limiter.stop({ dropWaitingJobs: false }); },
  };
}

let processBudget: RequestBudget | undefined;

/**
 * The process-wide NCBI budget. The first caller fixes its settings; later callers share it, so two
 * sources (or a source and a CLI command) can never together exceed what NCBI allows.
 */
export function processNcbiBudget(opts: NcbiBudgetOptions = {}): RequestBudget {
  processBudget ??= createNcbiBudget(opts);
  return processBudget;
}

/** For tests only: forget the process-wide budget. */
export function resetProcessNcbiBudget(): void {
  processBudget = undefined;
}

/** A plain concurrency cap (S3 downloads): no spacing, no shared NCBI accounting. */
export function createConcurrencyLimiter(maxConcurrent: number): Scheduler {
  const limiter = new Bottleneck({ maxConcurrent });
  return (fn) => limiter.schedule(fn);
}
