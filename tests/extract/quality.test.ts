// Image quality rules: measurements on synthetic and real images, and the thresholds' verdicts.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { processImage, type ProcessedImage } from '../../pipeline/extract/images.ts';
import { judgeImageQuality, pixelStats } from '../../pipeline/extract/quality.ts';
import { parseConfig } from '../../schemas/config.ts';
import { readShared } from '../shared-data.ts';
import { seededRandom } from '../../pipeline/core/seeded-random.ts';

const T = parseConfig({}).extract.images.quality;
const OPTS = { maxSide: 1024, thumbSide: 256, limitInputPixels: 100_000_000 };

async function judged(bytes: Buffer) {
  const r = await processImage(bytes, OPTS);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return { r: r as ProcessedImage, v: judgeImageQuality(r.source, r.stats, T) };
}

const raw = (w: number, h: number, ch: 1 | 3, f: (x: number, y: number, c: number) => number) => {
  const b = Buffer.alloc(w * h * ch);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) b[(y * w + x) * ch + c] = f(x, y, c);
  return sharp(b, { raw: { width: w, height: h, channels: ch } });
};

describe('image quality rules', () => {
  it('defaults: shortest side 64 px, aspect 12:1, channel spread 4/255, one colour on 99.5 % of the frame', () => {
    expect(T).toEqual({ minSide: 64, maxAspectRatio: 12, minPixelStdDev: 4, maxDominantColourShare: 0.995 });
  });

  it('a flat one-colour image decoded from a 9999 × 9999 PNG is a single-colour, near-constant frame', async () => {
    const png = await sharp({ create: { width: 9999, height: 9999, channels: 3, background: '#7f8c8d' } }).png().toBuffer();
    const { r, v } = await judged(png);
    expect([r.width, r.height]).toEqual([1024, 1024]);
    expect(v.failed).toEqual(['image_single_colour', 'image_near_constant']);
    expect(v.metrics).toMatchObject({ pixelStdDev: 0, dominantColourShare: 1 });
  }, 30_000);

  it('a 16 × 16 GIF frame is too small; a 2000 × 100 strip is an extreme aspect ratio', async () => {
    const gif = await raw(16, 16, 3, (x, y, c) => ((x * 16 + y * 7 + c * 50) % 256)).gif().toBuffer();
    expect((await judged(gif)).v.failed).toEqual(['image_too_small']);
    const strip = await raw(2000, 100, 1, (x, y) => (x * 3 + y * 5) % 256).png().toBuffer();
    expect((await judged(strip)).v.failed).toEqual(['image_extreme_aspect']);
    // 12:1 itself is allowed (a long ECG rhythm strip), anything longer is not
    expect(judgeImageQuality({ width: 1200, height: 100 }, { pixelStdDev: 40, dominantColourShare: 0.3 }, T).ok).toBe(true);
    expect(judgeImageQuality({ width: 1201, height: 100 }, { pixelStdDev: 40, dominantColourShare: 0.3 }, T).failed).toEqual(['image_extreme_aspect']);
  });

  it('faint noise on grey is near-constant without being one colour; a small mark on a flat frame is still one colour', async () => {
    const r = seededRandom(3);
    const noise = await raw(400, 300, 3, () => 128 + Math.round((r() - 0.5) * 8)).png().toBuffer();
    const n = await judged(noise);
    expect(n.v.failed).toEqual(['image_near_constant']);
    expect(n.v.metrics.dominantColourShare).toBeLessThan(T.maxDominantColourShare);
    const mark = await raw(400, 300, 1, (x, y) => (x >= 10 && x < 18 && y >= 10 && y < 14 ? 0 : 250)).png().toBuffer();
    expect((await judged(mark)).v.failed).toContain('image_single_colour');
  });

  it('transparent pixels count as the white page they show as', () => {
    // fully transparent black over white = white: one colour; opaque black and white halves: two
    const clear = new Uint8Array(64 * 64 * 4);
    expect(pixelStats(clear, 64, 64, 4)).toEqual({ pixelStdDev: 0, dominantColourShare: 1 });
    const halves = new Uint8Array(64 * 64 * 2).map((_, i) => (i % 2 === 1 ? 255 : (i >> 1) % 64 < 32 ? 0 : 255));
    expect(pixelStats(halves, 64, 64, 2)).toEqual({ pixelStdDev: 127.5, dominantColourShare: 0.5 });
  });

  it('real clinical images pass: a chest X-ray, a skin lesion photo, a 12-lead ECG, a PMC figure thumbnail', async () => {
    for (const f of ['images/covid_chestxray/jkms-35-e79-g001-l-a.jpg', 'images/pad_ufes20/PAT_286_1459_926.png',
      'images/ecg_image_kit/ecg00001.png', 'images/pmc_packages/PMC11286954/41420_2024_2111_Fig2_HTML.gif']) {
      const { v } = await judged(readShared(f));
      expect(v.failed, f).toEqual([]);
    }
  });
});
