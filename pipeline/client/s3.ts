// The PMC Cloud Service bucket (pmc-oa-opendata) over plain HTTPS: ListObjectsV2 for versions,
// per-version metadata JSON, and md5-verified downloads. Anonymous reads; no AWS SDK needed.
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { RemoteError } from './errors.ts';
import type { HttpClient, Scheduler } from './http.ts';

export const S3_BASE = 'https://pmc-oa-opendata.s3.amazonaws.com';
export const BUCKET = 'pmc-oa-opendata';

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

// ---------------------------------------------------------------- pure helpers

export interface ListObjectsPage {
  commonPrefixes: string[];
  contents: { key: string; size: number; etag: string | null }[];
  isTruncated: boolean;
  nextContinuationToken: string | null;
}

const listParser = new XMLParser({
  ignoreAttributes: true,
  processEntities: true,   // S3 escapes keys (&amp;); the XML is small and has no DTD
  parseTagValue: false,
  isArray: (name) => name === 'CommonPrefixes' || name === 'Contents',
});

export function parseListObjects(body: string, url?: string): ListObjectsPage {
  let doc: any;
  try { doc = listParser.parse(body); } catch (e) {
    throw new RemoteError('bad_response', `ListObjectsV2 body does not parse`, { retryable: true, url, cause: e });
  }
  const r = doc?.ListBucketResult;
  if (!r) throw new RemoteError('bad_response', 'ListObjectsV2 body has no <ListBucketResult>', { retryable: true, url });
  return {
    commonPrefixes: (r.CommonPrefixes ?? []).map((p: any) => String(p.Prefix)),
    contents: (r.Contents ?? []).map((c: any) => ({
      key: String(c.Key), size: Number(c.Size ?? 0), etag: c.ETag ? String(c.ETag).replace(/"/g, '') : null,
    })),
    isTruncated: String(r.IsTruncated) === 'true',
    nextContinuationToken: r.NextContinuationToken ? String(r.NextContinuationToken) : null,
  };
}

/** Versions present for an article, from the CommonPrefixes of `prefix=PMC<n>.&delimiter=/`. */
export function versionsFromPrefixes(pmcid: string, prefixes: readonly string[]): number[] {
  const re = new RegExp(`^${pmcid}\\.(\\d+)/$`);
  const out = prefixes.map((p) => re.exec(p)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1]));
  return [...new Set(out)].sort((a, b) => a - b);
}

export interface ObjectRef {
  /** As written in the metadata (s3://…?md5=…): stable, used for provenance. */
  canonical: string;
  key: string;          // "PMC123.2/file.jpg"
  name: string;         // last path segment, "file.jpg"
  md5: string | null;
  url: string;          // what we actually GET (configured HTTPS base + key)
}

/** Rewrites `s3://pmc-oa-opendata/<key>?md5=<hex>` (or an https URL into the bucket) onto `base`. */
export function resolveObjectUrl(ref: string, base: string): ObjectRef {
  let keyPart: string;
  let query = '';
  const q = ref.indexOf('?');
  const noQuery = q >= 0 ? ref.slice(0, q) : ref;
  if (q >= 0) query = ref.slice(q + 1);
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(noQuery);
  if (s3) keyPart = s3[2];
  else if (/^https?:\/\//.test(noQuery)) {
    const u = new URL(noQuery);
    keyPart = u.pathname.replace(/^\//, '');
    if (keyPart.startsWith(`${BUCKET}/`)) keyPart = keyPart.slice(BUCKET.length + 1);   // path-style URL
  } else keyPart = noQuery.replace(/^\//, '');
  let key: string;
  try { key = decodeURIComponent(keyPart); } catch { key = keyPart; }   // a stray '%' is a literal, not an error
  const md5 = new URLSearchParams(query).get('md5');
  const name = key.split('/').pop() ?? key;
  return {
    canonical: ref, key, name,
    md5: md5 && /^[0-9a-f]{32}$/i.test(md5) ? md5.toLowerCase() : null,
    url: `${base.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`,
  };
}

// ---------------------------------------------------------------- client

export interface PmcBucketOptions {
  baseUrl?: string;
  http: HttpClient;
  /** S3's own concurrency limiter (not the NCBI budget). */
  schedule: Scheduler;
  /** Downloads whose bytes do not match the md5 are retried this many times in all. */
  md5Attempts?: number;
  maxKeys?: number;
}

export interface Verified { bytes: Buffer; ref: ObjectRef }

export class PmcBucket {
  readonly baseUrl: string;
  private readonly o: PmcBucketOptions;
  md5Retries = 0;

  constructor(o: PmcBucketOptions) {
    this.o = o;
    this.baseUrl = (o.baseUrl ?? S3_BASE).replace(/\/+$/, '');
  }

  async listObjects(p: { prefix: string; delimiter?: string; continuationToken?: string | null }): Promise<ListObjectsPage> {
    const qs = new URLSearchParams({ 'list-type': '2', prefix: p.prefix });
    if (p.delimiter) qs.set('delimiter', p.delimiter);
    if (p.continuationToken) qs.set('continuation-token', p.continuationToken);
    if (this.o.maxKeys) qs.set('max-keys', String(this.o.maxKeys));
    let page: ListObjectsPage | undefined;
    await this.o.http.request(`${this.baseUrl}/?${qs}`, {
      schedule: this.o.schedule,
      check: (res) => { page = parseListObjects(res.body.toString('utf8'), res.url); },
    });
    return page!;
  }

  /** All versions of an article in the bucket (ascending); [] when the bucket has none. */
  async listVersions(pmcid: string): Promise<number[]> {
    const prefixes: string[] = [];
    let token: string | null = null;
    do {
      const page: ListObjectsPage = await this.listObjects({ prefix: `${pmcid}.`, delimiter: '/', continuationToken: token });
      prefixes.push(...page.commonPrefixes);
      token = page.isTruncated ? page.nextContinuationToken : null;
    } while (token);
    return versionsFromPrefixes(pmcid, prefixes);
  }

  async getMetadataRaw(pmcid: string, version: number): Promise<{ raw: Buffer; url: string }> {
    const url = `${this.baseUrl}/metadata/${pmcid}.${version}.json`;
    const res = await this.o.http.request(url, { schedule: this.o.schedule });
    return { raw: res.body, url };
  }

  /**
   * GETs an object and checks its md5. A mismatch is retried (bytes can be corrupted in transit or
   * by a bad edge); after md5Attempts it is a permanent `md5_mismatch` (not retryable this run).
   */
  async getVerified(refUrl: string, maxBytes?: number): Promise<Verified> {
    const ref = resolveObjectUrl(refUrl, this.baseUrl);
    const attempts = Math.max(1, this.o.md5Attempts ?? 3);
    let lastMd5 = '';
    for (let i = 1; i <= attempts; i++) {
      const res = await this.o.http.request(ref.url, { schedule: this.o.schedule, maxBytes });
      if (!ref.md5) return { bytes: res.body, ref };
      lastMd5 = md5Hex(res.body);
      if (lastMd5 === ref.md5) return { bytes: res.body, ref };
      if (i < attempts) this.md5Retries++;
    }
    throw new RemoteError('md5_mismatch', `md5 ${lastMd5} != ${ref.md5} for ${ref.key} after ${attempts} attempts`,
      { retryable: false, url: ref.url, attempts });
  }
}
