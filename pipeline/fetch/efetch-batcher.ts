// Coalesces efetch-fallback requests from concurrent load() calls. One efetch is in flight at a time;
// ids that arrive meanwhile (while it waits for its NCBI budget slot or runs) form the next batch.
// Sequential callers thus cost one request each, concurrent callers share requests: batching grows
// exactly when NCBI is the bottleneck.
import type { EfetchArticle } from '../client/eutils.ts';

export type BatchFetch = (ids: string[]) => Promise<Map<string, EfetchArticle>>;

interface Waiter { id: string; resolve: (a: EfetchArticle | null) => void; reject: (e: unknown) => void }

export class EfetchBatcher {
  private queue: Waiter[] = [];
  private running = false;

  constructor(private readonly fetchBatch: BatchFetch, private readonly maxBatch = 20) {}

  get(id: string): Promise<EfetchArticle | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const waiters = this.queue.splice(0, this.maxBatch);
        const ids = [...new Set(waiters.map((w) => w.id))];
        try {
          const got = await this.fetchBatch(ids);
          for (const w of waiters) w.resolve(got.get(w.id) ?? null);
        } catch (e) {
          for (const w of waiters) w.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
