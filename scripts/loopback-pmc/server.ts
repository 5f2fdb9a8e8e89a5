// Loopback PMC: E-utilities (esearch/efetch/esummary for db=pmc) and the pmc-oa-opendata bucket
// (ListObjectsV2, metadata JSON, files) served from a bucket-layout folder on 127.0.0.1, with a
// strictly enforced per-second E-utilities budget and seeded fault injection. For tests, the bench
// and offline use:  npx tsx scripts/loopback-pmc/server.ts --dir BUCKET_LAYOUT (e.g. from scripts/build-sample-corpus.ts) --port 0 --rps 3
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { BUCKET, loadBucketDir, replicateCorpus, type Corpus, type CorpusArticle } from './corpus.ts';
import { seededRandom } from '../../pipeline/core/seeded-random.ts';

export interface FaultRates {
  http429?: number;        // 429 (E-utilities: NCBI JSON body; S3: 503 SlowDown)
  http5xx?: number;        // 500 or 502
  reset?: number;          // socket destroyed before any response byte
  truncate?: number;       // full Content-Length announced, half the body sent, socket closed
  md5?: number;            // S3 files: altered bytes (correct length)
  eutilsError?: number;    // E-utilities: <ERROR>Search Backend failed…</ERROR> in an HTTP 200
  slow?: number;           // response delayed by slowMs
  corruptArticle?: number; // efetch: per article in a set, bytes made not well-formed
  hang?: number;           // the request is read and never answered (the socket stays open until the client gives up)
}

/** A fault chosen for one request by `LoopbackOptions.decideFault` (tests that need an exact script). */
export type FaultName = '429' | '5xx' | 'reset' | 'truncate' | 'md5' | 'slow' | 'hang' | 'eutils_error';

export interface LoopbackOptions {
  dir?: string;
  corpus?: Corpus;
  /** Serve n copies of the folder's articles under new PMCIDs (replicateFirstId, +1, …). */
  replicate?: number;
  replicateFirstId?: number;
  port?: number;
  /** E-utilities budget per sliding second without / with api_key (NCBI: 3 / 10). */
  rps?: number;
  rpsApiKey?: number;
  faults?: FaultRates;
  /** Which services faults apply to (default both). */
  faultServices?: ('eutils' | 's3')[];
  seed?: number;
  slowMs?: number;
  retryAfterSeconds?: number;
  /** Probability that a 429 (E-utilities) or 503 SlowDown (S3) carries Retry-After (NCBI sometimes sends it, sometimes not). */
  retryAfterProbability?: number;
  /** How Retry-After is written: delta-seconds (default) or an HTTP-date that many seconds ahead. */
  retryAfterForm?: 'seconds' | 'http-date';
  /** Bucket keys whose bytes are always served altered (a wrong md5 on exactly these files). */
  md5Keys?: string[];
  /**
   * Decides the fault of each request (`count`: requests to this path so far, 1-based); a returned
   * name replaces the random draw for that request, null/undefined leaves it to the rates.
   */
  decideFault?: (r: { service: 'eutils' | 's3'; path: string; count: number }) => FaultName | null | undefined;
  s3MaxKeys?: number;
  /** esearch refuses retstart+retmax beyond this (NCBI: 10,000), forcing date splitting. */
  searchCap?: number;
  /** Hide the bucket XML (efetch still serves it): PMCIDs, or a fraction chosen by a hash of the id. */
  s3MissingXml?: string[] | number;
}

export interface LogEntry {
  t: number;               // ms since server start (monotonic)
  service: 'eutils' | 's3' | 'control';
  method: string;
  path: string;
  status: number;          // 0 when the socket was reset
  fault?: string;
  overBudget?: boolean;    // 429 issued by the budget enforcement (not injected)
}

export interface LoopbackServer {
  url: string;
  eutilsUrl: string;
  s3Url: string;
  log: LogEntry[];
  corpus: Corpus;
  /** Largest number of E-utilities arrivals in any window of `windowMs` (default 1000). */
  maxInWindow(windowMs?: number): number;
  close(): Promise<void>;
}

export function maxArrivalsInWindow(times: readonly number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

// ---------------------------------------------------------------- esearch semantics (pure)

function normaliseDate(s: string | null, end: boolean): string | null {
  if (!s) return null;
  const m = /^(\d{4})(?:[/-](\d{1,2}))?(?:[/-](\d{1,2}))?$/.exec(s.trim());
  if (!m) return null;
  return `${m[1]}/${(m[2] ?? (end ? '12' : '01')).padStart(2, '0')}/${(m[3] ?? (end ? '31' : '01')).padStart(2, '0')}`;
}

/** A small subset of Entrez syntax: [filter]/[pt] tags are accepted, licence filters applied, free words ANDed. */
export function matchesTerm(a: CorpusArticle, term: string): boolean {
  const lic = [...term.matchAll(/"(cc[^"]*?) license"\[filter\]/gi)].map((m) => m[1].toUpperCase());
  if (lic.length && !lic.includes((a.licence ?? '').toUpperCase())) return false;
  const rest = term.replace(/"[^"]*"\[[^\]]*\]/g, ' ').replace(/[\w-]+\[[^\]]*\]/g, ' ')
    .replace(/\b(AND|OR|NOT)\b/g, ' ').replace(/[()"]/g, ' ');
  const words = rest.split(/\s+/).filter(Boolean).map((w) => w.toLowerCase());
  return words.every((w) => a.text.includes(w));
}

export function searchCorpus(c: Corpus, term: string, mindate: string | null, maxdate: string | null): string[] {
  const from = normaliseDate(mindate, false);
  const to = normaliseDate(maxdate, true);
  return c.latest
    .filter((a) => (!from || a.pubDate >= from) && (!to || a.pubDate <= to) && matchesTerm(a, term))
    .map((a) => a.pmcid.slice(3));
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function esearchXml(count: number, retstart: number, ids: string[], history: { webEnv: string; queryKey: string } | null, term: string): string {
  return '<?xml version="1.0" encoding="UTF-8" ?>\n' +
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n' +
    `<eSearchResult><Count>${count}</Count><RetMax>${ids.length}</RetMax><RetStart>${retstart}</RetStart>` +
    (history ? `<QueryKey>${history.queryKey}</QueryKey><WebEnv>${history.webEnv}</WebEnv>` : '') +
    `<IdList>\n${ids.map((i) => `<Id>${i}</Id>\n`).join('')}</IdList><TranslationSet/><QueryTranslation>${esc(term)}</QueryTranslation></eSearchResult>\n`;
}

function stripProlog(xml: string): string {
  return xml.replace(/^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?/, '');
}

/** Makes an article not well-formed while keeping its id and </article> findable (the real failure mode). */
function corrupt(xml: string): string {
  const i = xml.indexOf('</p>');
  return i >= 0 ? xml.slice(0, i) + '</p' + xml.slice(i + 4) : xml.replace('</front>', '</frnt>');
}

// ---------------------------------------------------------------- S3 listing (pure)

function lowerBound(keys: readonly string[], x: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (keys[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}

export function listObjectsV2(c: Corpus, prefix: string, delimiter: string, maxKeys: number, after: string | null):
  { prefixes: string[]; contents: string[]; truncated: boolean; next: string | null } {
  const prefixes: string[] = [];
  const contents: string[] = [];
  let i = lowerBound(c.keys, after && after > prefix ? after : prefix);
  let last: string | null = null;
  for (; i < c.keys.length; i++) {
    const key = c.keys[i];
    if (!key.startsWith(prefix)) break;
    if (after && (key <= after || (after.endsWith(delimiter || '\u0000') && key.startsWith(after)))) continue;
    const rest = key.slice(prefix.length);
    const d = delimiter ? rest.indexOf(delimiter) : -1;
    const entry = d >= 0 ? prefix + rest.slice(0, d + delimiter.length) : key;
    if (entry === last) continue;
    if (prefixes.length + contents.length >= maxKeys) return { prefixes, contents, truncated: true, next: last };
    if (d >= 0) prefixes.push(entry); else contents.push(entry);
    last = entry;
  }
  return { prefixes, contents, truncated: false, next: null };
}

// ---------------------------------------------------------------- server

interface Reply { status: number; headers?: Record<string, string>; body: Buffer; fault?: string; md5able?: boolean; overBudget?: boolean }

const xmlReply = (status: number, s: string, extra?: Partial<Reply>): Reply =>
  ({ status, headers: { 'content-type': 'text/xml; charset=UTF-8' }, body: Buffer.from(s, 'utf8'), ...extra });

export async function startLoopbackPmc(opts: LoopbackOptions): Promise<LoopbackServer> {
  let corpus = opts.corpus ?? (opts.dir ? loadBucketDir(opts.dir) : null);
  if (!corpus) throw new Error('startLoopbackPmc: give `dir` or `corpus`');
  if (opts.replicate) corpus = replicateCorpus(corpus, opts.replicate, opts.replicateFirstId);
  const c = corpus;
  const rand = seededRandom(opts.seed ?? 1);
  const faults = opts.faults ?? {};
  const faultServices = new Set(opts.faultServices ?? ['eutils', 's3']);
  const rps = opts.rps ?? 3;
  const rpsKey = opts.rpsApiKey ?? Math.max(10, rps);
  const slowMs = opts.slowMs ?? 1500;
  const searchCap = opts.searchCap ?? 10_000;
  const log: LogEntry[] = [];
  const eutilsArrivals: number[] = [];
  const history = new Map<string, string[]>();
  const pathCounts = new Map<string, number>();
  const md5Keys = new Set(opts.md5Keys ?? []);
  const t0 = performance.now();

  const missing = opts.s3MissingXml;
  const xmlHidden = (pmcid: string): boolean => {
    if (Array.isArray(missing)) return missing.includes(pmcid);
    if (typeof missing === 'number' && missing > 0) {
      const h = createHash('md5').update(pmcid).digest().readUInt32BE(0) / 2 ** 32;
      return h < missing;
    }
    return false;
  };
  const roll = (rate: number | undefined) => !!rate && rand() < rate;

  // ---------------- E-utilities
  function overBudget(t: number, hasKey: boolean): { over: boolean; count: number; limit: number } {
    eutilsArrivals.push(t);
    let n = 0;
    for (let i = eutilsArrivals.length - 1; i >= 0 && t - eutilsArrivals[i] < 1000; i--) n++;
    const limit = hasKey ? rpsKey : rps;
    return { over: n > limit, count: n, limit };
  }

  function retryAfter(headers: Record<string, string>): void {
    if (rand() >= (opts.retryAfterProbability ?? 0.5)) return;
    const sec = opts.retryAfterSeconds ?? 1;
    headers['retry-after'] = opts.retryAfterForm === 'http-date' ? new Date(Date.now() + sec * 1000).toUTCString() : String(sec);
  }

  function rateLimited(count: number, limit: number, key: string | null, extra: Partial<Reply>): Reply {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    retryAfter(headers);
    const body = JSON.stringify({ error: 'API rate limit exceeded', 'api-key': key ?? '127.0.0.1', count: String(count), limit: String(limit) });
    return { status: 429, headers, body: Buffer.from(body), ...extra };
  }

  function eutils(endpoint: string, p: URLSearchParams): Reply {
    if ((p.get('db') ?? '') !== 'pmc') return xmlReply(200, `<eSearchResult><ERROR>Invalid db name specified: ${esc(p.get('db') ?? '')}</ERROR></eSearchResult>`);
    if (!p.get('tool') || !p.get('email')) {
      // NCBI answers without them, but a client that omits them is violating policy: make that visible.
      return xmlReply(400, '<eSearchResult><ERROR>tool and email are required by the loopback server</ERROR></eSearchResult>');
    }
    if (endpoint === 'esearch') {
      const retstart = Number(p.get('retstart') ?? 0);
      const retmax = Number(p.get('retmax') ?? 20);
      let ids: string[];
      let hist: { webEnv: string; queryKey: string } | null = null;
      const webEnv = p.get('WebEnv');
      if (webEnv && p.get('query_key') && !p.get('term')) {
        const stored = history.get(`${webEnv}#${p.get('query_key')}`);
        if (!stored) return xmlReply(200, '<eSearchResult><ERROR>Unable to obtain query #1</ERROR></eSearchResult>');
        ids = stored;
        hist = { webEnv, queryKey: p.get('query_key')! };
      } else {
        ids = searchCorpus(c, p.get('term') ?? '', p.get('mindate'), p.get('maxdate'));
        if (p.get('usehistory') === 'y') {
          hist = { webEnv: `MCID_${randomBytes(12).toString('hex')}`, queryKey: '1' };
          history.set(`${hist.webEnv}#1`, ids);
        }
      }
      if (retstart + Math.min(retmax, 1) > searchCap) {
        return xmlReply(200, `<eSearchResult><ERROR>Search Backend failed: retstart ${retstart} exceeds ${searchCap}</ERROR></eSearchResult>`);
      }
      const page = ids.slice(retstart, retstart + Math.min(retmax, searchCap - retstart));
      return xmlReply(200, esearchXml(ids.length, retstart, page, hist, p.get('term') ?? ''));
    }
    const idParam = p.get('id');
    let uids: string[] = idParam ? idParam.split(',').map((s) => s.trim().replace(/^PMC/i, '')).filter(Boolean) : [];
    if (!idParam && p.get('WebEnv') && p.get('query_key')) {
      const stored = history.get(`${p.get('WebEnv')}#${p.get('query_key')}`) ?? [];
      const rs = Number(p.get('retstart') ?? 0);
      uids = stored.slice(rs, rs + Number(p.get('retmax') ?? 20));
    }
    if (uids.length === 0) return xmlReply(200, `<eSummaryResult><ERROR>Empty id list - nothing todo</ERROR></eSummaryResult>`);
    const arts = uids.map((u) => c.byPmcid.get(`PMC${u}`)).filter((a): a is CorpusArticle => !!a && !!a.xml);
    if (endpoint === 'efetch') {
      const parts = arts.map((a) => { const x = stripProlog(a.xml); return roll(faults.corruptArticle) ? corrupt(x) : x; });
      return xmlReply(200, '<?xml version="1.0" ?>\n<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" "https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n' +
        `<pmc-articleset>${parts.join('\n')}</pmc-articleset>\n`);
    }
    if (endpoint === 'esummary') {
      const result: Record<string, unknown> = { uids: arts.map((a) => a.pmcid.slice(3)) };
      for (const a of arts) {
        result[a.pmcid.slice(3)] = {
          uid: a.pmcid.slice(3), pubdate: a.pubDate.replace(/\//g, ' '), epubdate: a.pubDate.replace(/\//g, ' '), title: a.title,
          articleids: [{ idtype: 'pmcid', value: a.pmcid }, ...(a.meta.doi ? [{ idtype: 'doi', value: String(a.meta.doi) }] : []),
                       ...(a.meta.pmid ? [{ idtype: 'pmid', value: String(a.meta.pmid) }] : [])],
        };
      }
      return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ header: { type: 'esummary', version: '0.3' }, result })) };
    }
    return xmlReply(400, '<ERROR>unknown endpoint</ERROR>');
  }

  // ---------------- S3
  function s3(path: string, p: URLSearchParams): Reply {
    const key = decodeURIComponent(path.replace(/^\/+/, ''));
    if (key === '' && p.get('list-type') === '2') {
      const prefix = p.get('prefix') ?? '';
      const delimiter = p.get('delimiter') ?? '';
      const maxKeys = Math.min(Number(p.get('max-keys') ?? 1000), opts.s3MaxKeys ?? 1000);
      const token = p.get('continuation-token');
      const after = token ? Buffer.from(token, 'base64url').toString('utf8') : p.get('start-after');
      const r = listObjectsV2(c, prefix, delimiter, maxKeys, after);
      const contents = r.contents.filter((k) => !hidden(k)).map((k) => {
        const o = c.objects.get(k)!;
        return `<Contents><Key>${esc(k)}</Key><LastModified>2026-08-01T00:00:00.000Z</LastModified><ETag>&quot;${o.md5}&quot;</ETag><Size>${o.bytes.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      });
      return xmlReply(200, '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Name>${BUCKET}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${contents.length + r.prefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
        (delimiter ? `<Delimiter>${esc(delimiter)}</Delimiter>` : '') + `<IsTruncated>${r.truncated}</IsTruncated>` +
        (token ? `<ContinuationToken>${esc(token)}</ContinuationToken>` : '') +
        (r.truncated && r.next ? `<NextContinuationToken>${Buffer.from(r.next).toString('base64url')}</NextContinuationToken>` : '') +
        contents.join('') + r.prefixes.map((x) => `<CommonPrefixes><Prefix>${esc(x)}</Prefix></CommonPrefixes>`).join('') +
        '</ListBucketResult>');
    }
    const o = c.objects.get(key);
    if (!o || hidden(key)) {
      return xmlReply(404, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${esc(key)}</Key></Error>`);
    }
    const type = key.endsWith('.json') ? 'application/json' : key.endsWith('.xml') ? 'text/xml' : 'application/octet-stream';
    return { status: 200, headers: { 'content-type': type, etag: `"${o.md5}"` }, body: o.bytes, md5able: !key.startsWith('metadata/') };
  }
  function hidden(key: string): boolean {
    const m = /^(PMC\d+)\.(\d+)\/\1\.\2\.xml$/.exec(key);
    return !!m && xmlHidden(m[1]);
  }

  // ---------------- transport + faults
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t = performance.now() - t0;
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const params = new URLSearchParams(u.search);
    if (req.method === 'POST') for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params.set(k, v);

    if (u.pathname.startsWith('/_loopback/')) {
      const body = u.pathname === '/_loopback/log' ? JSON.stringify(log) : JSON.stringify({ maxInWindow: maxArrivalsInWindow(eutilsArrivals), requests: log.length });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const eu = /^\/entrez\/eutils\/(esearch|efetch|esummary)\.fcgi$/.exec(u.pathname);
    const service: LogEntry['service'] = eu ? 'eutils' : 's3';
    const entry: LogEntry = { t, service, method: req.method ?? 'GET', path: u.pathname + (u.search.length > 2000 ? u.search.slice(0, 2000) + '…' : u.search), status: 0 };
    log.push(entry);

    let reply: Reply;
    const faulty = faultServices.has(service);
    const count = (pathCounts.get(u.pathname + u.search) ?? 0) + 1;
    pathCounts.set(u.pathname + u.search, count);
    // a scripted fault for this request, else the seeded random draws
    const planned = opts.decideFault?.({ service, path: u.pathname + u.search, count }) ?? null;
    const pick = (name: FaultName, rate: number | undefined) => (planned ? planned === name : faulty && roll(rate));
    if (pick('hang', faults.hang)) { entry.fault = 'hang'; return; }      // read, never answered
    if (eu) {
      const budget = overBudget(t, !!params.get('api_key'));
      if (budget.over) reply = rateLimited(budget.count, budget.limit, params.get('api_key'), { overBudget: true });
      else if (pick('reset', faults.reset)) { entry.fault = 'reset'; req.socket.destroy(); return; }
      else if (pick('429', faults.http429)) reply = rateLimited(budget.count, budget.limit, params.get('api_key'), { fault: '429' });
      else if (pick('5xx', faults.http5xx)) reply = xmlReply(rand() < 0.5 ? 500 : 502, '<html><body>Bad Gateway</body></html>', { fault: '5xx' });
      else if (pick('eutils_error', faults.eutilsError)) reply = xmlReply(200, `<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult><ERROR>Search Backend failed: Couldn't resolve #exec_cgi</ERROR></eSearchResult>`, { fault: 'eutils_error' });
      else reply = eutils(eu[1], params);
    } else if (u.pathname === `/${BUCKET}` || u.pathname.startsWith(`/${BUCKET}/`)) {
      if (pick('reset', faults.reset)) { entry.fault = 'reset'; req.socket.destroy(); return; }
      else if (pick('429', faults.http429)) {
        const headers: Record<string, string> = { 'content-type': 'application/xml' };
        retryAfter(headers);
        reply = { status: 503, headers, body: Buffer.from('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'), fault: '429' };
      }
      else if (pick('5xx', faults.http5xx)) reply = xmlReply(500, '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>', { fault: '5xx' });
      else reply = s3(u.pathname.slice(BUCKET.length + 1), params);
    } else {
      reply = xmlReply(404, '<Error><Code>NoSuchBucket</Code></Error>');
    }

    if (reply.status === 200 && pick('slow', faults.slow)) { entry.fault = 'slow'; await new Promise((r) => setTimeout(r, slowMs)); }
    let keyOf = '';
    try { keyOf = decodeURIComponent(u.pathname.slice(BUCKET.length + 2)); } catch { /* not a key */ }
    if (reply.md5able && reply.body.length > 0 && (md5Keys.has(keyOf) || pick('md5', faults.md5))) {
      const b = Buffer.from(reply.body);
      b[b.length >> 1] ^= 0xff;
      reply = { ...reply, body: b, fault: 'md5' };
    }
    entry.status = reply.status;
    if (reply.fault) entry.fault = reply.fault;
    if (reply.overBudget) entry.overBudget = true;
    if (res.destroyed || req.socket.destroyed) return;
    const headers = { ...reply.headers, 'content-length': String(reply.body.length) };
    if (reply.status === 200 && reply.body.length > 1 && pick('truncate', faults.truncate)) {
      entry.fault = 'truncate';
      res.writeHead(reply.status, headers);
      res.write(reply.body.subarray(0, reply.body.length >> 1), () => res.socket?.destroy());
      return;
    }
    res.writeHead(reply.status, headers).end(reply.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e?.stack ?? e));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()); });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    eutilsUrl: `${url}/entrez/eutils`,
    s3Url: `${url}/${BUCKET}`,
    log,
    corpus: c,
    maxInWindow: (w = 1000) => maxArrivalsInWindow(eutilsArrivals, w),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// ---------------------------------------------------------------- CLI

function parseArgs(argv: string[]): LoopbackOptions {
  const o: LoopbackOptions = { faults: {} };
  const num = (v: string | undefined, name: string) => { const n = Number(v); if (v === undefined || Number.isNaN(n)) throw new Error(`${name} needs a number`); return n; };
  const faultFlags: Record<string, keyof FaultRates> = {
    '--fault-429': 'http429', '--fault-5xx': 'http5xx', '--fault-reset': 'reset', '--fault-truncate': 'truncate',
    '--fault-md5': 'md5', '--fault-error': 'eutilsError', '--fault-slow': 'slow', '--fault-corrupt-article': 'corruptArticle',
    '--fault-hang': 'hang',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a in faultFlags) { o.faults![faultFlags[a]] = num(v, a); i++; continue; }
    switch (a) {
      case '--dir': o.dir = v; i++; break;
      case '--port': o.port = num(v, a); i++; break;
      case '--rps': o.rps = num(v, a); i++; break;
      case '--rps-api-key': o.rpsApiKey = num(v, a); i++; break;
      case '--seed': o.seed = num(v, a); i++; break;
      case '--slow-ms': o.slowMs = num(v, a); i++; break;
      case '--retry-after': o.retryAfterSeconds = num(v, a); i++; break;
      case '--retry-after-date': o.retryAfterForm = 'http-date'; break;
      case '--replicate': o.replicate = num(v, a); i++; break;
      case '--s3-max-keys': o.s3MaxKeys = num(v, a); i++; break;
      case '--search-cap': o.searchCap = num(v, a); i++; break;
      case '--s3-missing-xml': o.s3MissingXml = num(v, a); i++; break;
      case '--help': case '-h':
        process.stderr.write('usage: npx tsx scripts/loopback-pmc/server.ts --dir <bucket folder> [--port 0] [--rps 3] [--rps-api-key 10]\n' +
          '  [--fault-429 r] [--fault-5xx r] [--fault-reset r] [--fault-truncate r] [--fault-md5 r] [--fault-error r]\n' +
          '  [--fault-slow r --slow-ms ms] [--fault-corrupt-article r] [--fault-hang r] [--seed n] [--retry-after s] [--retry-after-date]\n' +
          '  [--replicate n]\n' +
          '  [--s3-max-keys n] [--search-cap n] [--s3-missing-xml fraction]\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!o.dir) throw new Error('--dir is required');
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const o = parseArgs(process.argv.slice(2));
  const s = await startLoopbackPmc(o);
  // stdout: one JSON line a script can parse; stderr: the human line.
  process.stdout.write(JSON.stringify({ url: s.url, eutilsUrl: s.eutilsUrl, s3Url: s.s3Url, articles: s.corpus.latest.length }) + '\n');
  process.stderr.write(`loopback PMC on ${s.url}  (--eutils-url ${s.eutilsUrl} --s3-url ${s.s3Url}; ${s.corpus.latest.length} articles, ` +
    `E-utilities budget ${o.rps ?? 3}/s keyless, ${o.rpsApiKey ?? Math.max(10, o.rps ?? 3)}/s with api_key; request log at ${s.url}/_loopback/log)\n`);
  const stop = () => { void s.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
