// NCBI E-utilities for db=pmc: esearch (history server paging, date splitting), efetch (batched JATS,
// per-article parse, broken articles re-fetched singly) and esummary. Every call carries tool/email
// (+api_key) and goes through the ONE process budget; errors hidden in HTTP 200 bodies are raised.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { RemoteError } from './errors.ts';
import type { HttpClient, HttpResponse } from './http.ts';
import type { RequestBudget } from './budget.ts';

export const EUTILS_BASE = 'https://eutils.ncbi.nlm.nih.gov/entrez/eutils';
/** NCBI's documented per-call maximum for retmax and the point past which retstart is refused. */
export const ESEARCH_MAX_RETMAX = 10_000;

// ---------------------------------------------------------------- query builder (pure)

/** PMC filter names for the bucket's license_code values. */
export const LICENCE_FILTERS: Record<string, string> = {
  'CC0': 'cc0 license',
  'CC BY': 'cc by license',
  'CC BY-SA': 'cc by-sa license',
  'CC BY-NC': 'cc by-nc license',
  'CC BY-NC-SA': 'cc by-nc-sa license',
  'CC BY-ND': 'cc by-nd license',
  'CC BY-NC-ND': 'cc by-nc-nd license',
};

export interface CaseReportQuery {
  terms?: string;                 // free text, e.g. disease names; combined with AND
  excludeReviews?: boolean;       // default true
  /** Licence codes to filter on server-side; omitted/empty = no licence filter (policy still applies). */
  licences?: readonly string[];
}

export function buildCaseReportQuery(q: CaseReportQuery = {}): string {
  const parts = ['"case reports"[pt]', '"open access"[filter]'];
  const lic = (q.licences ?? []).map((c) => LICENCE_FILTERS[c]).filter((f): f is string => !!f);
  // Only narrow server-side when it removes something; an "all CC" list would just lengthen the query.
  if (lic.length > 0 && lic.length < Object.keys(LICENCE_FILTERS).length) {
    parts.push(lic.length === 1 ? `"${lic[0]}"[filter]` : `(${lic.map((f) => `"${f}"[filter]`).join(' OR ')})`);
  }
  const terms = q.terms?.trim();
  if (terms) parts.push(`(${terms})`);
  let query = parts.join(' AND ');
  if (q.excludeReviews ?? true) query += ' NOT review[pt]';
  return query;
}

// ---------------------------------------------------------------- dates (pure)

export interface DateWindow { from: string; to: string }  // inclusive, 'YYYY/MM/DD'

const DAY_MS = 86_400_000;

export function toEutilsDate(d: Date | string): string {
  if (typeof d === 'string') {
    const m = /^(\d{4})[-/](\d{2})[-/](\d{2})$/.exec(d.trim());
    if (!m) throw new Error(`not a YYYY-MM-DD date: ${d}`);
    return `${m[1]}/${m[2]}/${m[3]}`;
  }
  return d.toISOString().slice(0, 10).replace(/-/g, '/');
}

function parseEutilsDate(s: string): number {
  const [y, m, d] = s.split('/').map(Number);
  return Date.UTC(y, (m ?? 1) - 1, d ?? 1);
}

export function windowDays(w: DateWindow): number {
  return Math.round((parseEutilsDate(w.to) - parseEutilsDate(w.from)) / DAY_MS) + 1;
}

/** Two non-overlapping halves (so an id dated on the boundary is never listed twice). */
export function splitWindow(w: DateWindow): [DateWindow, DateWindow] | null {
  const days = windowDays(w);
  if (days < 2) return null;
  const mid = parseEutilsDate(w.from) + (Math.floor(days / 2) - 1) * DAY_MS;
  return [
    { from: w.from, to: toEutilsDate(new Date(mid)) },
    { from: toEutilsDate(new Date(mid + DAY_MS)), to: w.to },
  ];
}

// ---------------------------------------------------------------- response checks (pure)

const PERMANENT_ERRORS = /Invalid db name|Neither query_key nor id specified|Empty id list|Invalid uid|Unknown parameter/i;

/** E-utilities report many failures inside HTTP 200 bodies; turn them into SourceErrors. */
export function eutilsBodyError(body: string, url?: string): RemoteError | null {
  const head = body.slice(0, 4096);
  let msg: string | null = null;
  const xml = /<ERROR>([\s\S]*?)<\/ERROR>/.exec(body);
  if (xml) msg = xml[1].trim();
  else if (/Search Backend failed/i.test(head)) msg = head.replace(/\s+/g, ' ').trim().slice(0, 200);
  else if (/^\s*\{/.test(head)) {
    const json = /"(?:error|ERROR)"\s*:\s*"([^"]*)"/.exec(head);
    if (json) msg = json[1];
  }
  if (msg === null) return null;
  return new RemoteError('eutils_error', `E-utilities error: ${msg || '(empty)'}`, { retryable: !PERMANENT_ERRORS.test(msg), url });
}

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  processEntities: false,        // no entity expansion: bodies come from the network
  isArray: (name) => name === 'Id',
  parseTagValue: false,
});

export interface EsearchResult {
  count: number;
  retmax: number;
  retstart: number;
  ids: string[];                 // numeric PMC uids as returned ("6540636")
  webEnv?: string;
  queryKey?: string;
}

export function parseEsearch(body: string, url?: string): EsearchResult {
  const err = eutilsBodyError(body, url);
  if (err) throw err;
  let doc: any;
  try { doc = xmlParser.parse(body); } catch (e) {
    throw new RemoteError('bad_response', `esearch body does not parse: ${(e as Error).message}`, { retryable: true, url, cause: e });
  }
  const r = doc?.eSearchResult;
  if (!r || r.Count === undefined) throw new RemoteError('bad_response', 'esearch body has no <eSearchResult><Count>', { retryable: true, url });
  const ids = (r.IdList && typeof r.IdList === 'object' ? (r.IdList.Id ?? []) : []).map((x: unknown) => String(x).trim());
  return {
    count: Number(r.Count), retmax: Number(r.RetMax ?? ids.length), retstart: Number(r.RetStart ?? 0), ids,
    webEnv: r.WebEnv !== undefined ? String(r.WebEnv) : undefined,
    queryKey: r.QueryKey !== undefined ? String(r.QueryKey) : undefined,
  };
}

/** "PMC123", "pmc123", "123" → "PMC123". */
export function normalisePmcid(id: string): string {
  const m = /^(?:PMC)?(\d+)$/i.exec(id.trim());
  if (!m) throw new Error(`not a PMC id: ${id}`);
  return `PMC${m[1]}`;
}

export interface EfetchArticle {
  pmcid: string;
  xml: string;
  /** Publisher does not allow downloading: no <body>, PMC leaves a comment instead. */
  restricted: boolean;
}

/** Top-level <article> elements of a <pmc-articleset>, as exact substrings (bytes kept verbatim). */
export function splitArticleSet(body: string): string[] {
  const out: string[] = [];
  const open = /<article[\s>]/g;
  let m: RegExpExecArray | null;
  while ((m = open.exec(body))) {
    const end = body.indexOf('</article>', m.index);
    if (end < 0) { out.push(body.slice(m.index)); break; }   // cut-off last article: reported as broken
    out.push(body.slice(m.index, end + '</article>'.length));
    open.lastIndex = end;
  }
  return out;
}

export function articlePmcid(articleXml: string): string | null {
  const m = /<article-id pub-id-type="(?:pmc|pmcid|pmcaid)">\s*(?:PMC)?(\d+)\s*<\/article-id>/i.exec(articleXml);
  return m ? `PMC${m[1]}` : null;
}

/** Parses one article of a set; null when its bytes are broken (not well-formed or no id). */
export function parseEfetchArticle(articleXml: string): EfetchArticle | null {
  const pmcid = articlePmcid(articleXml);
  if (!pmcid) return null;
  if (XMLValidator.validate(articleXml) !== true) return null;
  const restricted = !/<body[\s>]/.test(articleXml) && /does not allow downloading/i.test(articleXml);
  return { pmcid, xml: articleXml, restricted };
}

// ---------------------------------------------------------------- client

export interface EutilsOptions {
  baseUrl?: string;
  tool: string;
  email: string;
  apiKey?: string | null;
  http: HttpClient;
  budget: RequestBudget;
  /** GET up to this many ids, POST beyond (NCBI asks for POST with > ~200 ids). */
  postThreshold?: number;
}

export interface EsearchParams {
  term?: string;
  window?: DateWindow;
  datetype?: string;           // default pdat
  retstart?: number;
  retmax: number;
  usehistory?: boolean;        // default true
  webEnv?: string;
  queryKey?: string;
}

export class Eutils {
  readonly baseUrl: string;
  private readonly o: EutilsOptions;
  private calls = 0;

  constructor(o: EutilsOptions) {
    if (!o.tool || !o.email) throw new Error('E-utilities need `tool` and `email` (NCBI usage policy)');
    this.o = o;
    this.baseUrl = (o.baseUrl ?? EUTILS_BASE).replace(/\/+$/, '');
  }

  /** Logical calls issued (attempts are counted by the budget). */
  get callCount(): number { return this.calls; }

  private async call(endpoint: 'esearch' | 'efetch' | 'esummary', params: Record<string, string | number | undefined>,
                     check?: (res: HttpResponse) => void): Promise<HttpResponse> {
    const all: Record<string, string> = { db: 'pmc' };
    for (const [k, v] of Object.entries(params)) if (v !== undefined) all[k] = String(v);
    all.tool = this.o.tool;
    all.email = this.o.email;
    if (this.o.apiKey) all.api_key = this.o.apiKey;
    const qs = new URLSearchParams(all).toString();
    const url = `${this.baseUrl}/${endpoint}.fcgi`;
    const idCount = (all.id ?? '').split(',').length;
    const post = idCount > (this.o.postThreshold ?? 200);
    this.calls++;
    return this.o.http.request(post ? url : `${url}?${qs}`, {
      method: post ? 'POST' : 'GET',
      body: post ? qs : undefined,
      schedule: this.o.budget.schedule,
      check: (res) => {
        const err = eutilsBodyError(res.body.toString('utf8'), res.url);
        if (err) throw err;
        check?.(res);
      },
    });
  }

  async esearch(p: EsearchParams): Promise<EsearchResult> {
    const params: Record<string, string | number | undefined> = {
      retmax: p.retmax, retstart: p.retstart ?? 0,
    };
    if (p.webEnv && p.queryKey) { params.WebEnv = p.webEnv; params.query_key = p.queryKey; }
    if (p.term !== undefined && !(p.webEnv && p.queryKey)) params.term = p.term;
    if (p.usehistory ?? true) params.usehistory = 'y';
    if (p.window) { params.datetype = p.datetype ?? 'pdat'; params.mindate = p.window.from; params.maxdate = p.window.to; }
    let parsed: EsearchResult | undefined;
    // Parse inside the retried check so a truncated-but-200 body is retried like any other fault.
    await this.call('esearch', params, (res) => { parsed = parseEsearch(res.body.toString('utf8'), res.url); });
    return parsed!;
  }

  /** One efetch call for a batch: the articles that parsed, keyed by PMCID. Missing/broken ids are absent. */
  async efetchBatch(ids: readonly string[]): Promise<Map<string, EfetchArticle>> {
    const uids = ids.map((id) => normalisePmcid(id).slice(3));
    const single = uids.length === 1;
    const out = new Map<string, EfetchArticle>();
    await this.call('efetch', { id: uids.join(','), retmode: 'xml' }, (res) => {
      const body = res.body.toString('utf8');
      if (!/<pmc-articleset[\s>]/.test(body)) {
        throw new RemoteError('bad_response', 'efetch body has no <pmc-articleset>', { retryable: true, url: res.url });
      }
      out.clear();
      for (const a of splitArticleSet(body)) {
        const parsed = parseEfetchArticle(a);
        if (parsed) out.set(parsed.pmcid, parsed);
      }
      // A single-id fetch that comes back broken is a transport-level fault: let the HTTP layer retry it.
      if (single && out.size === 0 && /<article[\s>]/.test(body)) {
        throw new RemoteError('bad_response', `efetch article ${ids[0]} is not well-formed`, { retryable: true, url: res.url });
      }
    });
    return out;
  }

  /**
   * Batched efetch; ids missing or broken in a batch are re-fetched one by one (the set's other
   * articles are kept). Ids still absent after that are simply not in the map.
   */
  async efetchArticles(ids: readonly string[], batchSize = 20): Promise<Map<string, EfetchArticle>> {
    const out = new Map<string, EfetchArticle>();
    const wanted = [...new Set(ids.map(normalisePmcid))];
    for (let i = 0; i < wanted.length; i += batchSize) {
      const batch = wanted.slice(i, i + batchSize);
      const got = await this.efetchBatch(batch);
      for (const [k, v] of got) out.set(k, v);
      for (const id of batch) {
        if (out.has(id) || batch.length === 1) continue;
        try {
          const one = await this.efetchBatch([id]);
          const a = one.get(id);
          if (a) out.set(id, a);
        } catch (e) {
          if (!(e instanceof RemoteError) || !e.retryable) throw e;  // leave this id out; the caller retries later
        }
      }
    }
    return out;
  }

  /** esummary (JSON) records keyed by uid. db=pmc summaries carry title, dates and article ids. */
  async esummary(ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    const uids = ids.map((id) => normalisePmcid(id).slice(3));
    let result: Map<string, Record<string, unknown>> = new Map();
    await this.call('esummary', { id: uids.join(','), retmode: 'json' }, (res) => {
      let doc: any;
      try { doc = JSON.parse(res.body.toString('utf8')); } catch (e) {
        throw new RemoteError('bad_response', 'esummary body is not JSON', { retryable: true, url: res.url, cause: e });
      }
      const r = doc?.result;
      if (!r || !Array.isArray(r.uids)) throw new RemoteError('bad_response', 'esummary JSON has no result.uids', { retryable: true, url: res.url });
      result = new Map(r.uids.map((u: string) => [String(u), r[u] as Record<string, unknown>]));
    });
    return result;
  }
}

// ---------------------------------------------------------------- search with paging and date splitting

export interface SearchOptions {
  term: string;
  window: DateWindow;
  pageSize?: number;        // retmax per call (≤ 10,000)
  cap?: number;             // most ids one search may page through before we split by date
  /**
   * How many ids the consumer expects to need: sizes the first page (50 wanted ⇒ retmax=50) and
   * decides whether a window over the cap must be split. Not a hard stop: the generator is lazy,
   * the consumer stops it (it may need more than `limit` when it skips stored ids).
   */
  limit?: number;
  onSplit?: (w: DateWindow, count: number) => void;
}

/**
 * Yields PMC uids for the query over the window: one esearch page when it suffices; further pages
 * through the history server (WebEnv/query_key); windows whose count exceeds the cap are halved by
 * date, but only when ids beyond the cap are actually needed.
 */
export async function* searchPmcIds(eutils: Eutils, o: SearchOptions): AsyncGenerator<string> {
  const pageSize = Math.min(o.pageSize ?? ESEARCH_MAX_RETMAX, ESEARCH_MAX_RETMAX);
  const cap = Math.min(o.cap ?? ESEARCH_MAX_RETMAX, ESEARCH_MAX_RETMAX);
  const limit = o.limit ?? Infinity;
  let yielded = 0;
  const nextSize = () => { const r = limit - yielded; return r > 0 ? Math.min(pageSize, r) : pageSize; };

  async function* inWindow(w: DateWindow): AsyncGenerator<string> {
    const first = await eutils.esearch({ term: o.term, window: w, retmax: nextSize(), usehistory: true });
    const halves = first.count > cap && limit - yielded > cap ? splitWindow(w) : null;
    if (halves) {
      o.onSplit?.(w, first.count);
      for (const h of halves) yield* inWindow(h);
      return;
    }
    const end = Math.min(first.count, cap);
    let retstart = 0;
    let page = first;
    for (;;) {
      for (const id of page.ids) { yielded++; yield id; }
      retstart += page.ids.length;
      if (page.ids.length === 0 || retstart >= end) return;
      const retmax = Math.min(nextSize(), end - retstart);
      page = first.webEnv && first.queryKey
        ? await eutils.esearch({ webEnv: first.webEnv, queryKey: first.queryKey, retstart, retmax })
        : await eutils.esearch({ term: o.term, window: w, retstart, retmax, usehistory: false });
    }
  }

  yield* inWindow(o.window);
}
