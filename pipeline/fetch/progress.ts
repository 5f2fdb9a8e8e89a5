// Fetch progress: counters fed by HTTP events and load results, a one-line bar redrawn on stderr
// only when stderr is a TTY (logs and pipes stay clean), and a plain summary object at the end.
import type { HttpEvent } from '../client/http.ts';

export type Service = 'ncbi' | 's3';

export interface FetchSummary {
  listed: number;
  packaged: number;
  dropped: number;
  transient: number;
  droppedByReason: Record<string, number>;
  bytes: number;               // payload bytes received (all services)
  ncbiRequests: number;        // HTTP attempts to E-utilities (what NCBI counts)
  s3Requests: number;          // HTTP attempts to S3, those that failed at the socket included
  rateLimited: number;         // 429s received
  retries: number;             // attempts repeated after a retryable failure
  md5Retries: number;
  elapsedMs: number;
  articlesPerSecond: number;
}

export interface ProgressReporter {
  http(service: Service, e: HttpEvent): void;
  listed(n?: number): void;
  result(kind: 'package' | 'drop' | 'transient', bytes?: number, reason?: string): void;
  md5Retry(): void;
  summary(): FetchSummary;
  /** Clears the bar line (call once at the end). */
  finish(): void;
}

export interface ProgressOptions {
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
  now?: () => number;
  redrawMs?: number;
}

export function formatBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

/** The bar text (pure, so it can be tested without a TTY). */
export function renderBar(s: FetchSummary, width = 24): string {
  const done = s.packaged + s.dropped + s.transient;
  const frac = s.listed > 0 ? Math.min(1, done / s.listed) : 0;
  const fill = Math.round(frac * width);
  return `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${done}/${s.listed} articles` +
    ` · ${formatBytes(s.bytes)} · ${s.articlesPerSecond.toFixed(1)}/s · 429s ${s.rateLimited} · retries ${s.retries}` +
    (s.dropped ? ` · dropped ${s.dropped}` : '') + (s.transient ? ` · pending ${s.transient}` : '');
}

export function createProgress(o: ProgressOptions = {}): ProgressReporter {
  const stream = o.stream ?? process.stderr;
  const draw = (o.enabled ?? true) && !!stream.isTTY;
  const now = o.now ?? Date.now;
  const redrawMs = o.redrawMs ?? 200;
  const started = now();
  let lastDraw = 0;
  const s = {
    listed: 0, packaged: 0, dropped: 0, transient: 0, droppedByReason: {} as Record<string, number>,
    bytes: 0, ncbiRequests: 0, s3Requests: 0, rateLimited: 0, retries: 0, md5Retries: 0,
  };

  const summary = (): FetchSummary => {
    const elapsedMs = now() - started;
    const done = s.packaged + s.dropped;
    return { ...s, droppedByReason: { ...s.droppedByReason }, elapsedMs,
             articlesPerSecond: elapsedMs > 0 ? (done * 1000) / elapsedMs : 0 };
  };
  const redraw = (force = false) => {
    if (!draw) return;
    const t = now();
    if (!force && t - lastDraw < redrawMs) return;
    lastDraw = t;
    stream.write(`\r\x1b[2K${renderBar(summary())}`);
  };

  return {
    http(service, e) {
      // requests are counted when they are sent: a reset or a timeout has no response, but it was a request
      if (e.type === 'attempt') {
        if (service === 'ncbi') s.ncbiRequests++; else s.s3Requests++;
      } else if (e.type === 'response') s.bytes += e.bytes;
      else if (e.type === 'retry') s.retries++;
      else if (e.type === 'rate_limited') s.rateLimited++;
      redraw();
    },
    listed(n = 1) { s.listed += n; redraw(); },
    result(kind, _bytes = 0, reason) {
      if (kind === 'package') s.packaged++;
      else if (kind === 'transient') s.transient++;
      else { s.dropped++; if (reason) s.droppedByReason[reason] = (s.droppedByReason[reason] ?? 0) + 1; }
      redraw();
    },
    md5Retry() { s.md5Retries++; },
    summary,
    finish() { if (draw) { redraw(true); stream.write('\n'); } },
  };
}
