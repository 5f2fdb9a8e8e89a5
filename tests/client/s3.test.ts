import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PmcBucket, md5Hex, parseListObjects, resolveObjectUrl, versionsFromPrefixes } from '../../pipeline/client/s3.ts';
import { createConcurrencyLimiter } from '../../pipeline/client/budget.ts';
import { HttpClient } from '../../pipeline/client/http.ts';
import { RemoteError } from '../../pipeline/client/errors.ts';
import { startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { articleFiles, makeBucket } from '../fetch/helpers.ts';

describe('bucket wire formats (pure)', () => {
  it('parses ListObjectsV2 with CommonPrefixes, Contents and a continuation token', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>pmc-oa-opendata</Name><Prefix>PMC176545.</Prefix>
<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
<Contents><Key>PMC176545.1.txt</Key><LastModified>2026-08-01T00:00:00.000Z</LastModified><ETag>"9b2cf535f27731c974343645a3985328"</ETag><Size>12</Size></Contents>
<CommonPrefixes><Prefix>PMC176545.1/</Prefix></CommonPrefixes></ListBucketResult>`;
    const p = parseListObjects(xml);
    expect(p).toEqual({
      commonPrefixes: ['PMC176545.1/'],
      contents: [{ key: 'PMC176545.1.txt', size: 12, etag: '9b2cf535f27731c974343645a3985328' }],
      isTruncated: true, nextContinuationToken: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
    });
    expect(() => parseListObjects('<html/>')).toThrow(RemoteError);
  });

  it('picks versions of exactly this PMCID', () => {
    expect(versionsFromPrefixes('PMC12', ['PMC12.1/', 'PMC12.10/', 'PMC12.2/', 'PMC123.1/', 'PMC12.x/'])).toEqual([1, 2, 10]);
  });

  it('rewrites s3:// URLs onto the configured base and keeps the md5', () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    const r = resolveObjectUrl(`s3://pmc-oa-opendata/PMC123.2/fig 1.jpg?md5=${md5}`, 'http://127.0.0.1:9/pmc-oa-opendata/');
    expect(r).toEqual({ canonical: `s3://pmc-oa-opendata/PMC123.2/fig 1.jpg?md5=${md5}`, key: 'PMC123.2/fig 1.jpg', name: 'fig 1.jpg',
                        md5, url: 'http://127.0.0.1:9/pmc-oa-opendata/PMC123.2/fig%201.jpg' });
    expect(resolveObjectUrl('https://pmc-oa-opendata.s3.amazonaws.com/PMC1.1/PMC1.1.xml', 'https://x').key).toBe('PMC1.1/PMC1.1.xml');
    expect(resolveObjectUrl('https://s3.amazonaws.com/pmc-oa-opendata/PMC1.1/a.jpg?md5=zz', 'https://x')).toMatchObject({ key: 'PMC1.1/a.jpg', md5: null });
  });
});

describe('PmcBucket against the loopback bucket', () => {
  let server: LoopbackServer;
  let cleanup: () => void;
  let http: HttpClient;
  const files = articleFiles().slice(0, 3);
  beforeAll(async () => {
    const b = makeBucket([{ file: files[0] }, { file: files[0], version: 2 }, { file: files[0], version: 3 }, { file: files[1] }, { file: files[2] }]);
    cleanup = b.cleanup;
    server = await startLoopbackPmc({ dir: b.dir, s3MaxKeys: 1 });
    http = new HttpClient({ retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  });
  afterAll(async () => { await http.close(); await server.close(); cleanup(); });

  it('lists all versions through max-keys=1 pagination', async () => {
    const bucket = new PmcBucket({ baseUrl: server.s3Url, http, schedule: createConcurrencyLimiter(4), maxKeys: 1 });
    const pmcid = server.corpus.latest.find((a) => a.version === 3)!.pmcid;
    const before = server.log.length;
    expect(await bucket.listVersions(pmcid)).toEqual([1, 2, 3]);
    expect(server.log.length - before).toBe(3);
    expect(server.log.slice(before + 1).every((e) => e.path.includes('continuation-token='))).toBe(true);
    expect(await bucket.listVersions('PMC1')).toEqual([]);
  });

  it('downloads with md5 verification; a persistent mismatch becomes md5_mismatch after the retries', async () => {
    const bucket = new PmcBucket({ baseUrl: server.s3Url, http, schedule: createConcurrencyLimiter(4), md5Attempts: 3 });
    const art = server.corpus.latest[0];
    const meta = art.meta as { xml_url: string };
    const ok = await bucket.getVerified(meta.xml_url);
    expect(md5Hex(ok.bytes)).toBe(ok.ref.md5);

    const bad = await startLoopbackPmc({ corpus: server.corpus, faults: { md5: 1 } });
    const b2 = new PmcBucket({ baseUrl: bad.s3Url, http, schedule: createConcurrencyLimiter(4), md5Attempts: 3 });
    const err = await b2.getVerified(meta.xml_url).catch((e) => e);
    expect(err).toMatchObject({ code: 'md5_mismatch', retryable: false });
    expect(bad.log.filter((e) => e.fault === 'md5')).toHaveLength(3);
    expect(b2.md5Retries).toBe(2);
    await bad.close();
  });

  it('slow responses time out and are retried', async () => {
    const slow = await startLoopbackPmc({ corpus: server.corpus, faults: { slow: 0.5 }, slowMs: 1500, seed: 5 });
    const h = new HttpClient({ headersTimeoutMs: 300, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 8 } });
    const bucket = new PmcBucket({ baseUrl: slow.s3Url, http: h, schedule: createConcurrencyLimiter(4) });
    const a = server.corpus.latest[1];
    const got = await Promise.all([1, 2, 3].map(() => bucket.getMetadataRaw(a.pmcid, a.version)));
    expect(got.every((g) => JSON.parse(g.raw.toString()).pmcid === a.pmcid)).toBe(true);
    expect(slow.log.some((e) => e.fault === 'slow')).toBe(true);
    await h.close();
    await slow.close();
  });

  it('404 is a typed not_found', async () => {
    const bucket = new PmcBucket({ baseUrl: server.s3Url, http, schedule: createConcurrencyLimiter(4) });
    await expect(bucket.getMetadataRaw('PMC1', 1)).rejects.toMatchObject({ code: 'not_found', retryable: false });
  });
});
