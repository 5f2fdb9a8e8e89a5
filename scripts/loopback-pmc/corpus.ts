// The loopback server's data: a folder in the PMC Cloud bucket layout, loaded into memory
// (PMC<n>.<v>/PMC<n>.<v>.xml, media files, metadata/PMC<n>.<v>.json), plus helpers to build such a
// folder from plain JATS files and to replicate articles under new PMCIDs (reliability tests).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { licenceCodeFromJats } from '../../pipeline/core/licence.ts';

export const BUCKET = 'pmc-oa-opendata';

export interface BucketObject { key: string; bytes: Buffer; md5: string }

export interface CorpusArticle {
  pmcid: string;
  version: number;
  pubDate: string;              // 'YYYY/MM/DD' (pdat), from the JATS pub-date
  licence: string | null;
  title: string;
  text: string;                 // lower-cased plain text for free-text term matching
  xml: string;                  // what efetch serves (even when the bucket copy is hidden)
  meta: Record<string, unknown>;
}

export interface Corpus {
  objects: Map<string, BucketObject>;
  keys: string[];               // sorted (S3 lists keys in UTF-8 binary order)
  /** Latest version per PMCID, in esearch order (newest pdat first, then PMCID descending). */
  latest: CorpusArticle[];
  byPmcid: Map<string, CorpusArticle>;
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p)); else out.push(p);
  }
  return out;
}

/** pdat from the JATS: the first complete epub/ppub/pub date, else any year found. */
export function jatsPubDate(xml: string): string {
  const dates = [...xml.matchAll(/<pub-date([^>]*)>([\s\S]*?)<\/pub-date>/g)].map((m) => {
    const y = /<year>(\d{4})<\/year>/.exec(m[2])?.[1];
    const mo = /<month>(\d{1,2})<\/month>/.exec(m[2])?.[1] ?? '1';
    const d = /<day>(\d{1,2})<\/day>/.exec(m[2])?.[1] ?? '1';
    return { attrs: m[1], y, mo, d, full: /<day>/.test(m[2]) };
  }).filter((x) => x.y);
  const best = dates.find((x) => x.full && /epub/.test(x.attrs)) ?? dates.find((x) => x.full) ?? dates[0];
  if (!best) return '2000/01/01';
  return `${best.y}/${best.mo.padStart(2, '0')}/${best.d.padStart(2, '0')}`;
}

export function jatsTitle(xml: string): string {
  return (/<article-title[^>]*>([\s\S]*?)<\/article-title>/.exec(xml)?.[1] ?? '').replace(/<[^>]+>/g, '').trim();
}

function plainText(xml: string): string {
  return xml.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').toLowerCase();
}

function sortArticles(a: CorpusArticle[]): CorpusArticle[] {
  return a.sort((x, y) => (x.pubDate < y.pubDate ? 1 : x.pubDate > y.pubDate ? -1 : Number(y.pmcid.slice(3)) - Number(x.pmcid.slice(3))));
}

/** Builds the in-memory corpus from bucket objects (keys relative to the bucket root). */
export function corpusFromObjects(objects: Map<string, BucketObject>): Corpus {
  const versions = new Map<string, CorpusArticle>();
  for (const [key, obj] of objects) {
    const m = /^metadata\/(PMC\d+)\.(\d+)\.json$/.exec(key);
    if (!m) continue;
    const meta = JSON.parse(obj.bytes.toString('utf8')) as Record<string, unknown>;
    const version = Number(m[2]);
    const xmlObj = objects.get(`${m[1]}.${version}/${m[1]}.${version}.xml`);
    const xml = xmlObj ? xmlObj.bytes.toString('utf8') : '';
    const art: CorpusArticle = {
      pmcid: m[1], version, pubDate: jatsPubDate(xml), licence: (meta.license_code as string) ?? null,
      title: (meta.title as string) ?? jatsTitle(xml), text: plainText(xml), xml, meta,
    };
    const prev = versions.get(m[1]);
    if (!prev || prev.version < version) versions.set(m[1], art);
  }
  const latest = sortArticles([...versions.values()]);
  return { objects, keys: [...objects.keys()].sort(), latest, byPmcid: new Map(latest.map((a) => [a.pmcid, a])) };
}

export function loadBucketDir(dir: string): Corpus {
  const objects = new Map<string, BucketObject>();
  for (const p of walk(dir)) {
    const key = relative(dir, p).split(sep).join('/');
    if (key.startsWith('.') || key.endsWith('.md')) continue;
    const bytes = readFileSync(p);
    objects.set(key, { key, bytes, md5: md5(bytes) });
  }
  return corpusFromObjects(objects);
}

// ---------------------------------------------------------------- building a folder from JATS files

export interface ArticleSpec {
  file: string;                        // a .nxml/.xml JATS file
  version?: number;                    // default 1
  /** Overrides merged into the generated metadata (e.g. { is_retracted: true }). */
  meta?: Record<string, unknown>;
  /** Replace the body so efetch/S3 return a "does not allow downloading" record. */
  restricted?: boolean;
}

/** The bucket license_code for a JATS file, via the project's one licence reader (policy.ts). */
export function licenceCodeOf(xml: string): string | null {
  const lic = /<license\b[^>]*>[\s\S]*?<\/license>/.exec(xml)?.[0] ?? '';
  const href = /<license\b[^>]*xlink:href="([^"]+)"/.exec(lic)?.[1] ?? null;
  const text = lic.replace(/<[^>]+>/g, ' ');
  return licenceCodeFromJats(href, text) ?? (/license-type="open-access"/.test(lic) ? 'CC BY' : null);
}

const RESTRICTED_BODY = '<!--The publisher of this article does not allow downloading of the full text in XML form.-->';

/** Graphic hrefs → bucket media file names (PMC stores "x.001" as "x.001.jpg"). */
export function mediaNamesFromJats(xml: string): string[] {
  const names = [...xml.matchAll(/<(?:graphic|inline-graphic|media)\b[^>]*xlink:href="([^"]+)"/g)].map((m) => m[1])
    .filter((h) => !/^https?:/.test(h) && !h.includes('/'))
    .map((h) => (/\.(jpe?g|png|gif|tiff?|mp4|pdf)$/i.test(h) ? h : `${h}.jpg`));
  return [...new Set(names)];
}

/**
 * Writes a bucket-layout folder from JATS files. Media bytes are small placeholders (the real
 * figures are not in the shared data); they are listed in `mmrare_placeholder_media`.
 */
export function writeBucketFolder(outDir: string, specs: readonly ArticleSpec[]): void {
  mkdirSync(join(outDir, 'metadata'), { recursive: true });
  for (const spec of specs) {
    let xml = readFileSync(spec.file, 'utf8');
    const num = /<article-id pub-id-type="pmc(?:id)?">\s*(?:PMC)?(\d+)/.exec(xml)?.[1];
    if (!num) throw new Error(`no PMC article-id in ${spec.file}`);
    const pmcid = `PMC${num}`;
    const v = spec.version ?? 1;
    const prefix = `${pmcid}.${v}`;
    if (spec.restricted) xml = xml.replace(/<body[\s>][\s\S]*<\/body>/, RESTRICTED_BODY);
    mkdirSync(join(outDir, prefix), { recursive: true });
    const xmlBytes = Buffer.from(xml, 'utf8');
    writeFileSync(join(outDir, prefix, `${prefix}.xml`), xmlBytes);
    const media = spec.restricted ? [] : mediaNamesFromJats(xml);
    const mediaUrls = media.map((name) => {
      const bytes = Buffer.from(`placeholder media ${prefix}/${name}\n`, 'utf8');
      writeFileSync(join(outDir, prefix, name), bytes);
      return `s3://${BUCKET}/${prefix}/${name}?md5=${md5(bytes)}`;
    });
    const meta = {
      pmcid, version: v,
      pmid: /<article-id pub-id-type="pmid">(\d+)/.exec(xml)?.[1] ?? null,
      doi: /<article-id pub-id-type="doi">([^<]+)/.exec(xml)?.[1] ?? null,
      title: jatsTitle(xml),
      citation: null,
      is_pmc_openaccess: true, is_manuscript: false, is_historical_ocr: false, is_retracted: false,
      license_code: licenceCodeOf(xml),
      xml_url: `s3://${BUCKET}/${prefix}/${prefix}.xml?md5=${md5(xmlBytes)}`,
      media_urls: mediaUrls,
      mmrare_placeholder_media: media,
      ...spec.meta,
    };
    writeFileSync(join(outDir, 'metadata', `${prefix}.json`), JSON.stringify(meta, null, 2) + '\n');
  }
}

// ---------------------------------------------------------------- replication

function rewritePmcid(s: string, from: string, to: string): string {
  return s.split(from + '.').join(to + '.');
}

/**
 * `n` articles under new PMCIDs (firstId, firstId+1, …) cycling over the corpus' latest versions:
 * metadata pmcid/URLs and the XML <article-id> are rewritten, the XML md5 recomputed, media bytes shared.
 */
export function replicateCorpus(base: Corpus, n: number, firstId = 9_000_001): Corpus {
  if (base.latest.length === 0) throw new Error('replicate: the corpus has no articles');
  const objects = new Map<string, BucketObject>();
  for (let i = 0; i < n; i++) {
    const src = base.latest[i % base.latest.length];
    const pmcid = `PMC${firstId + i}`;
    const prefix = `${pmcid}.${src.version}`;
    const srcPrefix = `${src.pmcid}.${src.version}`;
    const xml = src.xml.replace(/(<article-id pub-id-type="pmc(?:id)?">\s*)(PMC)?\d+/g, (_m, a: string, p?: string) => `${a}${p ?? ''}${firstId + i}`);
    for (const key of base.keys) {
      if (!key.startsWith(srcPrefix + '/')) continue;
      const newKey = rewritePmcid(key, src.pmcid, pmcid);
      const bytes = key.endsWith(`${srcPrefix}.xml`) ? Buffer.from(xml, 'utf8') : base.objects.get(key)!.bytes;
      objects.set(newKey, { key: newKey, bytes, md5: key.endsWith(`${srcPrefix}.xml`) ? md5(bytes) : base.objects.get(key)!.md5 });
    }
    const meta: Record<string, unknown> = { ...src.meta, pmcid };
    if (typeof meta.xml_url === 'string') {
      const xmlKey = `${prefix}/${prefix}.xml`;
      meta.xml_url = objects.has(xmlKey) ? `s3://${BUCKET}/${xmlKey}?md5=${objects.get(xmlKey)!.md5}` : rewritePmcid(meta.xml_url, src.pmcid, pmcid);
    }
    if (Array.isArray(meta.media_urls)) meta.media_urls = (meta.media_urls as string[]).map((u) => rewritePmcid(u, src.pmcid, pmcid));
    const metaKey = `metadata/${prefix}.json`;
    const mb = Buffer.from(JSON.stringify(meta), 'utf8');
    objects.set(metaKey, { key: metaKey, bytes: mb, md5: md5(mb) });
  }
  return corpusFromObjects(objects);
}
