// Builds samples/pmc-oa-opendata/ — the bundled real corpus laid out like the PMC Cloud bucket —
// from a folder of real PMC JATS files (default ../shared/data/pmc/articles).
//
//   npx tsx scripts/build-sample-corpus.ts [--src DIR] [--out DIR]
//
// Each article's metadata JSON is built from the article's own JATS (ids, title, licence). The
// real figure files are not available offline, so each <graphic> gets a generated placeholder
// PNG that shows only the figure label (never the caption: captions can name the diagnosis).
// Placeholders are listed in the metadata under `mmrare_placeholder_media`.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import sharp from 'sharp';
import { licenceCodeFromJats } from '../pipeline/fetch/policy.ts';

const { values } = parseArgs({
  options: {
    src: { type: 'string', default: '../shared/data/pmc/articles' },
    out: { type: 'string', default: 'samples/pmc-oa-opendata' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: npx tsx scripts/build-sample-corpus.ts [--src DIR] [--out DIR]\n' +
    'Example: npx tsx scripts/build-sample-corpus.ts --src ../shared/data/pmc/articles --out samples/pmc-oa-opendata\n');
  process.exit(0);
}

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
    return Object.entries(node as Record<string, unknown>)
      .filter(([k]) => !k.startsWith('@'))
      .map(([, v]) => textOf(v)).join(' ');
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

async function placeholder(label: string, seed: string): Promise<Buffer> {
  // A deterministic tint per figure keeps placeholders visually distinct (they are skipped by
  // near-duplicate detection anyway, since they are flagged as placeholders).
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

async function main(): Promise<void> {
  const src = resolve(values.src!);
  const out = resolve(values.out!);
  const files = readdirSync(src).filter((f) => f.endsWith('.nxml')).sort();
  if (existsSync(out)) rmSync(out, { recursive: true });
  mkdirSync(join(out, 'metadata'), { recursive: true });
  const index: string[] = ['prefix\tpmcid\tlicense_code\tfigures\tplaceholders\ttitle'];
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
        const bytes = await placeholder(fig.label, `${pmcid}/${href}`);
        writeFileSync(join(dir, name), bytes);
        mediaUrls.push(`s3://pmc-oa-opendata/${prefix}/${name}?md5=${md5(bytes)}`);
        placeholders.push(name);
      }
    }
    const title = textOf(meta?.['title-group']?.['article-title']).replace(/\s+/g, ' ').trim();
    const metadata = {
      pmcid,
      version: 1,
      pmid: ids.pmid ?? null,
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
      mmrare_provenance: 'Built by scripts/build-sample-corpus.ts from the article JATS; licence from its <license> element.',
    };
    writeFileSync(join(out, 'metadata', `${prefix}.json`), JSON.stringify(metadata, null, 2) + '\n');
    index.push([prefix, pmcid, licenseCode ?? '', figs.length, placeholders.length, title].join('\t'));
  }
  writeFileSync(join(out, 'index.tsv'), index.join('\n') + '\n');
  process.stderr.write(`wrote ${files.length} articles to ${out}\n`);
}

await main();
