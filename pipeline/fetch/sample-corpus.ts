// The sample corpus: the real case reports in the data dir (pmc/articles/*.nxml), laid out like the PMC
// Cloud bucket so the pipeline runs on them offline. Built at run time (never committed), into the
// workdir, and rebuilt only when the articles or this builder change.
//
// Each article's metadata JSON is built from its own JATS (ids, title, licence). The real figure files
// are not available offline, so each <graphic> gets a generated placeholder PNG that shows only the
// figure label (never the caption: captions can name the diagnosis), listed in `mmrare_placeholder_media`.
// The JATS of these articles carry no PMID; where the data dir's Europe PMC record of an article gives one,
// the metadata carries it (as the live bucket's metadata does), so export rows can cite the article.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import sharp from 'sharp';
import { licenceCodeFromJats } from '../core/licence.ts';
import { hashOf } from '../core/hash.ts';

/** Bump when the layout or the placeholder bytes change: existing sample folders are rebuilt. */
export const SAMPLE_CORPUS_VERSION = '2';
const STAMP = '.mmrare-sample-corpus.json';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['article-id', 'fig', 'graphic', 'license-p', 'ext-link', 'pub-date'].includes(name),
});

function textOf(node: unknown): string {
  if (node == null) return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join(' ');
  if (typeof node === 'object') {
    return Object.entries(node as Record<string, unknown>).filter(([k]) => !k.startsWith('@')).map(([, v]) => textOf(v)).join(' ');
  }
  return '';
}

interface FigInfo { label: string; hrefs: string[] }

function collectFigs(node: unknown, out: FigInfo[]): void {
  if (node == null || typeof node !== 'object') return;
  if (Array.isArray(node)) { for (const n of node) collectFigs(n, out); return; }
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'fig') {
      for (const f of v as Record<string, unknown>[]) {
        const hrefs = ((f.graphic as Record<string, string>[] | undefined) ?? []).map((g) => g['@xlink:href']).filter(Boolean);
        out.push({ label: textOf(f.label).trim(), hrefs });
      }
    } else if (!k.startsWith('@')) {
      collectFigs(v, out);
    }
  }
}

/** A card showing only the figure label; a deterministic tint per figure keeps cards distinct. */
export async function placeholderPng(label: string, seed: string): Promise<Buffer> {
  const h = createHash('sha256').update(seed).digest();
  const tint = `rgb(${200 + (h[0] % 40)},${200 + (h[1] % 40)},${200 + (h[2] % 40)})`;
  const esc = label.replace(/[<>&"]/g, '');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400">` +
    `<rect width="640" height="400" fill="${tint}"/>` +
    `<rect x="10" y="10" width="620" height="380" fill="none" stroke="#555" stroke-width="4" stroke-dasharray="16 8"/>` +
    `<text x="320" y="190" font-size="44" text-anchor="middle" font-family="DejaVu Sans, sans-serif" fill="#222">${esc || 'Figure'}</text>` +
    `<text x="320" y="250" font-size="22" text-anchor="middle" font-family="DejaVu Sans, sans-serif" fill="#444">placeholder: real image not bundled</text>` +
    `</svg>`;
  // No timestamps or other chunks: the same input gives the same bytes.
  return sharp(Buffer.from(svg)).png({ compressionLevel: 9, palette: true }).toBuffer();
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

export interface SampleCorpusOptions {
  /** The Europe PMC search-result records (<PMCID>.json, data location `europepmc`); optional. */
  europepmc?: string | null;
}

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/**
 * The PMID the Europe PMC record of `pmcid` gives (records as ContentMine getpapers writes them:
 * every value an array), or null: no record, another article's record, or no numeric PMID.
 */
export function europePmcPmid(dir: string | null | undefined, pmcid: string): string | null {
  if (!dir) return null;
  const p = join(dir, `${pmcid}.json`);
  if (!existsSync(p)) return null;
  try {
    const rec = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    const own = String(first(rec.pmcid) ?? '');
    const pmid = String(first(rec.pmid) ?? '').trim();
    return own === pmcid && /^\d+$/.test(pmid) ? pmid : null;
  } catch { return null; }
}

export interface SampleArticle { prefix: string; pmcid: string; licenseCode: string | null; figures: number; placeholders: number; title: string }

/** Writes the bucket layout of the JATS files in `src` into `out` (which must not exist or be empty). */
export async function writeSampleCorpus(src: string, out: string, opts: SampleCorpusOptions = {}): Promise<SampleArticle[]> {
  const files = readdirSync(src).filter((f) => f.endsWith('.nxml')).sort();
  mkdirSync(join(out, 'metadata'), { recursive: true });
  const articles: SampleArticle[] = [];
  for (const f of files) {
    const xml = readFileSync(join(src, f));
    const doc = parser.parse(xml.toString('utf8'));
    const meta = doc.article?.front?.['article-meta'];
    const ids: Record<string, string> = {};
    for (const id of meta?.['article-id'] ?? []) ids[id['@pub-id-type']] = textOf(id).trim();
    const pmcid = ids.pmcid ? (ids.pmcid.startsWith('PMC') ? ids.pmcid : `PMC${ids.pmcid}`) : f.replace('.nxml', '');
    const prefix = `${pmcid}.1`;
    const lic = meta?.permissions?.license;
    const licHref = lic?.['@xlink:href'] ?? lic?.['license-p']?.flatMap((p: Record<string, unknown>) => (p['ext-link'] as Record<string, string>[] | undefined) ?? [])
      .map((e: Record<string, string>) => e['@xlink:href'])[0] ?? null;
    const licText = textOf(lic?.['license-p']).replace(/\s+/g, ' ').trim();
    const licenseCode = licenceCodeFromJats(licHref, licText);
    const figs: FigInfo[] = [];
    collectFigs(doc.article, figs);
    const dir = join(out, prefix);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${prefix}.xml`), xml);
    const mediaUrls: string[] = [];
    const placeholders: string[] = [];
    for (const fig of figs) {
      for (const href of fig.hrefs) {
        const name = `${href}.png`;
        const bytes = await placeholderPng(fig.label, `${pmcid}/${href}`);
        writeFileSync(join(dir, name), bytes);
        mediaUrls.push(`s3://pmc-oa-opendata/${prefix}/${name}?md5=${md5(bytes)}`);
        placeholders.push(name);
      }
    }
    const title = textOf(meta?.['title-group']?.['article-title']).replace(/\s+/g, ' ').trim();
    const metadata = {
      pmcid,
      version: 1,
      pmid: ids.pmid ?? europePmcPmid(opts.europepmc, pmcid),
      doi: ids.doi ?? null,
      title,
      citation: textOf(doc.article?.front?.['journal-meta']?.['journal-title-group']?.['journal-title']).trim() || null,
      is_pmc_openaccess: true,
      is_manuscript: false,
      is_historical_ocr: false,
      is_retracted: false,
      license_code: licenseCode,
      xml_url: `s3://pmc-oa-opendata/${prefix}/${prefix}.xml?md5=${md5(xml)}`,
      media_urls: mediaUrls,
      mmrare_placeholder_media: placeholders,
      mmrare_provenance: 'Built by mmrare (pipeline/fetch/sample-corpus.ts) from the article JATS; licence from its <license> element.',
    };
    writeFileSync(join(out, 'metadata', `${prefix}.json`), JSON.stringify(metadata, null, 2) + '\n');
    articles.push({ prefix, pmcid, licenseCode, figures: figs.length, placeholders: placeholders.length, title });
  }
  const index = ['prefix\tpmcid\tlicense_code\tfigures\tplaceholders\ttitle',
    ...articles.map((a) => [a.prefix, a.pmcid, a.licenseCode ?? '', a.figures, a.placeholders, a.title].join('\t'))];
  writeFileSync(join(out, 'index.tsv'), index.join('\n') + '\n');
  return articles;
}

/** What the layout is built from: the builder version, every source file's name and bytes, and the PMIDs found. */
export function sampleCorpusKey(src: string, opts: SampleCorpusOptions = {}): string {
  const files = readdirSync(src).filter((f) => f.endsWith('.nxml')).sort();
  const pmids = files.map((f) => europePmcPmid(opts.europepmc, f.replace(/\.nxml$/, '')));
  return hashOf(SAMPLE_CORPUS_VERSION, files.map((f) => [f, createHash('sha256').update(readFileSync(join(src, f))).digest('hex')]), pmids);
}

/**
 * The bucket layout of `src` at `out`, built when missing or out of date (temp folder + rename, so a
 * crash never leaves half a layout in place). Returns whether it was built now.
 */
export async function ensureSampleCorpus(src: string, out: string, opts: SampleCorpusOptions = {}): Promise<{ dir: string; built: boolean; articles: number }> {
  const key = sampleCorpusKey(src, opts);
  const stampPath = join(out, STAMP);
  if (existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { key: string; articles: number };
      if (stamp.key === key) return { dir: out, built: false, articles: stamp.articles };
    } catch { /* rebuilt below */ }
  }
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    const articles = await writeSampleCorpus(src, tmp, opts);
    writeFileSync(join(tmp, STAMP), JSON.stringify({ key, articles: articles.length }) + '\n');
    const old = `${out}.old-${randomBytes(4).toString('hex')}`;
    if (existsSync(out)) renameSync(out, old);
    try { renameSync(tmp, out); } catch (e) {
      if (!existsSync(out) || !existsSync(join(out, STAMP))) throw e; // another process won the race with the same content
    }
    rmSync(old, { recursive: true, force: true });
    return { dir: out, built: true, articles: articles.length };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
