// A counting semaphore: at most `size` tasks of one kind run at once, across every caller that shares it
// (the extract stage's images: one bound for all the articles in flight).
export interface Limiter {
  readonly size: number;
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createLimiter(size: number): Limiter {
  const n = Math.max(1, Math.floor(size));
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    running--;
    const next = waiting.shift();
    if (next) { running++; next(); }
  };
  return {
    size: n,
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < n) running++;
      else await new Promise<void>((r) => waiting.push(r));
      try { return await task(); } finally { release(); }
    },
  };
}
