// A small pool of worker threads for CPU-bound pure functions (image decoding and pixel loops in extract), so
// they use the cores the main thread cannot: the main thread keeps the store, the order and the decisions.
// A task names an exported function of a module; its arguments and result cross by structured clone (a Buffer
// arrives as a Uint8Array: the caller rewraps). Workers start on first use and end after `idleMs` without
// work, so a stage's workers do not hold memory through the stages after it.
import { Worker } from 'node:worker_threads';

export interface WorkerPool {
  readonly size: number;
  /** Calls `fn(...args)` of the pool's module in a worker; rejects with the worker's error message. */
  run<T>(fn: string, args: unknown[]): Promise<T>;
  /** Ends the idle workers now instead of after `idleMs` (a stage that is done); later tasks start new ones. */
  release(): Promise<void>;
  /** Ends the workers now; tasks in flight are rejected. */
  close(): Promise<void>;
}

export interface WorkerPoolOptions {
  size: number;
  /** URL of the TypeScript module whose exports the tasks call. */
  module: URL;
  /** Tasks sent to one worker at once (an async task overlaps its I/O with another's JS). Default 2. */
  perWorker?: number;
  /** A worker with nothing to do for this long ends (and is restarted on the next task). Default 2000. */
  idleMs?: number;
  /**
   * V8's young generation per worker, in MB (default: V8's, about 48). Tasks that allocate little JavaScript
   * (typed arrays live outside the heap) run as fast with a small one, and each worker then holds much less.
   */
  youngGenerationMb?: number;
}

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; busy: number; pending: Map<number, Pending>; idle: NodeJS.Timeout | null }
interface Task { fn: string; args: unknown[]; resolve: (v: unknown) => void; reject: (e: Error) => void }

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export function createWorkerPool(opts: WorkerPoolOptions): WorkerPool {
  const size = Math.max(1, Math.floor(opts.size));
  const perWorker = Math.max(1, opts.perWorker ?? 2);
  const idleMs = opts.idleMs ?? 2000;
  const slots: (Slot | null)[] = new Array(size).fill(null);
  const queue: Task[] = [];
  let nextId = 1;
  let closed = false;

  const retire = (i: number, why: Error): Promise<number> | undefined => {
    const s = slots[i];
    if (!s) return undefined;
    slots[i] = null;
    if (s.idle) clearTimeout(s.idle);
    for (const p of s.pending.values()) p.reject(why);
    s.pending.clear();
    return s.worker.terminate();
  };

  const start = (i: number): Slot => {
    const worker = new Worker(ENTRY, { workerData: { module: opts.module.href }, resourceLimits: opts.youngGenerationMb ? { maxYoungGenerationSizeMb: opts.youngGenerationMb } : undefined });
    worker.unref(); // never keeps the process alive by itself
    const slot: Slot = { worker, busy: 0, pending: new Map(), idle: null };
    worker.on('message', (m: { id: number; value?: unknown; error?: string }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      slot.busy--;
      if (m.error !== undefined) p.reject(new Error(m.error)); else p.resolve(m.value);
      pump();
    });
    // a worker that fails (an uncaught error, a crash) fails its tasks; the next task starts a new one
    worker.on('error', (e) => { retire(i, e instanceof Error ? e : new Error(String(e))); pump(); });
    worker.on('exit', (code) => { if (slots[i] === slot) { retire(i, new Error(`worker exited with code ${code}`)); pump(); } });
    slots[i] = slot;
    return slot;
  };

  const pump = (): void => {
    while (queue.length && !closed) {
      // the least busy worker with room; an empty slot is started
      let best = -1;
      for (let i = 0; i < size; i++) {
        const s = slots[i];
        const busy = s ? s.busy : 0;
        if (busy < perWorker && (best < 0 || busy < (slots[best]?.busy ?? 0))) best = i;
      }
      if (best < 0) return;
      const slot = slots[best] ?? start(best);
      const t = queue.shift()!;
      const id = nextId++;
      if (slot.idle) { clearTimeout(slot.idle); slot.idle = null; }
      slot.busy++;
      slot.pending.set(id, { resolve: t.resolve, reject: t.reject });
      slot.worker.postMessage({ id, fn: t.fn, args: t.args });
    }
    for (let i = 0; i < size; i++) {
      const s = slots[i];
      if (s && s.busy === 0 && !s.idle) {
        s.idle = setTimeout(() => { if (slots[i] === s && s.busy === 0) retire(i, new Error('worker ended (idle)')); }, idleMs);
        s.idle.unref();
      }
    }
  };

  return {
    size,
    run<T>(fn: string, args: unknown[]): Promise<T> {
      if (closed) return Promise.reject(new Error('worker pool closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, args, resolve: resolve as (v: unknown) => void, reject });
        pump();
      });
    },
    async release(): Promise<void> {
      await Promise.all(slots.map((s, i) => (s && s.busy === 0 ? retire(i, new Error('worker ended (released)')) : undefined)));
    },
    async close(): Promise<void> {
      closed = true;
      const why = new Error('worker pool closed');
      for (const t of queue.splice(0)) t.reject(why);
      await Promise.all(slots.map((_, i) => retire(i, why)));
    },
  };
}
