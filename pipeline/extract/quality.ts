// Image quality rules (pure): whether an image can show a reader anything. Measured on the
// thumbnail (≤ thumbSide, alpha on white) the image stage already decodes, and on the source size.
// Thresholds come from the config (extract.images.quality); docs/extraction.md gives the reasons.

export interface PixelStats {
  /** Largest standard deviation of the R, G and B channels (0–255): 0 = every pixel the same. */
  pixelStdDev: number;
  /** Share of the commonest colour at 5 bits per channel (JPEG noise around one colour is still one colour). */
  dominantColourShare: number;
}

export interface QualityThresholds {
  minSide: number;               // shortest side of the source, in pixels
  maxAspectRatio: number;        // longest side / shortest side
  minPixelStdDev: number;        // below: near-constant pixels
  maxDominantColourShare: number; // at or above: a single-colour frame
}

export type QualityReason = 'image_too_small' | 'image_extreme_aspect' | 'image_single_colour' | 'image_near_constant';

export interface QualityVerdict {
  ok: boolean;
  /** Every rule the image fails, in a fixed order (the first is the image's recorded reason). */
  failed: QualityReason[];
  metrics: { minSide: number; aspectRatio: number; pixelStdDev: number; dominantColourShare: number };
}

/** Channel statistics of raw 1–4 channel pixels, alpha composited on white (what a page shows). */
export function pixelStats(data: Uint8Array, width: number, height: number, channels: number): PixelStats {
  const n = width * height;
  if (n === 0) return { pixelStdDev: 0, dominantColourShare: 1 };
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  const counts = new Uint32Array(1 << 15);
  let top = 0;
  const grey = channels <= 2;
  const alpha = channels === 2 || channels === 4;
  // No closure inside the loop: under tsx (esbuild keepNames) every function expression is also named at
  // run time, which per pixel cost more than the statistics (measured: 60 % of extract).
  for (let p = 0, i = 0; p < n; p++, i += channels) {
    const a = alpha ? data[i + channels - 1] : 255;
    const white = 255 * (255 - a) + 127;
    const r = (data[i] * a + white) / 255 | 0;
    const g = grey ? r : (data[i + 1] * a + white) / 255 | 0;
    const b = grey ? r : (data[i + 2] * a + white) / 255 | 0;
    sum[0] += r; sum[1] += g; sum[2] += b;
    sq[0] += r * r; sq[1] += g * g; sq[2] += b * b;
    const c = ++counts[((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)];
    if (c > top) top = c;
  }
  let std = 0;
  for (let k = 0; k < 3; k++) {
    const mean = sum[k] / n;
    std = Math.max(std, Math.sqrt(Math.max(0, sq[k] / n - mean * mean)));
  }
  return { pixelStdDev: std, dominantColourShare: top / n };
}

/** The verdict for one image: source size, shape and thumbnail statistics against the thresholds. */
export function judgeImageQuality(source: { width: number; height: number }, stats: PixelStats, t: QualityThresholds): QualityVerdict {
  const minSide = Math.min(source.width, source.height);
  const aspectRatio = Math.max(source.width, source.height) / Math.max(1, minSide);
  const failed: QualityReason[] = [];
  if (minSide < t.minSide) failed.push('image_too_small');
  if (aspectRatio > t.maxAspectRatio) failed.push('image_extreme_aspect');
  if (stats.dominantColourShare >= t.maxDominantColourShare) failed.push('image_single_colour');
  if (stats.pixelStdDev < t.minPixelStdDev) failed.push('image_near_constant');
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    ok: failed.length === 0, failed,
    metrics: { minSide, aspectRatio: round(aspectRatio, 3), pixelStdDev: round(stats.pixelStdDev, 2), dominantColourShare: round(stats.dominantColourShare, 4) },
  };
}
