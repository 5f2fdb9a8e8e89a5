// Bench: OCR time per image (tesseract CLI through pipeline/extract/ocr.ts) on the real images of
// ../shared/data/images (read as the extract stage reads them: the source at up to 2048 px, grey PNG) and on
// the sample corpus's placeholder cards, one image per process vs batches, and the input preparation alone.
// Usage: npx tsx scripts/bench/ocr.ts [concurrency]      (prints one JSON object on stdout)
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createTesseractEngine, ocrInput } from '../../pipeline/extract/ocr.ts';
import { sniffImage } from '../../pipeline/extract/images.ts';
import { placeholderPng } from '../../pipeline/fetch/sample-corpus.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const concurrency = Number(process.argv[2] ?? availableParallelism());
sharp.cache(false);

function walk(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, out); else out.push(p);
  }
  return out;
}

const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]);
  return { n: s.length, meanMs: Math.round(s.reduce((a, b) => a + b, 0) / s.length), medianMs: q(0.5), p90Ms: q(0.9), maxMs: Math.round(s[s.length - 1]) };
};

async function timeAll(inputs: Buffer[], opts: { concurrency: number; batchSize: number }): Promise<{ wallMs: number; perImageMs: number }> {
  const engine = createTesseractEngine({ ...opts, timeoutMs: 60_000 });
  const t = performance.now();
  await Promise.all(inputs.map((i) => engine.read(i)));
  const wallMs = performance.now() - t;
  return { wallMs: Math.round(wallMs), perImageMs: Math.round(wallMs / inputs.length) };
}

const dir = join(ROOT, '..', 'shared', 'data', 'images');
if (!existsSync(dir)) throw new Error(`${dir} not found (the shared data)`);
const files = walk(dir).map((p) => ({ p, b: readFileSync(p) })).filter((f) => { const k = sniffImage(f.b); return k !== null && k !== 'dicom' && k !== 'bmp'; });

// inputs as the stage prepares them (source at ≤ 2048 px when the 1024 px copy was shrunk)
const prep: number[] = [];
const real: { name: string; side: number; input: Buffer }[] = [];
for (const f of files) {
  try {
    const m = await sharp(f.b, { pages: 1 }).metadata();
    const side = Math.max(m.width ?? 0, m.height ?? 0);
    const norm = await sharp(f.b, { pages: 1 }).resize(1024, 1024, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
    const t = performance.now();
    const input = await ocrInput(f.b, norm, side, Math.min(side, 1024), { maxSide: 2048, limitInputPixels: 100_000_000 });
    prep.push(performance.now() - t);
    real.push({ name: f.p.slice(dir.length + 1), side, input });
  } catch { /* not decodable here: the stage drops it before OCR */ }
}

// one image at a time, one process each: the cost a single image pays
const single = createTesseractEngine({ concurrency: 1, batchSize: 1, timeoutMs: 60_000 });
const perImage: { name: string; side: number; ms: number; words: number }[] = [];
for (const r of real) {
  const t = performance.now();
  const res = await single.read(r.input);
  perImage.push({ name: r.name, side: r.side, ms: Math.round(performance.now() - t), words: res.words.length });
}
const bySize = (lo: number, hi: number) => perImage.filter((x) => x.side > lo && x.side <= hi).map((x) => x.ms);

const placeholders: Buffer[] = [];
for (let i = 0; i < 141; i++) placeholders.push(await placeholderPng(`Figure ${1 + (i % 6)}`, `bench/${i}`));
const phInputs = await Promise.all(placeholders.map((p) => ocrInput(p, p, 640, 640, { maxSide: 2048, limitInputPixels: 1e8 })));

const out = {
  concurrency,
  realImages: {
    single: stats(perImage.map((x) => x.ms)),
    upTo512px: stats(bySize(0, 512)), upTo1024px: stats(bySize(512, 1024)), over1024px: stats(bySize(1024, 1e9)),
    inputPreparation: stats(prep),
    batched: await timeAll(real.map((r) => r.input), { concurrency, batchSize: 8 }),
    unbatched: await timeAll(real.map((r) => r.input), { concurrency, batchSize: 1 }),
    slowest: [...perImage].sort((a, b) => b.ms - a.ms).slice(0, 3),
  },
  placeholders141: {
    batched: await timeAll(phInputs, { concurrency, batchSize: 8 }),
    unbatched: await timeAll(phInputs, { concurrency, batchSize: 1 }),
  },
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
