// The stage contract (after datatrove / NeMo Curator): a stage lists its items and, for each,
// yields an output, a permanent drop with a reason code, or a transient failure. The runner owns
// resumability, transactions and counters; a stage owns only its logic and its own tables.
import type { Store } from '../../db/store.ts';
import type { Config } from '../../schemas/config.ts';
import type { Logger } from './log.ts';
import type { ZodType } from 'zod';
import type { HeapGuard } from './memory.ts';

export type DecisionAction = 'drop' | 'mask' | 'flag' | 'review' | 'exclude' | 'cut';

/** A decision as a stage reports it; the runner adds run, stage, version and config hash. */
export interface DecisionInput {
  action: DecisionAction;
  reason: string;          // stable reason code, e.g. licence_not_allowed
  rule: string;            // the rule that fired, e.g. filter.leak.answer_alias
  pmcid?: string | null;
  questionId?: string | null;
  field?: string | null;   // context | question | image_label | section:<id> ...
  span?: [number, number] | null;
  matchedText?: string | null;
  detail?: Record<string, unknown>;
}

export interface StageItem<I> {
  key: string;             // stable item key, e.g. "PMC4735894" or a question id
  inputHash: string;       // changes when the item's inputs change
  input: I;
  pmcid?: string;
}

export type ItemResult<O> =
  | { kind: 'output'; output: O; decisions?: DecisionInput[]; attributes?: Record<string, unknown> }
  | { kind: 'drop'; reason: string; rule: string; detail?: Record<string, unknown>; decisions?: DecisionInput[]; attributes?: Record<string, unknown> }
  | { kind: 'transient'; error: string };

export interface StageContext {
  store: Store;
  config: Config;
  runId: number;
  log: Logger;
  /**
   * Aborted on Ctrl-C. A stage with long items checks it between steps (`signal.aborted`) or awaits
   * `pause(ctx)` (pipeline/runner/runner.ts), which yields to the event loop and throws `StopRequested`
   * once stopping: the runner then leaves the item for the next run (nothing of it is written).
   */
  signal?: AbortSignal;
  /** Bounds the heap between items and at `pause` (pipeline/runner/memory.ts); absent in tests that build a context. */
  heap?: HeapGuard;
}

export interface Stage<I, O> {
  readonly name: string;
  readonly version: string;
  /** The part of the config this stage depends on; a change re-runs only this stage's items. */
  configSlice(config: Config): unknown;
  items(ctx: StageContext): AsyncIterable<StageItem<I>> | Iterable<StageItem<I>>;
  process(item: StageItem<I>, ctx: StageContext): Promise<ItemResult<O>>;
  /**
   * Called once the stage's items are done (or it stopped): frees what the stage holds for its items
   * (extract's image workers) so the stages after it do not run beside it.
   */
  finish?(ctx: StageContext): Promise<void> | void;
  /** Deletes this stage's rows for the item (called inside the item's transaction before write). */
  clear(ctx: StageContext, key: string): void;
  /** Writes the output rows; returns a hash of the output that downstream input hashes use. */
  write(ctx: StageContext, item: StageItem<I>, output: O): string;
  /**
   * When true, items that the stage no longer lists (their upstream item was dropped or
   * removed) have their outputs cleared. Sources that list a subset (fetch --limit) say false.
   */
  readonly reconcile: boolean;
  readonly concurrency?: number;
  /** Outputs crossing into the store are checked against it; a failure is a `record_invalid` drop. */
  readonly outputSchema?: ZodType<O>;
  /** The stage's source draws its own progress bar. */
  readonly ownProgress?: boolean;
}
