// Bench: the extract stage's per-image work against bare sharp doing the same work with the stage's own
// settings (the config's extract.images: maxSide, thumbSide, limitInputPixels), in two groups:
//   - kept as published (already in normal form; the stage strips metadata and decodes once for the thumbnail,
//     dHash and statistics): bare = decode at thumbnail size + JPEG thumbnail;
//   - re-encoded: bare = decode + rotate + cap at maxSide + encode in the format the stage chose + JPEG
//     thumbnail from that output.
// "Stage" = processImage + compound-gutter detection on its preview. Same images, same concurrency,
// interleaved rounds; median (min–max) ms; fraction = bare / stage time (goal ≥ 0.85). Peak RSS at the end.
// Usage: npx tsx scripts/bench/images.ts [rounds] [concurrency]   (VIPS_THREADS=n sets sharp's thread pool)
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { loadavg } from 'node:os';
import { parseConfig } from '../../schemas/config.ts';
import { detectCompound } from '../../pipeline/extract/compound.ts';
import { processImage, sniffImage } from '../../pipeline/extract/images.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const rounds = Number(process.argv[2] ?? 5);
if (process.env.VIPS_THREADS) sharp.concurrency(Number(process.env.VIPS_THREADS));
// libvips' operation cache would let later rounds of the same pipeline on the same bytes hit the cache:
// off, so every round measures decoding and encoding work.
sharp.cache(false);
const concurrency = Number(process.argv[3] ?? availableParallelism());
const IMG = parseConfig({}).extract.images; // the stage's own settings
const OPTS = { maxSide: IMG.maxSide, thumbSide: IMG.thumbSide, limitInputPixels: IMG.limitInputPixels };

function walk(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir).sort()) {
    const p = `${dir}/${f}`;
    if (statSync(p).isDirectory()) walk(p, out); else out.push(p);
  }
  return out;
}

/** Real images sharp can decode: shared/data/images (+ pmc/images), else the test fixtures. */
function corpus(): { name: string; bytes: Buffer }[] {
  const dirs = [`${ROOT}../shared/data/images`, `${ROOT}../shared/data/pmc/images`].filter(existsSync);
  if (!dirs.length) dirs.push(`${ROOT}tests/fixtures/extract/images`);
  const files = dirs.flatMap((d) => walk(d)).map((p) => ({ name: p, bytes: readFileSync(p) }));
  return files.filter((f) => { const k = sniffImage(f.bytes); return k !== null && k !== 'dicom' && k !== 'bmp'; });
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

const cap = { width: OPTS.maxSide, height: OPTS.maxSide, fit: 'inside' as const, withoutEnlargement: true };
const tcap = { width: OPTS.thumbSide, height: OPTS.thumbSide, fit: 'inside' as const, withoutEnlargement: true };
/** Bare sharp, the same work as the stage for a re-encoded image: normalise once, thumbnail from the output. */
async function bareReencode(bytes: Buffer, format: 'jpeg' | 'png'): Promise<void> {
  const p = sharp(bytes, { limitInputPixels: OPTS.limitInputPixels }).rotate().resize(cap);
  const out = await (format === 'png' ? p.png({ compressionLevel: 6, adaptiveFiltering: false }) : p.jpeg({ quality: 85 })).toBuffer();
  await sharp(out).resize(tcap).jpeg({ quality: 80 }).toBuffer();
}
/** Bare sharp, the same work as the stage for a kept image: one decode (at thumbnail size) and the thumbnail. */
async function bareKept(bytes: Buffer): Promise<void> {
  await sharp(bytes, { limitInputPixels: OPTS.limitInputPixels }).resize(tcap).jpeg({ quality: 80 }).toBuffer();
}

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);

// only files both paths can decode (the bench compares speed, not error handling)
const images: { name: string; bytes: Buffer; format: 'jpeg' | 'png'; kept: boolean }[] = [];
for (const i of corpus()) {
  const r = await processImage(i.bytes, OPTS);
  if (r.ok && (await bareReencode(i.bytes, r.format).then(() => true, () => false))) images.push({ ...i, format: r.format, kept: r.keptAsPublished });
}
const kept = images.filter((i) => i.kept);
const reencoded = images.filter((i) => !i.kept);
const mb = (xs: typeof images) => xs.reduce((n, i) => n + i.bytes.length, 0) / 1e6;
/** What the extract stage does per image. */
async function stage(bytes: Buffer): Promise<void> {
  const r = await processImage(bytes, OPTS);
  if (r.ok) await detectCompound({ panelLetters: [], preview: r.preview, image: r.normalised, imageSide: Math.max(r.width, r.height) });
}
const groups = { 'kept as published': kept, 're-encoded': reencoded };
const runs: Record<string, () => Promise<void>> = {
  'kept as published: bare sharp (decode at thumbnail size + thumbnail)': () => pool(kept, concurrency, (i) => bareKept(i.bytes)),
  'kept as published: image stage': () => pool(kept, concurrency, (i) => stage(i.bytes)),
  're-encoded: bare sharp (decode + cap + encode + thumbnail)': () => pool(reencoded, concurrency, (i) => bareReencode(i.bytes, i.format)),
  're-encoded: image stage': () => pool(reencoded, concurrency, (i) => stage(i.bytes)),
};
for (const fn of Object.values(runs)) await fn(); // warm-up
const ms: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) for (const [k, fn] of Object.entries(runs)) {
  const t = performance.now();
  await fn();
  (ms[k] ??= []).push(performance.now() - t);
}
clearInterval(sampler);
const median = (xs: number[]) => { const s2 = [...xs].sort((a, b) => a - b); return s2[Math.floor(s2.length / 2)]; };
console.log(`images: ${images.length} real files (${mb(images).toFixed(1)} MB); ${kept.length} kept as published (${mb(kept).toFixed(1)} MB), ${reencoded.length} re-encoded (${mb(reencoded).toFixed(1)} MB, ${reencoded.filter((i) => i.format === 'png').length} as PNG)`);
console.log(`maxSide ${OPTS.maxSide}, thumbSide ${OPTS.thumbSide} (the config's defaults), concurrency ${concurrency}, sharp threads ${sharp.concurrency()}, ${rounds} interleaved rounds, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const [k, v] of Object.entries(ms)) {
  const n = k.startsWith('kept') ? kept.length : reencoded.length;
  console.log(`  ${median(v).toFixed(0).padStart(7)} (${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}) ms  ${(n / (median(v) / 1000)).toFixed(1).padStart(7)} images/s  ${k}`);
}
const keys = Object.keys(ms);
for (const [g, i] of [['kept as published', 0], ['re-encoded', 2]] as const) {
  if (!groups[g].length) continue;
  console.log(`throughput fraction (bare / image stage, medians), ${g}: ${(median(ms[keys[i]]) / median(ms[keys[i + 1]])).toFixed(3)}  (goal ≥ 0.85)`);
}
console.log(`peak RSS: ${(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1e6).toFixed(0)} MB`);
