// The review app's HTTP server (node:http, one page). Security model (docs/review.md): loopback by
// default; on any other host every API request needs a reviewer token (only its sha256 is stored);
// every request's Host must be one this server answers to (loopback mode: DNS rebinding), and every
// state-changing request must come from the page's own origin (Origin matches Host). The page loads
// nothing from elsewhere (strict CSP) and renders all case text with textContent. Images are served by
// the sha256 of a stored image blob only: no paths.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../db/store.ts';
import { REJECT_REASONS, TRACK_FIELDS, type CheckRow, type ReviewEdits, type Verdict } from './apply.ts';
import { alignmentQueue, questionDetail, questionList } from './detail.ts';
import { reviewerOf, submitReview } from './store.ts';

const STATIC_DIR = join(import.meta.dirname, 'static');
const STATIC: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
};

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
export const isLoopback = (host: string): boolean => LOOPBACK_HOSTS.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', tiff: 'image/tiff' };

export interface ReviewServerOptions {
  store: Store;
  checkRow: CheckRow;
  /** The bound host: a loopback host needs no tokens; any other requires them. */
  host: string;
  /** The reviewer of a loopback app (--reviewer or $USER). */
  localReviewer: string;
  maskToken: string;
  /** Tokens also on loopback (tests). Default: only off loopback. */
  requireTokens?: boolean;
  now?: () => string;
  /** One line per stored review, refused edit or conflict (the CLI writes them to stderr). */
  log?: (line: string) => void;
}

class HttpError extends Error { constructor(readonly status: number, message: string, readonly body?: unknown) { super(message); } }

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': type, 'Content-Length': bytes.length, 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY', 'Cross-Origin-Resource-Policy': 'same-origin',
  });
  res.end(bytes);
}

async function readJson(req: IncomingMessage, max = 2_000_000): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new HttpError(413, 'request body too large');
    chunks.push(c as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch { throw new HttpError(400, 'the body must be a JSON object'); }
}

export function createReviewServer(o: ReviewServerOptions): Server {
  const db = o.store.db;
  const tokens = o.requireTokens ?? !isLoopback(o.host);
  const now = o.now ?? (() => new Date().toISOString());
  let port = 0;

  /** Host header: on loopback only the names of this server (a rebound DNS name is refused). */
  const hostOk = (req: IncomingMessage): boolean => {
    const h = req.headers.host;
    if (!h) return false;
    if (tokens) return true;
    const bound = o.host.includes(':') ? `[${o.host}]` : o.host;
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${bound}:${port}`].includes(h.toLowerCase());
  };
  const sameOrigin = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    // https too: behind a TLS proxy that passes the Host on, the page's origin is https://<Host>
    return typeof origin === 'string' && (origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`);
  };
  const reviewerFor = (req: IncomingMessage): string => {
    if (!tokens) return o.localReviewer;
    const m = /^Bearer\s+(\S+)$/.exec(String(req.headers.authorization ?? ''));
    const name = m ? reviewerOf(db, m[1]) : null;
    if (!name) throw new HttpError(401, 'a reviewer token is needed (mmrare review add-reviewer NAME prints one)');
    return name;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req)) throw new HttpError(403, 'unexpected Host header');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (req.method === 'GET' && STATIC[req.url ?? ''] !== undefined) {
      const [file, type] = STATIC[req.url!];
      return send(res, 200, readFileSync(join(STATIC_DIR, file)), type);
    }
    if (req.method === 'GET' && path.startsWith('/blob/')) {
      reviewerFor(req);
      const hex = (req.url ?? '').slice('/blob/'.length);
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new HttpError(400, 'images are addressed by the sha256 of their bytes (64 hex digits)');
      const im = db.prepare('SELECT format FROM images WHERE norm_sha256 = ? OR thumb_sha256 = ? LIMIT 1').get(hex, hex) as { format: string } | undefined;
      if (!im) throw new HttpError(404, 'no stored image has this sha256');
      const p = o.store.blobPath(hex);
      if (!existsSync(p)) throw new HttpError(404, 'the image blob is missing from the store');
      return send(res, 200, o.store.readBlob(hex), IMAGE_TYPES[im.format] ?? 'application/octet-stream');
    }
    if (!path.startsWith('/api/')) throw new HttpError(404, 'not found');
    const reviewer = reviewerFor(req);
    if (req.method === 'GET') {
      if (path === '/api/meta') {
        return send(res, 200, { reviewer, tokens, mask_token: o.maskToken, reject_reasons: REJECT_REASONS, track_fields: TRACK_FIELDS });
      }
      if (path === '/api/questions') return send(res, 200, questionList(db));
      if (path === '/api/alignment') return send(res, 200, alignmentQueue(db));
      const m = /^\/api\/questions\/([\w-]+)$/.exec(path);
      if (m) {
        const d = questionDetail(db, m[1]);
        if (!d) throw new HttpError(404, `no question ${m[1]}`);
        return send(res, 200, d);
      }
      throw new HttpError(404, 'not found');
    }
    if (req.method === 'POST') {
      if (!sameOrigin(req)) throw new HttpError(403, 'cross-origin request refused (Origin must match Host)');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'send JSON (Content-Type: application/json)');
      const m = /^\/api\/questions\/([\w-]+)\/review$/.exec(path);
      if (!m) throw new HttpError(404, 'not found');
      const body = await readJson(req);
      if (typeof body.revision !== 'number' || !Number.isInteger(body.revision)) throw new HttpError(400, 'name the revision the review is based on ("revision": N)');
      const r = submitReview(db, {
        questionId: m[1], verdict: body.verdict as Verdict, reviewer, baseRevision: body.revision,
        reasonCode: typeof body.reason === 'string' ? body.reason : null, note: typeof body.note === 'string' ? body.note : null,
        edits: body.edits && typeof body.edits === 'object' ? body.edits as ReviewEdits : null, source: 'app', at: now(),
      }, o.checkRow);
      if (r.kind === 'stored') o.log?.(`${reviewer} ${r.review.verdict}${r.review.reason_code ? ` (${r.review.reason_code})` : ''} ${m[1]} → revision ${r.review.revision}`);
      else if (r.kind === 'refused') o.log?.(`${reviewer} edit of ${m[1]} refused: ${r.findings.length} leak finding(s)`);
      else if (r.kind === 'conflict') o.log?.(`${reviewer} on ${m[1]}: revision ${String(body.revision)} is stale (now ${r.revision}), answered 409`);
      switch (r.kind) {
        case 'stored': return send(res, 200, { ok: true, revision: r.review.revision, question: questionDetail(db, m[1]) });
        case 'conflict': return send(res, 409, { error: `revision ${body.revision} is not the current one (${r.revision}): someone reviewed this question meanwhile`, current: questionDetail(db, m[1]) });
        case 'refused': return send(res, 422, { error: 'the edit would leak the answer: nothing was stored', findings: r.findings });
        case 'invalid': throw new HttpError(400, r.message);
        case 'not_found': throw new HttpError(404, `no question ${m[1]}`);
        case 'duplicate': throw new HttpError(409, 'already stored');
      }
    }
    throw new HttpError(405, 'method not allowed');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return send(res, e.status, { error: e.message });
      send(res, 500, { error: 'internal error' });
      process.stderr.write(`mmrare review: ${(e as Error)?.stack ?? String(e)}\n`);
    });
  });
  server.on('listening', () => { const a = server.address(); port = typeof a === 'object' && a ? a.port : 0; });
  return server;
}

