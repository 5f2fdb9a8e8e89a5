// Bench: the image stage's per-image work (processImage: header check, one decode, normalise or keep as
// published, thumbnail, dHash, sha256; then compound-gutter detection on its preview) as a fraction of bare
// sharp decode+resize+encode on the same images at the same concurrency. Goal (issue 4): ≥ 0.85.
// Also prints the same fraction on the re-encoded images alone, and peak RSS.
// Usage: npx tsx scripts/bench/images.ts [rounds] [concurrency]   (MAXSIDE=1024 for the stage's default cap)
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { detectCompound } from '../../pipeline/extract/compound.ts';
import { processImage, sniffImage } from '../../pipeline/extract/images.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const rounds = Number(process.argv[2] ?? 5);
if (process.env.VIPS_THREADS) sharp.concurrency(Number(process.env.VIPS_THREADS));
// libvips' operation cache would let later rounds of the same pipeline on the same bytes hit the cache:
// off, so every round measures decoding and encoding work.
sharp.cache(false);
const concurrency = Number(process.argv[3] ?? availableParallelism());
const OPTS = { maxSide: Number(process.env.MAXSIDE ?? 2048), thumbSide: 256, limitInputPixels: 100_000_000 };

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

/**
 * The baseline: what any image stage must at least do — decode, cap the size, encode once, in the
 * output format processImage chose for that image (JPEG, or PNG for line art/alpha), so both do the same encode.
 */
async function bare(bytes: Buffer, format: 'jpeg' | 'png' = 'jpeg'): Promise<void> {
  const p = sharp(bytes, { limitInputPixels: OPTS.limitInputPixels }).resize({ width: OPTS.maxSide, height: OPTS.maxSide, fit: 'inside', withoutEnlargement: true });
  await (format === 'png' ? p.png({ compressionLevel: 6, adaptiveFiltering: false }) : p.jpeg({ quality: 85 })).toBuffer();
}

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);

// only files both paths can decode (the bench compares speed, not error handling)
const images: { name: string; bytes: Buffer; format: 'jpeg' | 'png'; kept: boolean }[] = [];
for (const i of corpus()) {
  const r = await processImage(i.bytes, OPTS);
  if (r.ok && (await bare(i.bytes, r.format).then(() => true, () => false))) images.push({ ...i, format: r.format, kept: r.keptAsPublished });
}
const reencoded = images.filter((i) => !i.kept);
const mb = images.reduce((n, i) => n + i.bytes.length, 0) / 1e6;
/** What the extract stage does per image. */
async function stage(bytes: Buffer): Promise<void> {
  const r = await processImage(bytes, OPTS);
  if (r.ok) await detectCompound({ panelLetters: [], preview: r.preview, image: r.normalised, imageSide: Math.max(r.width, r.height) });
}
const runs: Record<string, () => Promise<void>> = {
  'bare sharp decode+resize+encode': () => pool(images, concurrency, (i) => bare(i.bytes, i.format)),
  'image stage (processImage + compound)': () => pool(images, concurrency, (i) => stage(i.bytes)),
  'bare, re-encoded images only': () => pool(reencoded, concurrency, (i) => bare(i.bytes, i.format)),
  'image stage, re-encoded images only': () => pool(reencoded, concurrency, (i) => stage(i.bytes)),
};
for (const fn of Object.values(runs)) await fn(); // warm-up
const ms: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) for (const [k, fn] of Object.entries(runs)) {
  const t = performance.now();
  await fn();
  (ms[k] ??= []).push(performance.now() - t);
}
clearInterval(sampler);
const best = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.min(...v)]));
const [b, f, rb, rf] = Object.values(best);
const pngs = images.filter((i) => i.format === 'png').length;
console.log(`images: ${images.length} real files (${mb.toFixed(1)} MB: JPEG, PNG, GIF, TIFF); ${pngs} come out as PNG, ${images.length - reencoded.length} kept as published (metadata stripped), ${reencoded.length} re-encoded`);
console.log(`maxSide ${OPTS.maxSide}, thumbSide ${OPTS.thumbSide}, concurrency ${concurrency}, ${rounds} interleaved rounds (min), sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}`);
for (const [k, v] of Object.entries(best)) console.log(`  ${v.toFixed(0).padStart(7)} ms  ${((k.includes('re-encoded') ? reencoded.length : images.length) / (v / 1000)).toFixed(1).padStart(7)} images/s  ${k}`);
console.log(`throughput fraction (image stage / bare), all images: ${(b / f).toFixed(3)}  (goal ≥ 0.85)`);
console.log(`throughput fraction (image stage / bare), re-encoded images only: ${(rb / rf).toFixed(3)}`);
console.log(`peak RSS: ${(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1e6).toFixed(0)} MB`);
