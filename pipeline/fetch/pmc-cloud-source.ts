// ArticleSource over the live 2026 PMC services: E-utilities esearch lists PMCIDs; the PMC Cloud S3
// bucket provides versions, metadata, JATS and media (md5-verified); efetch is the XML fallback when
// the bucket lacks it. Policy decisions come from policy.ts (admitArticle); this file only maps
// outcomes onto LoadResult: 'package' | 'drop' (permanent, reason code) | 'transient' (next run).
import { PmcMetadata } from '../../schemas/pmc-metadata.ts';
import { admitArticle } from './policy.ts';
import { LICENCE_PRESETS } from '../core/licence.ts';
import type { ArticlePackage, ArticleSource, LoadResult, MediaFile, SourceItem } from './source.ts';
import { RemoteError } from '../client/errors.ts';
import { HttpClient, type Clock, type HttpClientOptions } from '../client/http.ts';
import { createConcurrencyLimiter, processNcbiBudget, type RequestBudget } from '../client/budget.ts';
import { Eutils, buildCaseReportQuery, normalisePmcid, searchPmcIds, toEutilsDate, type DateWindow } from '../client/eutils.ts';
import { PmcBucket } from '../client/s3.ts';
import { EfetchBatcher } from './efetch-batcher.ts';
import { createProgress, type FetchSummary, type ProgressReporter } from './progress.ts';

export interface PmcCloudSourceOptions {
  eutilsUrl: string;
  s3Url: string;
  email: string;
  tool: string;
  apiKey?: string;
  /** Free-text terms ANDed onto the OA case-report query (or a complete term when rawQuery). */
  query: string;
  /**
   * The first `limit` PMCIDs of the search, in the order esearch returns them, stored or not: the
   * same search with nothing new published lists the same articles, so a rerun changes nothing.
   */
  limit?: number;
  /** At most this many PMCIDs that `skip` does not skip ("N more"), taken in search order. */
  newLimit?: number;
  since?: string;             // YYYY-MM-DD → mindate (pdat)
  until?: string;             // YYYY-MM-DD → maxdate; default today
  /** Licence codes ("CC BY") and/or preset names ("all_cc", "commercial_safe"). */
  licences: string[];
  /** "Only PMCIDs not yet stored": true ⇒ not listed at all (no S3 or NCBI cost). */
  skip?: (pmcid: string) => boolean;
  progress?: boolean;

  // ---- advanced (tests, bench, loopback) ----
  rawQuery?: boolean;
  excludeReviews?: boolean;
  /**
   * Also narrow the search by licence filters. Off by default: then articles with a disallowed
   * licence are listed and dropped with a `licence_not_allowed` decision row (auditable) instead of
   * silently never appearing.
   */
  licenceQueryFilter?: boolean;
  /** Share a budget explicitly; default: the process-wide NCBI budget. */
  budget?: RequestBudget;
  requestsPerSecond?: number;
  safetyMargin?: number;
  http?: HttpClientOptions;
  s3Concurrency?: number;
  versionLookupConcurrency?: number;
  efetchBatchSize?: number;
  searchPageSize?: number;
  searchCap?: number;
  md5Attempts?: number;
  /** Media files larger than this are left out (`media_too_large`), never downloaded whole. */
  maxMediaBytes?: number;
  s3MaxKeys?: number;
  clock?: Clock;
  progressStream?: NodeJS.WriteStream;
}

export const CANONICAL_EFETCH = 'https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi';

/** "all_cc" → its codes; codes pass through; de-duplicated, order kept. */
export function expandLicences(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of list) for (const c of LICENCE_PRESETS[l] ?? [l]) if (!out.includes(c)) out.push(c);
  return out;
}

export function parseHint(hint: string | undefined): { pmcid: string; version: number } | null {
  const m = hint ? /^(PMC\d+)\.(\d+)$/.exec(hint) : null;
  return m ? { pmcid: m[1], version: Number(m[2]) } : null;
}

const drop = (reason: string, rule: string, detail?: Record<string, unknown>): LoadResult => ({ kind: 'drop', reason, rule, detail });
const transient = (e: unknown): LoadResult =>
  ({ kind: 'transient', error: e instanceof RemoteError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e) });

/** Runs `fn` over items with at most `n` in flight, yielding results in input order. */
async function* mapOrdered<T, R>(items: AsyncIterable<T>, n: number, fn: (t: T) => Promise<R>): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  for await (const it of items) {
    window.push(fn(it));
    if (window.length >= n) yield await window.shift()!;
  }
  while (window.length) yield await window.shift()!;
}

export class PmcCloudSource implements ArticleSource {
  readonly name = 'pmc-cloud';
  readonly drawsProgress: boolean;
  readonly eutils: Eutils;
  readonly bucket: PmcBucket;
  readonly budget: RequestBudget;
  readonly progress: ProgressReporter;
  private readonly http: HttpClient;
  private readonly o: PmcCloudSourceOptions;
  private readonly licences: string[];
  private readonly batcher: EfetchBatcher;
  private readonly budgetAtStart: number;

  constructor(o: PmcCloudSourceOptions) {
    this.o = o;
    this.licences = expandLicences(o.licences);
    if (this.licences.length === 0) throw new Error('licences: the allow-list is empty');
    this.progress = createProgress({ enabled: o.progress ?? false, stream: o.progressStream });
    this.drawsProgress = o.progress ?? false;
    const eutilsBase = o.eutilsUrl.replace(/\/+$/, '');
    this.http = new HttpClient({
      ...o.http,
      clock: o.clock ?? o.http?.clock,
      onEvent: (e) => {
        this.progress.http(e.url.startsWith(eutilsBase) ? 'ncbi' : 's3', e);
        o.http?.onEvent?.(e);
      },
    });
    this.budget = o.budget ?? processNcbiBudget({ apiKey: o.apiKey, requestsPerSecond: o.requestsPerSecond, safetyMargin: o.safetyMargin });
    this.budgetAtStart = this.budget.started();
    this.eutils = new Eutils({ baseUrl: eutilsBase, tool: o.tool, email: o.email, apiKey: o.apiKey, http: this.http, budget: this.budget });
    this.bucket = new PmcBucket({
      baseUrl: o.s3Url, http: this.http, schedule: createConcurrencyLimiter(o.s3Concurrency ?? 8),
      md5Attempts: o.md5Attempts, maxKeys: o.s3MaxKeys,
    });
    const batch = o.efetchBatchSize ?? 20;
    this.batcher = new EfetchBatcher((ids) => this.eutils.efetchArticles(ids, batch), batch);
  }

  term(): string {
    if (this.o.rawQuery) return this.o.query;
    return buildCaseReportQuery({ terms: this.o.query, excludeReviews: this.o.excludeReviews,
                                 licences: this.o.licenceQueryFilter ? this.licences : undefined });
  }

  window(): DateWindow {
    const today = new Date(this.o.clock?.now() ?? Date.now());
    return { from: this.o.since ? toEutilsDate(this.o.since) : '1900/01/01', to: this.o.until ? toEutilsDate(this.o.until) : toEutilsDate(today) };
  }

  /** PMCIDs from esearch (the first `limit`), minus skipped ones (at most `newLimit` kept), each with its latest bucket version as the hint. */
  async *list(): AsyncIterable<SourceItem> {
    const limit = this.o.limit ?? Infinity;
    const newLimit = this.o.newLimit ?? Infinity;
    const self = this;
    const seen = new Set<string>();
    async function* wanted(): AsyncGenerator<string> {
      let listed = 0;
      let fresh = 0;
      // the first page is sized for what is wanted: --limit N needs N ids; --new N at least N
      const want = Math.min(limit, newLimit);
      for await (const uid of searchPmcIds(self.eutils, {
        term: self.term(), window: self.window(), limit: Number.isFinite(want) ? want : undefined,
        pageSize: self.o.searchPageSize, cap: self.o.searchCap,
      })) {
        const pmcid = normalisePmcid(uid);
        if (seen.has(pmcid)) continue;
        seen.add(pmcid);
        // --limit counts search results, stored ones included: "the first N of the search"
        listed++;
        if (!self.o.skip?.(pmcid)) { yield pmcid; fresh++; }
        if (listed >= limit || fresh >= newLimit) return;   // before the generator asks for another page
      }
    }
    for await (const item of mapOrdered(wanted(), this.o.versionLookupConcurrency ?? 8, (p) => this.itemFor(p))) {
      this.progress.listed();
      yield item;
    }
  }

  /** The hint carries the version so a newer version changes the runner's input hash. */
  private async itemFor(pmcid: string): Promise<SourceItem> {
    try {
      const versions = await this.bucket.listVersions(pmcid);
      return { key: pmcid, hint: `${pmcid}.${versions.length ? versions[versions.length - 1] : 0}` };
    } catch {
      return { key: pmcid };   // load() looks the version up again; a failure there is 'transient'
    }
  }

  async load(item: SourceItem): Promise<LoadResult> {
    const r = await this.loadInner(item);
    this.progress.result(r.kind, r.kind === 'package' ? packageBytes(r.pkg) : 0, r.kind === 'drop' ? r.reason : undefined);
    return r;
  }

  private async loadInner(item: SourceItem): Promise<LoadResult> {
    let pmcid: string;
    try { pmcid = normalisePmcid(item.key); } catch { return drop('invalid_pmcid', 'fetch.source.pmcid', { key: item.key }); }
    try {
      const version = await this.resolveVersion(pmcid, item.hint);
      if (version === 0) return drop('not_in_pmc_cloud', 'fetch.s3.versions', { pmcid });

      const { raw, url } = await this.bucket.getMetadataRaw(pmcid, version);
      const meta = parseMetadata(raw);
      if (!meta || meta.pmcid !== pmcid || meta.version !== version) {
        return drop('metadata_invalid', 'fetch.s3.metadata_schema', { pmcid, version, url: `s3://pmc-oa-opendata/metadata/${pmcid}.${version}.json` });
      }
      const exclusion = admitArticle(meta, this.licences);
      if (exclusion) return drop(exclusion.reason, exclusion.rule, exclusion.detail);

      const xml = await this.loadXml(meta);
      if ('kind' in xml) return xml;
      const notes: NonNullable<ArticlePackage['notes']> = [];
      let metadata = meta;
      if (xml.fromEfetch) {
        // The bucket md5 describes the bucket's file, not efetch's bytes: the package must not claim it.
        metadata = { ...meta, xml_url: null };
        notes.push({ reason: 'xml_from_efetch', rule: 'fetch.xml.efetch_fallback', detail: { xml_url: meta.xml_url } });
      }
      const media: MediaFile[] = [];
      for (const r of await Promise.all(meta.media_urls.map((u) => this.loadMedia(u)))) {
        if ('missing' in r) notes.push({ reason: 'media_missing', rule: 'fetch.s3.media', detail: { file: r.missing } });
        else if ('tooLarge' in r) notes.push({ reason: 'media_too_large', rule: 'fetch.s3.media_size', detail: { file: r.tooLarge, max: this.o.maxMediaBytes } });
        else media.push(r);
      }
      const pkg: ArticlePackage = { pmcid, version, metadata, metadataRaw: raw, xml: xml.bytes, xmlSourceUrl: xml.sourceUrl, media };
      if (notes.length) pkg.notes = notes;
      return { kind: 'package', pkg };
    } catch (e) {
      if (e instanceof RemoteError && e.code === 'md5_mismatch') {
        return drop('md5_mismatch', 'fetch.s3.md5', { url: e.url, message: e.message });
      }
      // everything else (a metadata 404 right after a listing included) may pass: retried next run
      return transient(e);
    }
  }

  private async resolveVersion(pmcid: string, hint: string | undefined): Promise<number> {
    const h = parseHint(hint);
    if (h && h.pmcid === pmcid) return h.version;
    const versions = await this.bucket.listVersions(pmcid);
    return versions.length ? versions[versions.length - 1] : 0;
  }

  /** JATS from the bucket; efetch when the bucket has no XML for this version. */
  private async loadXml(meta: PmcMetadata): Promise<{ bytes: Buffer; sourceUrl: string; fromEfetch: boolean } | LoadResult> {
    if (meta.xml_url) {
      try {
        const v = await this.bucket.getVerified(meta.xml_url);
        return { bytes: v.bytes, sourceUrl: v.ref.canonical, fromEfetch: false };
      } catch (e) {
        if (!(e instanceof RemoteError && e.code === 'not_found')) throw e;
      }
    }
    const a = await this.batcher.get(meta.pmcid);
    if (!a) return transient(new RemoteError('bad_response', `efetch did not return a usable ${meta.pmcid}`, { retryable: true }));
    if (a.restricted) return drop('full_text_restricted', 'fetch.efetch.restricted', { pmcid: meta.pmcid });
    // Canonical NCBI URL, not the configured base: provenance must not depend on a loopback port.
    return { bytes: Buffer.from(a.xml, 'utf8'), sourceUrl: `${CANONICAL_EFETCH}?db=pmc&id=${meta.pmcid.slice(3)}`, fromEfetch: true };
  }

  /** A listed file the bucket does not have is noted, not fatal (the article may still be usable). */
  private async loadMedia(u: string): Promise<MediaFile | { missing: string } | { tooLarge: string }> {
    try {
      const v = await this.bucket.getVerified(u, this.o.maxMediaBytes);
      return { name: v.ref.name, bytes: v.bytes, md5Expected: v.ref.md5, sourceUrl: v.ref.canonical };
    } catch (e) {
      if (e instanceof RemoteError && e.code === 'not_found') return { missing: u };
      if (e instanceof RemoteError && e.code === 'too_large') return { tooLarge: u };
      throw e;
    }
  }

  summary(): FetchSummary {
    const s = this.progress.summary();
    // What NCBI counts is attempts started through the budget (a reset attempt has no response event).
    return { ...s, ncbiRequests: this.budget.started() - this.budgetAtStart, md5Retries: this.bucket.md5Retries };
  }

  async close(): Promise<void> {
    this.progress.finish();
    await this.http.close();
  }
}

function parseMetadata(raw: Buffer): PmcMetadata | null {
  try {
    const r = PmcMetadata.safeParse(JSON.parse(raw.toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function packageBytes(p: ArticlePackage): number {
  return p.xml.length + p.media.reduce((n, m) => n + m.bytes.length, 0);
}

/** The one entry point the fetch stage/CLI uses. */
export function createPmcCloudSource(opts: PmcCloudSourceOptions): PmcCloudSource {
  return new PmcCloudSource(opts);
}
